"""Metric collection jobs: account metrics and the metrics of recently published posts.

Competitor accounts have no credentials of their own. A platform declaring
``competitor_metrics`` measures them from public data with the credentials of
the client's own account on the same network (the *lender*: the active,
non-competitor account of that client and platform with credentials, lowest id
first). A competitor whose client has no such account is skipped with a log line.

When the network refuses the lender's credentials while a competitor is being
measured (``AuthExpired``), neither account changes status:

* the competitor has no credentials to renew (the API refuses credentials on a
  competitor), so ``needs_reauth`` on it could never be cleared and would stop
  its measurement for good even after the lender is fixed;
* the lender may be fine for its own work: some refusals concern only reading
  other accounts (a permission needed just for that, e.g. Instagram's Business
  Discovery), and a status change from a competitor job would stop the client's
  publishing on evidence its own jobs never saw. When the token is really dead,
  the lender's own jobs (its metrics, publishing, inbox) get the same refusal and
  mark it ``needs_reauth``; from then on its competitors are skipped until it is
  reconnected.

The refusal is logged (competitor id, lender id, the error's message, which
platforms keep free of credentials) and nothing is retried. A ``ContentRejected``
for a competitor (no such public account, private, not a business account...)
is logged and skipped too: retrying would not help.

Whenever a competitor is not measured (no lender, a refusal, an unknown or
private account), the reason is also kept in its ``status_reason``, so the
accounts API says why no samples appear; its ``status`` stays ``active``. The
next successful measurement clears the reason. A rate limit is transient and
leaves the reason as it was.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Flask, current_app
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smmflow import db as database
from smmflow.accounts.models import AccountStatus, SocialAccount
from smmflow.accounts.runtime import account_view, mark_needs_reauth
from smmflow.db import utcnow
from smmflow.errors import AuthExpired, ContentRejected, RateLimited, TransientError
from smmflow.jobs.context import job_context
from smmflow.jobs.periodic import PeriodicJob
from smmflow.metrics.services import sample_rows, store_samples
from smmflow.platforms.base import Capability, Platform
from smmflow.platforms.content import Account
from smmflow.posts.models import PostTarget, TargetStatus

PERIODIC = [PeriodicJob(name="metrics.collect", func="smmflow.metrics.jobs.collect_all",
                        every_seconds=3600, queue="metrics")]

log = logging.getLogger("smmflow.metrics")
BATCH = 50
NO_LENDER = ("competitor account %s not measured: client %s has no active %s account with "
             "credentials to read public data with")
# What a competitor's ``status_reason`` says when it is not measured.
NO_LENDER_REASON = ("Not measured: the client has no active {platform} account with credentials "
                    "to read public data with; connect one (or reactivate it).")
REFUSED_REASON = ("Not measured: {platform} refused the credentials of account {handle} "
                  "(id {id}) used to read public data: {error}. If that account works for its "
                  "own posts, give it the permission to read other accounts; otherwise "
                  "reconnect it.")
REJECTED_REASON = ("Not measured: {platform} did not show this account's public data: {error}. "
                   "Check the handle and external id (the account must exist and be public).")

_CAN_LEND = (SocialAccount.is_competitor.is_(False), SocialAccount.status == AccountStatus.ACTIVE,
             SocialAccount.credentials_encrypted.is_not(None))


def lender_of(db: Session, competitor: SocialAccount) -> SocialAccount | None:
    """The own account whose credentials measure ``competitor``, or None."""
    return db.scalars(select(SocialAccount).where(
        *_CAN_LEND, SocialAccount.client_id == competitor.client_id,
        SocialAccount.platform == competitor.platform).order_by(SocialAccount.id).limit(1)).first()


def competitor_view(competitor: SocialAccount, lender: SocialAccount, app: Flask) -> Account:
    """The competitor as the platform sees it: its handle and id, the lender's credentials."""
    borrowed = account_view(lender, app)
    return Account(id=competitor.id, platform=competitor.platform, handle=competitor.handle,
                   external_id=competitor.external_id, credentials=borrowed.credentials,
                   is_competitor=True)


def collect_all() -> int:
    """Periodic: enqueue a collection for every active account (competitors where possible)."""
    from smmflow.jobs.queues import enqueue

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    platforms = app.extensions["smmflow"].platforms
    db = database.session()
    lenders = {(row.client_id, row.platform) for row in db.execute(
        select(SocialAccount.client_id, SocialAccount.platform).where(*_CAN_LEND).distinct())}
    lenderless: dict[str, list[int]] = {}  # platform -> competitors without a lender
    count = 0
    for row in db.execute(select(SocialAccount.id, SocialAccount.platform, SocialAccount.client_id,
                                 SocialAccount.is_competitor)
                          .where(SocialAccount.status == AccountStatus.ACTIVE)):
        platform = platforms.get(row.platform)
        if platform is None:
            continue
        if row.is_competitor:
            if not platform.supports(Capability.COMPETITOR_METRICS):
                continue
            if (row.client_id, row.platform) not in lenders:
                log.info(NO_LENDER, row.id, row.client_id, row.platform)
                lenderless.setdefault(row.platform, []).append(row.id)
                continue
        elif not (platform.supports(Capability.ACCOUNT_METRICS)
                  or platform.supports(Capability.POST_METRICS)):
            continue
        enqueue(app, "smmflow.metrics.jobs.collect_account", row.id, queue="metrics",
                job_id=f"metrics-{row.id}", retries=3)
        count += 1
    for platform_name, ids in lenderless.items():
        _note_unmeasured(db, ids, NO_LENDER_REASON.format(platform=platform_name))
    db.commit()
    return count


