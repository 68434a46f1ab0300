"""HTTP calls to the Telegram Bot API and the mapping of its errors to smmflow's taxonomy.

The token travels in the URL path (``<base>/bot<TOKEN>/<method>``), so no URL
of this module is ever logged or put into an error message; the ``httpx``
logger gets a filter that redacts tokens from its "HTTP Request" lines.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import httpx

from smmflow.plugin_api import (
    AuthExpired,
    ContentRejected,
    JobContext,
    PlatformError,
    RateLimited,
    TransientError,
    UnknownOutcome,
    redact_http_logs,
)

DEFAULT_API_BASE = "https://api.telegram.org"
SETTING_API_BASE = "TELEGRAM_API_BASE"

# A bot token in a URL path: /bot<digits>:<secret>/ (or anything after /bot up to the next slash).
_TOKEN_IN_PATH = re.compile(r"/bot[^/\s\"']+")

FileField = tuple[str, bytes, str]


def redact(text: str, token: str | None = None) -> str:
    """``text`` with every bot token (in a URL path, or ``token`` itself) replaced."""
    if token:
        text = text.replace(token, "<redacted>")
    return _TOKEN_IN_PATH.sub("/bot<redacted>", text)


def install_log_redaction() -> None:
    """Make sure ``httpx`` and ``httpcore`` never log a bot token (idempotent)."""
    redact_http_logs("telegram", "/bot", redact)


def _describe(status: int, payload: Mapping[str, Any] | None) -> tuple[str, dict[str, Any]]:
    if not isinstance(payload, Mapping):
        return f"HTTP {status}", {}
    description = str(payload.get("description") or f"HTTP {status}")
    parameters = payload.get("parameters")
    return description, dict(parameters) if isinstance(parameters, Mapping) else {}


def error_for(status: int, payload: Mapping[str, Any] | None, method: str) -> PlatformError:
    """The taxonomy error for a failed Bot API answer (HTTP ``status``, JSON ``payload``).

    The table is the plugin README's "Error mapping"; keep both in step.
    """
    if isinstance(payload, Mapping) and isinstance(payload.get("error_code"), int):
        status = payload["error_code"]
    description, parameters = _describe(status, payload)
    code = str(status)
    where = f"Telegram {method}: {description}"
    if status == 429:
        retry_after = parameters.get("retry_after")
        try:
            wait = max(float(retry_after), 1.0) if retry_after is not None else 30.0
        except (TypeError, ValueError):
            wait = 30.0
        return RateLimited(f"{where} (waiting {wait:g} s as Telegram asks)", retry_after=wait,
                           platform_code=code)
    if status in (401, 404):
        return AuthExpired(
            f"{where}. The bot token was refused (revoked or malformed): create a new token with "
            "@BotFather (/token) and save it in the social account's credentials as bot_token.",
            platform_code=code)
    if status == 403:
        return AuthExpired(
            f"{where}. The bot cannot act in this chat (blocked, removed or without rights): a "
            "channel admin must add the bot as an administrator with the right to post and delete "
            "messages, then retry.", platform_code=code)
    if status == 409:
        return TransientError(
            f"{where}. Another process reads this bot's updates, or a webhook is set; run one "
            "reader per bot token.", platform_code=code)
    if 400 <= status < 500:
        migrate_to = parameters.get("migrate_to_chat_id")
        if migrate_to is not None:
            return ContentRejected(
                f"{where}. The group became a supergroup: set the chat id in the account's "
                f"credentials to {migrate_to}.", platform_code=code)
        return ContentRejected(where, platform_code=code)
    return TransientError(where, platform_code=code)


class TelegramClient:
    """One bot's calls to the Bot API, through the job's HTTP client.

    ``write=True`` marks a call that changes something on Telegram and cannot be
    repeated safely: a timeout after the request may have left turns into
    :class:`UnknownOutcome`. Other calls turn transport failures into
    :class:`TransientError`.
    """

    def __init__(self, ctx: JobContext, token: str) -> None:
        if not token or not isinstance(token, str):
            raise AuthExpired("The social account has no bot_token in its credentials; paste the "
                              "token @BotFather gave for the bot.")
        install_log_redaction()
        self._ctx = ctx
        self._token = token
        self._base = (ctx.setting(SETTING_API_BASE) or DEFAULT_API_BASE).rstrip("/")

    def call(self, method: str, params: Mapping[str, Any] | None = None, *,
             files: Mapping[str, FileField] | None = None, write: bool = False) -> Any:
        """Call ``method`` and return the ``result`` of ``{"ok": true, "result": ...}``."""
        url = f"{self._base}/bot{self._token}/{method}"
        params = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            if files:
                form = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
                response = self._ctx.http.post(url, data=form, files=dict(files))
            else:
                response = self._ctx.http.post(url, json=params)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransientError(f"Telegram {method}: could not reach the Bot API "
                                 f"({type(exc).__name__}); nothing was sent.") from None
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            if write:
                raise UnknownOutcome(
                    f"Telegram {method}: no answer ({type(exc).__name__}) after the request was "
                    "sent; Telegram may have applied it and offers no way to check.") from None
            raise TransientError(f"Telegram {method}: no answer ({type(exc).__name__}).") from None
        return self._result(method, response, write)

    def _result(self, method: str, response: httpx.Response, write: bool) -> Any:
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if response.status_code == 200 and isinstance(payload, dict) and payload.get("ok") is True:
            return payload.get("result")
        if response.status_code == 200 and write:
            raise UnknownOutcome(f"Telegram {method}: an unreadable success answer; the request "
                                 "may have been applied.")
        error = error_for(response.status_code, payload, method)
        error.message = redact(error.message, self._token)
        error.args = (error.message,)
        self._ctx.log.info("telegram %s failed: %s %s", method, type(error).__name__, error.message)
        raise error
