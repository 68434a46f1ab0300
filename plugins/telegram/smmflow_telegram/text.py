"""How long a message is for Telegram: limits count the text after entity parsing."""

from __future__ import annotations

import html
import re

PARSE_MODES = ("HTML", "MarkdownV2")

_HTML_TAG = re.compile(r"<[^>]*>")
_MD_LINK = re.compile(r"(?<!\\)\[(.*?)(?<!\\)\]\((?:\\.|[^)])*\)", re.DOTALL)
_MD_MARK = re.compile(r"(?<!\\)(?:```[^\n]*\n?|[*_~|`])")
_MD_ESCAPE = re.compile(r"\\(.)")


def visible_text(text: str, parse_mode: str | None) -> str:
    """The text a reader sees once Telegram has parsed ``parse_mode`` markup.

    An approximation good enough for length checks (markup only makes the raw
    text longer); Telegram's parser stays the authority at send time.
    """
    if parse_mode == "HTML":
        return html.unescape(_HTML_TAG.sub("", text))
    if parse_mode == "MarkdownV2":
        text = _MD_LINK.sub(r"\1", text)
        text = _MD_MARK.sub("", text)
        return _MD_ESCAPE.sub(r"\1", text)
    return text