def _note_unmeasured(db: Session, ids: list[int], reason: str | None) -> None:
    """Keep why these competitors are not measured (None: they are) in their ``status_reason``.

    Only rows whose reason differs are written; status and version stay as they are
    (the reason is the job's to keep, not an edit that should make a person's
    ``If-Match`` stale).
    """
    reason = reason[:500] if reason else None
    for start in range(0, len(ids), BATCH):
        db.execute(update(SocialAccount)
                   .where(SocialAccount.id.in_(ids[start:start + BATCH]),
                          SocialAccount.is_competitor.is_(True),
                          SocialAccount.status_reason.is_distinct_from(reason))
                   .values(status_reason=reason)
                   .execution_options(synchronize_session="fetch"))


def collect_account(account_id: int) -> int:
    """Sample the account's metrics and those of its posts published in the last N days."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    state = app.extensions["smmflow"]
    db = database.session()
    db.info["remote_addr"] = "job:metrics"
    row = db.get(SocialAccount, account_id)
    if row is None or row.status != AccountStatus.ACTIVE:
        return 0
    platform = state.platforms.get(row.platform)
    if platform is None:
        return 0
    if row.is_competitor:
        return _collect_competitor(app, db, platform, row)
    now = utcnow()
    rows: list[dict[str, object]] = []
    ctx = job_context(app, platform)
    account = account_view(row, app)
    try:
        if platform.supports(Capability.ACCOUNT_METRICS):
            values = platform.fetch_account_metrics(ctx, account)
            rows += sample_rows(client_id=row.client_id, account_id=row.id, target_id=None,
                                values=values, measured_at=now)
        if platform.supports(Capability.POST_METRICS):
            since = now - dt.timedelta(days=state.settings.metrics_days)
            targets = dict(db.execute(select(PostTarget.external_id, PostTarget.id).where(
                PostTarget.social_account_id == row.id,
                PostTarget.status == TargetStatus.PUBLISHED,
                PostTarget.published_at >= since, PostTarget.external_id.is_not(None))).all())
            ids = list(targets)
            for start in range(0, len(ids), BATCH):
                batch = ids[start:start + BATCH]
                for external_id, values in platform.fetch_post_metrics(ctx, account, batch).items():
                    if external_id in targets:
                        rows += sample_rows(client_id=row.client_id, account_id=row.id,
                                            target_id=targets[external_id], values=values,
                                            measured_at=now)
    except AuthExpired as exc:
        db.rollback()
        mark_needs_reauth(row, exc.message or "credentials refused while reading metrics")
        db.commit()
        return 0
    except RateLimited as exc:
        stored = store_samples(db, rows)  # keep what was measured; the next run does the rest
        db.commit()
        log.info("metrics of account %s rate-limited for %.0f s", account_id, exc.retry_after)
        return stored
    except TransientError as exc:
        stored = store_samples(db, rows)  # the next hourly run measures again
        db.commit()
        log.warning("metrics of %s account %s failed for now: %s", row.platform, account_id,
                    exc.message or type(exc).__name__)
        return stored
    stored = store_samples(db, rows)
    db.commit()
    return stored


def _collect_competitor(app: Flask, db: Session, platform: Platform,
                        row: SocialAccount) -> int:
    """Public metrics of a competitor, read with the lender's credentials (see the module doc)."""
    if not platform.supports(Capability.COMPETITOR_METRICS):
        return 0
    lender = lender_of(db, row)
    if lender is None:
        log.info(NO_LENDER, row.id, row.client_id, row.platform)
        _unmeasured(db, row, NO_LENDER_REASON.format(platform=row.platform))
        return 0
    ctx = job_context(app, platform)
    account = competitor_view(row, lender, app)
    try:
        values = platform.fetch_account_metrics(ctx, account)
    except AuthExpired as exc:
        error = exc.message or type(exc).__name__
        log.warning("competitor account %s not measured: %s refused the credentials of account "
                    "%s (%s); no status changed (the account's own jobs mark it if its "
                    "credentials are dead)", row.id, row.platform, lender.id, error)
        _unmeasured(db, row, REFUSED_REASON.format(platform=row.platform, handle=lender.handle,
                                                   id=lender.id, error=error.rstrip(".")))
        return 0
    except ContentRejected as exc:
        error = exc.message or type(exc).__name__
        log.warning("competitor account %s not measured: %s", row.id, error)
        _unmeasured(db, row, REJECTED_REASON.format(platform=row.platform,
                                                    error=error.rstrip(".")))
        return 0
    except RateLimited as exc:
        log.info("metrics of competitor account %s rate-limited for %.0f s", row.id,
                 exc.retry_after)
        return 0
    except TransientError as exc:
        log.warning("metrics of competitor account %s failed for now: %s", row.id,
                    exc.message or type(exc).__name__)
        return 0
    stored = store_samples(db, sample_rows(client_id=row.client_id, account_id=row.id,
                                           target_id=None, values=values, measured_at=utcnow()))
    _unmeasured(db, row, None)
    return stored


def _unmeasured(db: Session, row: SocialAccount, reason: str | None) -> None:
    """Record (or with None clear) why the competitor ``row`` was not measured, and commit."""
    reason = reason[:500] if reason else None
    if row.status_reason != reason:
        row.status_reason = reason
    db.commit()
