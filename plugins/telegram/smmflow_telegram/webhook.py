"""Telegram's webhook: ``setWebhook`` with a secret token, and the updates it pushes.

Telegram sends each ``Update`` as a JSON POST carrying the ``secret_token``
given to ``setWebhook`` in the header ``X-Telegram-Bot-Api-Secret-Token``; a
non-2xx answer makes it deliver the update again later. While a webhook is
set, ``getUpdates`` answers 409: ``fetch_comments`` then returns nothing, or,
when the account holds no ``webhook_secret`` (its pushes are all refused),
raises ``ContentRejected`` saying to register the webhook again.
"""

from __future__ import annotations

from smmflow.plugin_api import (
    WEBHOOK_SECRET_KEY,
    Account,
    JobContext,
    WebhookRejected,
    WebhookRequest,
    WebhookResult,
    secrets_match,
)
from smmflow_telegram.client import TelegramClient
from smmflow_telegram.updates import parse_update

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ("message", "edited_message")   # what fetch_comments reads too


def receive(account: Account, request: WebhookRequest) -> WebhookResult:
    """Check the secret header, then read one ``Update``: an item, or nothing for other updates."""
    creds = account.credentials or {}
    if not creds.get(WEBHOOK_SECRET_KEY):
        raise WebhookRejected("this Telegram account has no webhook secret: register its webhook "
                              "from smmflow first")
    if not secrets_match(creds.get(WEBHOOK_SECRET_KEY), request.header(SECRET_HEADER)):
        raise WebhookRejected(f"missing or wrong {SECRET_HEADER} header")
    update = request.json_object()
    discussion = str(creds.get("discussion_chat_id") or "").strip()
    if not discussion:
        return WebhookResult()  # like fetch_comments: no discussion group, no comments
    item = parse_update(update, discussion)
    return WebhookResult(items=(item,) if item is not None else ())


def register(ctx: JobContext, account: Account, url: str, secret: str) -> None:
    """``setWebhook(url, secret_token, allowed_updates)``; Telegram refuses a URL that is not HTTPS."""
    token = str((account.credentials or {}).get("bot_token") or "")
    TelegramClient(ctx, token).call("setWebhook", {
        "url": url, "secret_token": secret, "allowed_updates": list(ALLOWED_UPDATES),
    })
    ctx.log.info("telegram account %s: webhook set", account.id)
