"""The dispatcher: due post targets from the database onto the ``publish`` queue.

Every ``dispatch_interval`` seconds one :meth:`Dispatcher.tick`:

1. **re-derives lost work**: targets still ``scheduled`` with a
   ``dispatch_job`` whose heartbeat (``dispatched_at``) is older than
   ``publish_stale_seconds`` are checked against Redis. A job still waiting
   in its queue only gets its heartbeat renewed; a job Redis no longer knows
   (flushed, expired), or that ended, failed or died while running, is put
   back on the queue under the same deterministic id with the same rows.
2. **dispatches due targets**: ``scheduled`` targets due before the next tick
   (``scheduled_at`` and ``next_attempt_at``), without ``dispatch_job``, are
   grouped into batches (an account's targets stay in one batch): spread over
   the live workers of the ``publish`` queue, at most ``publish_batch_size``.
   Each batch gets a deterministic job id (a digest of its target ids and
   attempt numbers), written on its rows by a
   compare-and-set ``UPDATE ... WHERE dispatch_job IS NULL`` -- selected with
   ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so concurrent dispatchers pick
   disjoint rows without waiting on each other -- and committed *before* the
   job is enqueued: a job never runs ahead of its rows, and a dispatcher that
   dies between commit and enqueue leaves rows that step 1 re-enqueues.

Several dispatchers on several machines may run at once: they never dispatch a
target twice, and even a duplicate job could not publish twice, because the
publish job's own claim is a compare-and-set too (:mod:`smmflow.posts.publishing`).

The ``smmflow dispatcher`` process also runs RQ's cron scheduler for periodic
work (:mod:`smmflow.jobs.periodic`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import logging
import threading
from collections import defaultdict
from dataclasses import dataclass, field

from flask import Flask
from rq import Worker
from sqlalchemy import Select, or_, select, update
from sqlalchemy.orm import Session

from smmflow.db import utcnow
from smmflow.jobs.queues import PUBLISH, get_queue, job_status
from smmflow.posts.models import PostTarget, TargetStatus

log = logging.getLogger("smmflow.dispatcher")
_T = PostTarget.__table__
WAITING = frozenset({"queued", "scheduled", "deferred", "rate_limited", "ready_to_enqueue"})
MAX_BATCHES_PER_TICK = 40
MIN_BATCH = 25


def batch_job_id(rows: list[tuple[int, int]]) -> str:
    """Deterministic RQ job id of a batch of ``(target_id, attempts)``."""
    key = ",".join(f"{target_id}.{attempts}" for target_id, attempts in sorted(rows))
    return "publish-" + hashlib.sha256(key.encode()).hexdigest()[:32]


def pack(rows: list[tuple[int, int, int]], size: int) -> list[list[tuple[int, int]]]:
    """Batches of at most ``size`` ``(target_id, attempts)``; an account is never split
    (unless it alone has more than ``size`` due targets)."""
    by_account: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for target_id, account_id, attempts in rows:
        by_account[account_id].append((target_id, attempts))
    batches: list[list[tuple[int, int]]] = []
    current: list[tuple[int, int]] = []
    for items in by_account.values():
        for start in range(0, len(items), size):
            chunk = items[start:start + size]
            if current and len(current) + len(chunk) > size:
                batches.append(current)
                current = []
            current.extend(chunk)
    if current:
        batches.append(current)
    return batches


@dataclass
class TickReport:
    dispatched: int = 0
    jobs: list[str] = field(default_factory=list)
    rederived: int = 0
    waiting: int = 0


class Dispatcher:
    """Finds due targets and enqueues them; see the module docstring."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        state = app.extensions["smmflow"]
        self.settings = state.settings
        self.sessionmaker = state.sessionmaker
        self.postgres = state.engine.dialect.name == "postgresql"

    def tick(self) -> TickReport:
        report = TickReport()
        self.rederive(report)
        while self.dispatch_due(report) and len(report.jobs) < MAX_BATCHES_PER_TICK:
            pass
        return report

    # -- dispatching ------------------------------------------------------------------
    def _due(self, horizon: dt.datetime, limit: int) -> Select[tuple[int, int, int]]:
        stmt = (select(_T.c.id, _T.c.social_account_id, _T.c.attempts)
                .where(_T.c.status == TargetStatus.SCHEDULED, _T.c.dispatch_job.is_(None),
                       _T.c.scheduled_at <= horizon,
                       or_(_T.c.next_attempt_at.is_(None), _T.c.next_attempt_at <= horizon))
                .order_by(_T.c.scheduled_at, _T.c.id).limit(limit))
        if self.postgres:
            stmt = stmt.with_for_update(skip_locked=True)
        return stmt

    def dispatch_due(self, report: TickReport) -> bool:
        """Dispatch one round of due targets; True when more may be waiting."""
        limit = self.settings.publish_batch_size * 8
        now = utcnow()
        horizon = now + dt.timedelta(seconds=self.settings.dispatch_interval)
        enqueued: list[tuple[str, list[int]]] = []
        with self.sessionmaker() as db:
            rows = [tuple(r) for r in db.execute(self._due(horizon, limit)).all()]
            for batch in pack(rows, self.batch_size(len(rows))):  # type: ignore[arg-type]
                job_id = batch_job_id(batch)
                ids = self._mark(db, [t for t, _ in batch], job_id, now)
                if ids:
                    enqueued.append((job_id, ids))
            db.commit()
        for job_id, ids in enqueued:
            self._enqueue(job_id, ids)
            report.jobs.append(job_id)
            report.dispatched += len(ids)
        return len(rows) >= limit

    def batch_size(self, due: int) -> int:
        """Targets per job: the due ones spread over the workers listening on ``publish``
        (every worker gets work at once, each runs one batch to the end), at most
        ``publish_batch_size``, at least :data:`MIN_BATCH`."""
        try:
            workers = Worker.count(queue=get_queue(self.app, PUBLISH))
        except Exception:  # Redis down: enqueueing fails anyway and is re-derived later
            workers = 1
        spread = -(-due // max(1, workers))
        return max(MIN_BATCH, min(self.settings.publish_batch_size, spread))

    @staticmethod
    def _mark(db: Session, ids: list[int], job_id: str, now: dt.datetime) -> list[int]:
        return list(db.scalars(
            update(_T).where(_T.c.id.in_(ids), _T.c.status == TargetStatus.SCHEDULED,
                             _T.c.dispatch_job.is_(None))
            .values(dispatch_job=job_id, dispatched_at=now).returning(_T.c.id)))

    def _enqueue(self, job_id: str, ids: list[int]) -> None:
        from smmflow.posts.publishing import enqueue_batch

        try:
            enqueue_batch(self.app, job_id, sorted(ids))
        except Exception:  # Redis down: the rows stay dispatched and are re-derived later
            log.exception("enqueueing %s failed; it will be re-derived from the database", job_id)

    # -- re-deriving ------------------------------------------------------------------
    def rederive(self, report: TickReport) -> None:
        """Re-enqueue dispatched targets whose job is gone; renew those still waiting."""
        now = utcnow()
        stale = now - dt.timedelta(seconds=self.settings.publish_stale_seconds)
        horizon = now + dt.timedelta(seconds=self.settings.dispatch_interval)
        with self.sessionmaker() as db:
            # not due (rescheduled since): back to the pool of undispatched targets
            db.execute(update(_T).where(
                _T.c.status == TargetStatus.SCHEDULED, _T.c.dispatch_job.is_not(None),
                or_(_T.c.dispatched_at.is_(None), _T.c.dispatched_at < stale),
                or_(_T.c.scheduled_at > horizon, _T.c.next_attempt_at > horizon))
                .values(dispatch_job=None, dispatched_at=None))
            db.commit()
            rows = db.execute(
                select(_T.c.id, _T.c.dispatch_job)
                .where(_T.c.status == TargetStatus.SCHEDULED, _T.c.dispatch_job.is_not(None),
                       or_(_T.c.dispatched_at.is_(None), _T.c.dispatched_at < stale))
                .limit(self.settings.publish_batch_size * 20)).all()
        if not rows:
            return
        jobs: dict[str, list[int]] = defaultdict(list)
        for target_id, job_id in rows:
            jobs[job_id].append(target_id)
        statuses = job_status(self.app, list(jobs))
        with self.sessionmaker() as db:
            renewed: dict[str, list[int]] = {}
            for job_id, ids in jobs.items():
                renewed[job_id] = list(db.scalars(
                    update(_T).where(_T.c.id.in_(ids), _T.c.dispatch_job == job_id,
                                     _T.c.status == TargetStatus.SCHEDULED,
                                     or_(_T.c.dispatched_at.is_(None), _T.c.dispatched_at < stale))
                    .values(dispatched_at=now).returning(_T.c.id)))
            db.commit()
        for job_id, ids in renewed.items():
            if not ids:
                continue
            if statuses.get(job_id) in WAITING:
                report.waiting += len(ids)
                continue
            log.warning("job %s (%s) lost its %d target(s); enqueueing it again",
                        job_id, statuses.get(job_id) or "missing from Redis", len(ids))
            self._replace(job_id, sorted(ids))
            report.rederived += len(ids)

    def _replace(self, job_id: str, ids: list[int]) -> None:
        from rq.exceptions import NoSuchJobError
        from rq.job import Job

        from smmflow.jobs.queues import redis_connection

        with contextlib.suppress(NoSuchJobError):
            Job.fetch(job_id, connection=redis_connection(self.app)).delete()
        self._enqueue(job_id, ids)

    # -- running ----------------------------------------------------------------------
    def run(self, stop: threading.Event) -> None:
        """Tick every ``dispatch_interval`` seconds until ``stop`` is set."""
        interval = self.settings.dispatch_interval
        while not stop.is_set():
            try:
                report = self.tick()
                if report.dispatched or report.rederived:
                    log.info("dispatched %d target(s) in %d job(s), re-derived %d",
                             report.dispatched, len(report.jobs), report.rederived)
            except Exception:
                log.exception("dispatcher tick failed; trying again")
            stop.wait(interval)
