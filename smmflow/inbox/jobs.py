"""Inbox jobs: comment polling, network moderation actions, replies, the SLA check.

Job functions take ids and run in the worker's app context. Network calls go
through the account's platform plugin; its errors decide what happens next:
``RateLimited`` re-enqueues after the wait, ``AuthExpired`` puts the account in
``needs_reauth``, ``TransientError`` (and any unexpected error) is retried by
RQ with backoff, ``ContentRejected`` is recorded on the reply (on a poll: as
an ``inbox.poll_failed`` audit event of the account).
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Flask, current_app
from redis.exceptions import RedisError
from sqlalchemy import func, select

from smmflow import db as database
from smmflow.accounts.models import AccountStatus, SocialAccount
from smmflow.accounts.runtime import account_view, mark_needs_reauth
from smmflow.db import utcnow
from smmflow.errors import (
    AuthExpired,
    ContentRejected,
    RateLimited,
    TransientError,
    UnknownOutcome,
)
from smmflow.inbox import services
from smmflow.inbox.models import InboxItem, InboxReply, ItemStatus
from smmflow.jobs.context import job_context
from smmflow.jobs.periodic import PeriodicJob
from smmflow.platforms.base import Capability

PERIODIC = [
    PeriodicJob(name="inbox.poll", func="smmflow.inbox.jobs.poll_all", every_seconds=300,
                queue="moderation"),
    PeriodicJob(name="inbox.sla", func="smmflow.inbox.jobs.check_sla", every_seconds=60,
                queue="moderation"),
]

log = logging.getLogger("smmflow.inbox")
FIRST_POLL_WINDOW = dt.timedelta(days=7)


def enqueue_followups(app: Flask, followups: services.Followups) -> bool:
    """Queue the network work decided by rules or moderators (after commit).

    False when Redis could not take them: what was decided is committed, so the
    caller still answers success (a network or a person sending again would
    only duplicate it); the error log names the items and replies left unsent.
    Nothing re-queues them later: the actions leave no pending state to find.
    """
    from smmflow.jobs.queues import enqueue

    try:
        for item_id, action in followups.actions:
            enqueue(app, "smmflow.inbox.jobs.apply_action", item_id, action, queue="moderation",
                    job_id=f"inbox-action-{item_id}-{action}", retries=5)
        for reply_id in followups.replies:
            enqueue(app, "smmflow.inbox.jobs.send_reply", reply_id, queue="moderation",
                    job_id=f"inbox-reply-{reply_id}", retries=5)
    except RedisError as exc:
        log.error("job queue unreachable (%s): network actions %s and replies %s are stored "
                  "but not (all) queued", type(exc).__name__,
                  [f"item {item_id}: {action}" for item_id, action in followups.actions],
                  followups.replies)
        return False
    return True


def poll_all() -> int:
    """Periodic: enqueue a poll of every active account whose platform reads comments."""
    from smmflow.jobs.queues import enqueue

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    platforms = app.extensions["smmflow"].platforms
    names = [n for n, p in platforms.items() if p.supports(Capability.COMMENTS)]
    db = database.session()
    ids = list(db.scalars(select(SocialAccount.id).where(
        SocialAccount.platform.in_(names), SocialAccount.status == AccountStatus.ACTIVE,
        SocialAccount.is_competitor.is_(False))))
    for account_id in ids:
        enqueue(app, "smmflow.inbox.jobs.poll_account", account_id, queue="moderation",
                job_id=f"inbox-poll-{account_id}")
    return len(ids)


def poll_account(account_id: int) -> int:
    """Fetch new comments of one account, store them, run classifiers and rules."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    db = database.session()
    db.info["remote_addr"] = "job:inbox.poll"
    row = db.get(SocialAccount, account_id)
    if row is None or row.status != AccountStatus.ACTIVE:
        return 0
    platform = app.extensions["smmflow"].platforms.get(row.platform)
    if platform is None or not platform.supports(Capability.COMMENTS):
        return 0
    since = db.scalar(select(func.max(InboxItem.received_at)).where(
        InboxItem.social_account_id == account_id)) or utcnow() - FIRST_POLL_WINDOW
    ctx = job_context(app, platform)
    try:
        fetched = platform.fetch_comments(ctx, account_view(row, app), since)
    except AuthExpired as exc:
        mark_needs_reauth(row, exc.message or "credentials refused while reading comments")
        db.commit()
        return 0
    except RateLimited as exc:
        db.rollback()
        _retry_later(app, "smmflow.inbox.jobs.poll_account", account_id, exc.retry_after,
                     f"inbox-poll-{account_id}-later")
        return 0
    except TransientError as exc:
        # unreachable or failing for now: the next periodic poll asks again (nothing was lost)
        db.rollback()
        log.warning("polling %s account %s failed for now: %s", row.platform, account_id,
                    exc.message or type(exc).__name__)
        return 0
    except ContentRejected as exc:
        # the network refuses the read until a person acts: the audit log says why
        db.rollback()
        log.warning("polling %s account %s refused: %s", row.platform, account_id, exc.message)
        services.record(db, "inbox.poll_failed", row, platform=row.platform, error=exc.message)
        db.commit()
        return 0
    items, followups = services.ingest(app, db, row, fetched)
    db.commit()
    enqueue_followups(app, followups)
    return len(items)


