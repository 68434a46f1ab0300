"""Webhooks the networks push to smmflow: finding the account, ingesting, registering.

(Outbound webhooks, smmflow's own events sent to other systems, live in
:mod:`smmflow.outbound`.)

A pushed request goes through the account's platform plugin
(:meth:`~smmflow.platforms.base.Platform.receive_webhook`), which checks the
network's secret; what it returns is stored by the same
:func:`smmflow.inbox.services.ingest` as polled comments, so duplicates (a
network retrying, polling and pushing the same comment) are stored once and
every new item is classified and passed through the client's rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow.accounts.models import AccountStatus, SocialAccount
from smmflow.accounts.runtime import account_view
from smmflow.api import API_PREFIX
from smmflow.audit.services import record
from smmflow.errors import Conflict, NotFound
from smmflow.inbox import services as inbox
from smmflow.inbox.models import InboxItem, ItemStatus
from smmflow.jobs.context import job_context
from smmflow.platforms.base import Capability, Platform
from smmflow.platforms.webhooks import WebhookRequest, WebhookResult

MAX_BODY_BYTES = 1024 * 1024
"""Largest pushed body accepted (Telegram updates and VK events are a few KB)."""

NOT_HERE = "No webhook receiver at this address."


@dataclass
class Receipt:
    """What one pushed request changed, and the answer the network expects."""

    result: WebhookResult
    items: list[InboxItem] = field(default_factory=list)
    deleted: list[InboxItem] = field(default_factory=list)
    followups: inbox.Followups = field(default_factory=inbox.Followups)


def webhook_path(platform: str, account_id: int) -> str:
    return f"{API_PREFIX}/webhooks/{platform}/{account_id}"


def webhook_url(app: Flask, account: SocialAccount) -> str:
    """The public URL a network pushes ``account``'s events to (from ``SMMFLOW_BASE_URL``)."""
    base = app.extensions["smmflow"].settings.base_url.rstrip("/")
    return base + webhook_path(account.platform, account.id)


def receiver(app: Flask, db: Session, platform_name: str,
             account_id: int) -> tuple[SocialAccount, Platform]:
    """The account and platform a pushed request is for; one 404 for every reason.

    Unknown account, another platform in the URL, a competitor or disabled
    account, a platform not loaded or without the ``webhook`` capability: the
    sender learns nothing about which. (An address that passes here answers 403
    to a wrong secret, so a sender can tell a receiver from a 404.)
    """
    row = db.get(SocialAccount, account_id)
    platform = app.extensions["smmflow"].platforms.get(platform_name)
    if (row is None or row.platform != platform_name or row.is_competitor
            or row.status == AccountStatus.DISABLED or platform is None
            or not platform.supports(Capability.WEBHOOK)):
        raise NotFound(NOT_HERE)
    return row, platform


def receive(app: Flask, db: Session, row: SocialAccount, platform: Platform,
            request: WebhookRequest) -> Receipt:
    """Let the plugin authenticate and read ``request``; store what it carries (not committed).

    Raises :class:`~smmflow.errors.WebhookRejected` or
    :class:`~smmflow.errors.WebhookMalformed` from the plugin before anything
    is written.
    """
    result = platform.receive_webhook(job_context(app, platform), account_view(row, app), request)
    if not isinstance(result, WebhookResult):
        raise TypeError(f"{platform.name}.receive_webhook must return a WebhookResult, "
                        f"not {type(result).__name__}")
    receipt = Receipt(result=result)
    receipt.items, receipt.followups = inbox.ingest(app, db, row, list(result.items))
    receipt.deleted = mark_deleted(db, row, result.deleted)
    if receipt.items or receipt.deleted:
        record(db, "webhook.received", row, platform=row.platform, items=len(receipt.items),
               deleted=len(receipt.deleted))
    return receipt


def mark_deleted(db: Session, row: SocialAccount, platform_ids: Sequence[str]) -> list[InboxItem]:
    """Stored items of ``row`` the network says were deleted; unknown ids are ignored."""
    if not platform_ids:
        return []
    items = list(db.scalars(select(InboxItem).where(
        InboxItem.social_account_id == row.id, InboxItem.platform_id.in_(list(platform_ids)),
        InboxItem.status != ItemStatus.DELETED)))
    for item in items:
        item.status = ItemStatus.DELETED
        item.version += 1
        record(db, "inbox.deleted_on_network", item)
    return items


def check_registrable(app: Flask, row: SocialAccount) -> Platform:
    """The platform that will register ``row``'s webhook, or Conflict saying what to do instead."""
    platform = app.extensions["smmflow"].platforms.get(row.platform)
    url = webhook_url(app, row)
    if row.is_competitor:
        raise Conflict("A competitor account is only measured: it receives no webhooks.",
                       code="unsupported_action")
    if platform is None or not platform.supports(Capability.WEBHOOK):
        raise Conflict(f"{row.platform} does not push comments to smmflow; they are polled.",
                       code="unsupported_action")
    if not platform.supports(Capability.REGISTER_WEBHOOK):
        raise Conflict(
            f"{platform.display_name or platform.name} cannot be told the address by smmflow: "
            f"enter {url} in the network's own settings, as the plugin's README describes.",
            code="manual_setup", details={"url": url})
    if platform.webhook_requires_https and not url.lower().startswith("https://"):
        raise Conflict(
            f"{platform.display_name or platform.name} only pushes to an https address, and the "
            f"webhook address {url} is built from SMMFLOW_BASE_URL: set SMMFLOW_BASE_URL to "
            "smmflow's public https address, restart, and register again.",
            code="https_required", details={"url": url})
    return platform
