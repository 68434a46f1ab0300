"""Metric collection jobs: account metrics and the metrics of recently published posts."""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app
from sqlalchemy import select

from smmflow import db as database
from smmflow.accounts.models import AccountStatus, SocialAccount
from smmflow.accounts.runtime import account_view, mark_needs_reauth
from smmflow.db import utcnow
from smmflow.errors import AuthExpired, RateLimited
from smmflow.jobs.context import job_context
from smmflow.jobs.periodic import PeriodicJob
from smmflow.metrics.services import sample_rows, store_samples
from smmflow.platforms.base import Capability
from smmflow.posts.models import PostTarget, TargetStatus

PERIODIC = [PeriodicJob(name="metrics.collect", func="smmflow.metrics.jobs.collect_all",
                        every_seconds=3600, queue="metrics")]

log = logging.getLogger("smmflow.metrics")
BATCH = 50


def collect_all() -> int:
    """Periodic: enqueue a collection for every active account (competitors where possible)."""
    from smmflow.jobs.queues import enqueue

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    platforms = app.extensions["smmflow"].platforms
    db = database.session()
    count = 0
    for row in db.execute(select(SocialAccount.id, SocialAccount.platform,
                                 SocialAccount.is_competitor)
                          .where(SocialAccount.status == AccountStatus.ACTIVE)):
        platform = platforms.get(row.platform)
        if platform is None:
            continue
        wanted = Capability.COMPETITOR_METRICS if row.is_competitor else Capability.ACCOUNT_METRICS
        if not (platform.supports(wanted) or platform.supports(Capability.POST_METRICS)):
            continue
        enqueue(app, "smmflow.metrics.jobs.collect_account", row.id, queue="metrics",
                job_id=f"metrics-{row.id}", retries=3)
        count += 1
    return count


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
    now = utcnow()
    rows: list[dict[str, object]] = []
    ctx = job_context(app, platform)
    account = account_view(row, app)
    try:
        wanted = Capability.COMPETITOR_METRICS if row.is_competitor else Capability.ACCOUNT_METRICS
        if platform.supports(wanted):
            values = platform.fetch_account_metrics(ctx, account)
            rows += sample_rows(client_id=row.client_id, account_id=row.id, target_id=None,
                                values=values, measured_at=now)
        if platform.supports(Capability.POST_METRICS) and not row.is_competitor:
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
    stored = store_samples(db, rows)
    db.commit()
    return stored
