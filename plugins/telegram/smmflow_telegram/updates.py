"""Telegram updates (from ``getUpdates`` or a webhook) turned into inbox items.

Comments on a channel post live in the channel's linked discussion group: the
post arrives there as an automatic forward and each comment replies to it.
Platform ids are ``"<chat_id>:<message_id>"``; a comment's
``post_external_id`` is the channel post's external id, ``"<channel_id>:<message_id>"``,
as :meth:`TelegramPlatform.publish` returns it for a single message.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from smmflow.plugin_api import InboxItemData

MESSAGE_KEYS = ("message", "edited_message")
MEDIA_KINDS = ("photo", "video", "animation", "document", "sticker", "voice", "video_note", "audio")


def message_id(chat_id: int | str, msg_id: int | str) -> str:
    return f"{chat_id}:{msg_id}"


def split_id(platform_id: str) -> tuple[str, list[int]]:
    """``"-100123:7"`` or ``"-100123:7,8,9"`` -> ``("-100123", [7, 8, 9])``."""
    chat, sep, ids = platform_id.rpartition(":")
    if not sep or not chat or not ids:
        raise ValueError(f"not a Telegram message id: {platform_id!r}")
    return chat, [int(part) for part in ids.split(",")]


def _author(message: Mapping[str, Any]) -> tuple[str, str]:
    sender_chat = message.get("sender_chat")
    if isinstance(sender_chat, Mapping):
        return str(sender_chat.get("id", "")), str(sender_chat.get("title") or
                                                   sender_chat.get("username") or "")
    user = message.get("from")
    if isinstance(user, Mapping):
        name = " ".join(p for p in (user.get("first_name"), user.get("last_name")) if p)
        return str(user.get("id", "")), name or str(user.get("username") or user.get("id", ""))
    return "", ""


def _origin_post(forward: Mapping[str, Any]) -> str | None:
    """The channel post an automatic forward in a discussion group stands for."""
    origin = forward.get("forward_origin")
    if isinstance(origin, Mapping) and origin.get("type") == "channel":
        chat = origin.get("chat") or {}
        if "id" in chat and "message_id" in origin:
            return message_id(chat["id"], origin["message_id"])
    # Bot API < 7.0 shape
    chat = forward.get("forward_from_chat")
    if isinstance(chat, Mapping) and "forward_from_message_id" in forward:
        return message_id(chat["id"], forward["forward_from_message_id"])
    return None


def chat_matches(chat: Mapping[str, Any], wanted: str | int | None) -> bool:
    """Whether ``chat`` is the chat named by ``wanted`` (numeric id or ``@username``)."""
    if wanted is None or wanted == "":
        return True
    text = str(wanted).strip()
    if text.startswith("@"):
        return str(chat.get("username") or "").lower() == text[1:].lower()
    return str(chat.get("id")) == text


def parse_update(update: Mapping[str, Any], discussion_chat_id: str | int | None = None
                 ) -> InboxItemData | None:
    """An inbox item for a comment/reply/message of an update, or None for anything else.

    Works on ``getUpdates`` results and on webhook bodies alike. With
    ``discussion_chat_id`` only messages of that group are kept. Automatic
    forwards of channel posts, service messages and non-group chats give None.
    """
    key = next((k for k in MESSAGE_KEYS if isinstance(update.get(k), Mapping)), None)
    if key is None:
        return None
    message: Mapping[str, Any] = update[key]
    chat = message.get("chat") or {}
    if chat.get("type") not in ("group", "supergroup") or not chat_matches(chat, discussion_chat_id):
        return None
    if message.get("is_automatic_forward"):
        return None
    text = message.get("text") or message.get("caption") or ""
    media = next((kind for kind in MEDIA_KINDS if kind in message), None)
    if not text and media is None:
        return None  # service message: joins, pins, title changes...
    chat_id = chat.get("id")
    author_id, author_name = _author(message)
    stamp = message.get("edit_date") if key == "edited_message" else message.get("date")
    received_at = dt.datetime.fromtimestamp(int(stamp or 0), dt.UTC)
    kind, post_id, parent_id = "message", None, None
    parent = message.get("reply_to_message")
    if isinstance(parent, Mapping):
        if parent.get("is_automatic_forward"):
            kind, post_id = "comment", _origin_post(parent)
        else:
            kind, parent_id = "reply", message_id(chat_id, parent["message_id"])
    extra: dict[str, Any] = {"chat_id": chat_id, "message_id": message.get("message_id"),
                             "update_id": update.get("update_id")}
    if message.get("message_thread_id") is not None:
        extra["thread_id"] = message["message_thread_id"]
    if media is not None:
        extra["media"] = media
    if key == "edited_message":
        extra["edited"] = True
    return InboxItemData(
        platform_id=message_id(chat_id, message["message_id"]),
        text=text,
        author_id=author_id,
        author_name=author_name,
        received_at=received_at,
        kind=kind,
        post_external_id=post_id,
        parent_id=parent_id,
        extra=extra,
    )
