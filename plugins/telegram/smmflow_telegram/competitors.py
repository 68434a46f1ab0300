"""A competitor's public channel: its member count, read by the client's own bot.

``getChatMemberCount(chat_id=@username)`` works for a bot that is not a member of
a **public** chat: the Bot API server (tdlib/telegram-bot-api, ``check_chat_access``)
asks membership of a supergroup or channel only when it has no username (and no
location) or when the call writes. A private channel, or one that banned the bot,
answers 403; an unknown username 400 "chat not found".
"""

from __future__ import annotations

import re

from smmflow.plugin_api import Account, AuthExpired, ContentRejected, JobContext
from smmflow_telegram.client import TelegramClient

USERNAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{3,31}$")
CHAT_ID = re.compile(r"^-100\d{5,}$")


def competitor_chat(account: Account) -> str:
    """``@username`` from the competitor's handle (``name``, ``@name``, ``t.me/name``), else its
    numeric ``-100...`` external id (readable only if the bot can see that chat)."""
    handle = account.handle.strip()
    for prefix in ("https://", "http://", "www.", "telegram.me/", "t.me/", "@"):
        handle = handle.removeprefix(prefix)
    handle = handle.strip("/")
    if USERNAME.match(handle):
        return f"@{handle}"
    external = (account.external_id or "").strip()
    if CHAT_ID.match(external):
        return external
    raise ContentRejected(f"{account.handle!r} is not a public Telegram channel username; set the "
                          "competitor's handle to its @username (5-32 letters, digits, '_').")


def competitor_metrics(ctx: JobContext, account: Account) -> dict[str, int]:
    """``followers`` = members of the competitor's public channel, with the own bot's token."""
    chat = competitor_chat(account)
    client = TelegramClient(ctx, str((account.credentials or {}).get("bot_token") or ""))
    try:
        count = client.call("getChatMemberCount", {"chat_id": chat})
    except AuthExpired as exc:
        if exc.platform_code == "403":  # about the competitor's chat, not the bot's token
            raise ContentRejected(f"Telegram refused to show {chat} to the bot (403): only public "
                                  "channels (with an @username) can be measured without the bot in "
                                  "them, and this one is private or banned the bot.",
                                  platform_code=exc.platform_code) from None
        raise
    if isinstance(count, bool) or not isinstance(count, int):
        return {}
    return {"followers": count}