def _retry_later(app: Flask, func: str, arg: object, wait: float, job_id: str) -> None:
    """Run the job again after ``wait``; the id names the due second, so a job retrying
    itself never collides with its own (still running) id."""
    from smmflow.jobs.queues import enqueue

    due = utcnow() + dt.timedelta(seconds=max(1.0, wait))
    enqueue(app, func, arg, queue="moderation", job_id=f"{job_id}-{int(due.timestamp())}", at=due)


def apply_action(item_id: int, action: str) -> str:
    """Run a moderation action (hide, unhide, delete, restore) on the network."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    db = database.session()
    db.info["remote_addr"] = "job:inbox.action"
    item = db.get(InboxItem, item_id)
    if item is None:
        return "gone"
    row = db.get(SocialAccount, item.social_account_id)
    platform = app.extensions["smmflow"].platforms.get(item.platform)
    if row is None or platform is None or action not in platform.moderation_actions:
        return "unsupported"
    ctx = job_context(app, platform)
    try:
        platform.moderate(ctx, account_view(row, app), services.data_of(item), action)
    except AuthExpired as exc:
        mark_needs_reauth(row, exc.message or "credentials refused while moderating")
        db.commit()
        return "needs_reauth"
    except RateLimited as exc:
        _retry_later(app, "smmflow.inbox.jobs.apply_action", item_id, exc.retry_after,
                     f"inbox-action-{item_id}-{action}-later")
        return "rate_limited"
    except ContentRejected as exc:
        services.record(db, f"inbox.{action}_failed", item, error=exc.message)
        db.commit()
        return "rejected"
    item.status = services.STATUS_AFTER.get(action, item.status)
    item.version += 1
    services.record(db, f"inbox.{action}_done", item)
    db.commit()
    return "done"


def send_reply(reply_id: int) -> str:
    """Send one reply to the network and record its platform id."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    db = database.session()
    db.info["remote_addr"] = "job:inbox.reply"
    reply = db.get(InboxReply, reply_id)
    if reply is None or reply.status == "sent":
        return "done"
    item = reply.item
    row = db.get(SocialAccount, item.social_account_id)
    platform = app.extensions["smmflow"].platforms.get(item.platform)
    if row is None or platform is None or not platform.supports(Capability.REPLY):
        reply.status, reply.error = "failed", "the network does not support replies"
        db.commit()
        return "failed"
    ctx = job_context(app, platform)
    try:
        platform_id = platform.reply(ctx, account_view(row, app), services.data_of(item),
                                     reply.text)
    except AuthExpired as exc:
        mark_needs_reauth(row, exc.message or "credentials refused while replying")
        reply.status, reply.error = "failed", exc.message or "credentials refused"
        db.commit()
        return "failed"
    except ContentRejected as exc:
        reply.status, reply.error = "failed", exc.message
        db.commit()
        return "failed"
    except RateLimited as exc:
        _retry_later(app, "smmflow.inbox.jobs.send_reply", reply_id, exc.retry_after,
                     f"inbox-reply-{reply_id}-later")
        return "rate_limited"
    except UnknownOutcome as exc:
        # the network may have posted it: sending again could answer twice; a person checks
        reply.status = "unknown"
        reply.error = (f"sent, but {platform.display_name or item.platform} did not confirm it "
                       f"({exc.message or 'timeout'}); check the comment before replying again")
        db.commit()
        return "unknown"
    reply.status, reply.platform_reply_id, reply.sent_at = "sent", str(platform_id), utcnow()
    if item.status in (ItemStatus.NEW, ItemStatus.ESCALATED):
        item.status = ItemStatus.REPLIED
    if item.first_response_at is None:
        item.first_response_at = reply.sent_at
    item.version += 1
    db.commit()
    return "sent"


def check_sla() -> int:
    """Periodic: fire ``on_inbox_sla_breached`` for items unanswered past their client's SLA."""
    db = database.session()
    db.info["remote_addr"] = "job:inbox.sla"
    breached = services.breach_sla(db)
    db.commit()
    return len(breached)
