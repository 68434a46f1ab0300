"""The publish job: exactly-once publishing of dispatched post targets, many calls at once.

Flow of one target (PRODUCT.md §4)::

    scheduled --dispatcher--> scheduled + dispatch_job (an RQ job on "publish")
              --publish_batch: claim (CAS)--> publishing --platform call--> published
                                                                       |--> scheduled (retry later)
                                                                       |--> failed / unknown

Design, for I/O-bound publishing with bounded concurrency:

* The dispatcher (:mod:`smmflow.jobs.dispatcher`) hands out *batches*: one RQ
  job per batch of due targets (all due targets of one account in the same
  batch), with a deterministic job id that is also written on the rows
  (``dispatch_job``). Per-target RQ jobs would cost one RQ round of Redis
  bookkeeping per post, as much as the post itself.
* :func:`publish_batch` runs in a worker (a ``SimpleWorker``: the app, the
  HTTP connection pool and the thread pool survive from job to job). It
  keeps the batch's targets *pending* and starts each one when (1) it is due
  -- the job re-checks the time itself, RQ's own clock is whole seconds --,
  (2) a thread of the process-wide pool of ``publish_concurrency`` is free,
  and (3) a per-account slot is granted (``Platform.max_concurrency_per_account``,
  leases in Redis shared by every process: :mod:`smmflow.publishing.limiter`).
  Only then is the target claimed, so ``publishing`` always means "the call
  may have been made".
* The claim is a compare-and-set on ``status = 'scheduled' AND dispatch_job =
  <this job>``: whatever the number of dispatchers, workers, duplicate or
  re-derived jobs, one attempt holds a target. Platform calls run in the pool;
  the job's thread records finished calls in batches (one transaction each:
  target state, :class:`~smmflow.posts.models.PublishAttempt` rows, events
  after commit -- :mod:`smmflow.publishing.outcomes`).
* While it runs the job heartbeats its rows (``dispatched_at`` of pending
  ones, ``claimed_at`` of claimed ones) every few seconds. Rows without a
  heartbeat for ``publish_stale_seconds`` are recovered: pending ones are
  dispatched again (the dispatcher), claimed ones reconciled with
  ``find_published`` (:mod:`smmflow.jobs.recovery`). A SIGKILLed worker or a
  flushed Redis therefore loses nothing, and posts nothing twice.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import logging
import os
import threading
import time
from collections import Counter
from dataclasses import dataclass

from flask import Flask, current_app
from sqlalchemy import select, update

from smmflow.accounts.models import SocialAccount
from smmflow.db import utcnow
from smmflow.jobs.queues import PUBLISH, enqueue, redis_connection
from smmflow.jobs.worker import current_worker_name
from smmflow.posts.models import PostTarget, TargetStatus
from smmflow.publishing.attempt import run_attempt
from smmflow.publishing.claims import claim, due_time, prepare
from smmflow.publishing.limiter import AccountLimiter
from smmflow.publishing.outcomes import Outcome, Prepared, record

log = logging.getLogger("smmflow.publishing")
_T = PostTarget.__table__
JOB = "smmflow.posts.publishing.publish_batch"
BLOCKED_POLL = 0.05
CLAIM_CHUNK = 64
RECORD_BATCH = 16
RECORD_GATHER = 0.01
FAR_AHEAD = dt.timedelta(seconds=5)


def enqueue_batch(app: Flask, dispatch_id: str, target_ids: list[int]) -> None:
    """Put one dispatched batch on the ``publish`` queue (idempotent per ``dispatch_id``)."""
    settings = app.extensions["smmflow"].settings
    timeout = int(max(600, len(target_ids) * settings.http_timeout * 3))
    enqueue(app, JOB, dispatch_id, target_ids, queue=PUBLISH, job_id=dispatch_id,
            timeout=timeout, result_ttl=0,
            description=f"publish {len(target_ids)} post target(s), batch {dispatch_id}")


def publish_batch(dispatch_id: str, target_ids: list[int]) -> dict[str, int]:
    """RQ job: publish the targets ``target_ids`` dispatched under ``dispatch_id``."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return BatchRun(app, dispatch_id, target_ids, current_worker_name()).run()


class PublishRuntime:
    """What the publish jobs of one worker process share: the call pool and the limiter."""

    def __init__(self, app: Flask) -> None:
        settings = app.extensions["smmflow"].settings
        self.pid = os.getpid()
        self.concurrency = settings.publish_concurrency
        self.pool = cf.ThreadPoolExecutor(self.concurrency, thread_name_prefix="smmflow-publish")
        self.limiter = AccountLimiter(redis_connection(app),
                                      lease_seconds=max(5.0, settings.publish_stale_seconds))

    _lock = threading.Lock()

    @classmethod
    def of(cls, app: Flask) -> PublishRuntime:
        extras = app.extensions["smmflow"].extras
        runtime = extras.get("publish_runtime")
        if runtime is None or runtime.pid != os.getpid():
            with cls._lock:
                runtime = extras.get("publish_runtime")
                if runtime is None or runtime.pid != os.getpid():
                    runtime = extras["publish_runtime"] = cls(app)
        return runtime

    @staticmethod
    def close(app: Flask) -> None:
        runtime = app.extensions["smmflow"].extras.pop("publish_runtime", None)
        if runtime is not None and runtime.pid == os.getpid():
            runtime.pool.shutdown(wait=True)


@dataclass
class Pending:
    target_id: int
    account_id: int
    limit: int
    due: dt.datetime


class BatchRun:
    """One run of :func:`publish_batch` (see the module docstring)."""

    def __init__(self, app: Flask, dispatch_id: str, target_ids: list[int], worker: str) -> None:
        self.app = app
        self.settings = app.extensions["smmflow"].settings
        self.sessionmaker = app.extensions["smmflow"].sessionmaker
        self.runtime = PublishRuntime.of(app)
        self.dispatch_id = dispatch_id
        self.target_ids = list(target_ids)
        self.worker = worker
        self.claim_token = f"{worker}|{dispatch_id}"[:200]
        self.pending: dict[int, Pending] = {}
        self.inflight: dict[cf.Future[Outcome], Prepared] = {}
        self.counts: Counter[str] = Counter()
        self.heartbeat_every = min(2.0, self.settings.publish_stale_seconds / 3)
        self.last_heartbeat = 0.0

    # -- the loop ---------------------------------------------------------------------
    def run(self) -> dict[str, int]:
        self.pending = self._load_pending()
        try:
            while self.pending or self.inflight:
                self._heartbeat()
                self._release_far_ahead()
                self._record(self._wait(self._start_ready()))
        finally:
            self._drain()
        return dict(self.counts)

    def _load_pending(self) -> dict[int, Pending]:
        platforms = self.app.extensions["smmflow"].platforms
        with self.sessionmaker() as db:
            rows = db.execute(
                select(_T.c.id, _T.c.social_account_id, _T.c.scheduled_at, _T.c.next_attempt_at,
                       SocialAccount.platform)
                .join(SocialAccount, SocialAccount.id == _T.c.social_account_id)
                .where(_T.c.id.in_(self.target_ids), _T.c.status == TargetStatus.SCHEDULED,
                       _T.c.dispatch_job == self.dispatch_id)).all()
        pending = {}
        for r in rows:
            platform = platforms.get(r.platform)
            limit = max(1, int(getattr(platform, "max_concurrency_per_account", 1) or 1))
            pending[r.id] = Pending(r.id, r.social_account_id, limit,
                                    due_time(r.scheduled_at, r.next_attempt_at))
        return pending

    def _start_ready(self) -> float:
        """Claim and start what may start now; return how long to wait before trying again.

        A target starts when it is due, a pool thread is free and its account has
        a free slot. Claims go in chunks, so the first calls do not wait for a
        whole batch to be prepared.
        """
        wait = self.heartbeat_every  # a finished call wakes the loop earlier
        free = self.runtime.concurrency - len(self.inflight)
        if free <= 0 or not self.pending:
            return wait
        chunk = min(free, CLAIM_CHUNK)
        now = utcnow()
        busy = Counter(p.account_id for p in self.inflight.values())
        ready: list[Pending] = []
        for p in sorted(self.pending.values(), key=lambda p: (p.due, p.target_id)):
            if p.due > now:
                wait = min(wait, (p.due - now).total_seconds())
                break
            if busy[p.account_id] >= p.limit:
                continue
            if len(ready) >= chunk:
                wait = 0.0  # more is ready: come straight back
                break
            busy[p.account_id] += 1
            ready.append(p)
        if not ready:
            return wait
        granted_flags = self.runtime.limiter.acquire_many(
            [(p.account_id, p.limit, self._lease(p.target_id)) for p in ready])
        granted = [p for p, ok in zip(ready, granted_flags, strict=True) if ok]
        if len(granted) < len(ready):  # another process holds those accounts: poll
            wait = min(wait, BLOCKED_POLL)
        if not granted:
            return wait
        with self.sessionmaker() as db:
            claimed = claim(db, [p.target_id for p in granted], self.dispatch_id,
                            self.claim_token, utcnow())
            preps = prepare(self.app, db, claimed)
            db.commit()
        taken = set(claimed)
        lost = [p for p in granted if p.target_id not in taken]
        self.runtime.limiter.release_many([(p.account_id, self._lease(p.target_id)) for p in lost])
        for p in lost:  # cancelled, or taken by another job: not ours any more
            self.pending.pop(p.target_id, None)
        for prep in preps:
            self.pending.pop(prep.target_id, None)
            future = self.runtime.pool.submit(run_attempt, self.app, prep, self.claim_token)
            self.inflight[future] = prep
        return wait

    def _wait(self, timeout: float) -> list[Outcome]:
        """Outcomes of the calls that finish within ``timeout`` (at least one, if any finish)."""
        if not self.inflight:
            if timeout > 0:
                time.sleep(timeout)
            return []
        done, _ = cf.wait(list(self.inflight), timeout=timeout, return_when=cf.FIRST_COMPLETED)
        if done and len(done) < RECORD_BATCH and timeout > 0:
            # let a few more finish, so one transaction records several outcomes
            more, _ = cf.wait([f for f in self.inflight if f not in done], timeout=RECORD_GATHER,
                              return_when=cf.ALL_COMPLETED)
            done |= more
        return [self._take(f) for f in done]

    def _take(self, future: cf.Future[Outcome]) -> Outcome:
        prep = self.inflight.pop(future)
        try:
            return future.result()
        except BaseException as exc:  # run_attempt never raises; this is a bug guard
            log.exception("publish attempt of target %s crashed", prep.target_id)
            from smmflow.publishing import outcomes as o

            now = utcnow()
            return Outcome(prep, o.PLUGIN_ERROR, now, now, error=f"{type(exc).__name__}: {exc}")

    def _record(self, done: list[Outcome]) -> None:
        if not done:
            return
        try:
            with self.sessionmaker() as db:
                self.counts.update(record(self.app, db, done, self.claim_token, self.worker))
        finally:
            self.runtime.limiter.release_many(
                [(x.prep.account_id, self._lease(x.prep.target_id)) for x in done])

    def _drain(self) -> None:
        """On the way out (also after an error): finish and record the calls in flight."""
        if not self.inflight:
            return
        done, _ = cf.wait(list(self.inflight), timeout=self.settings.http_timeout * 3 + 5)
        outcomes = [self._take(f) for f in done]
        try:
            self._record(outcomes)
        except Exception:
            log.exception("recording %d publish outcomes failed; recovery will reconcile them",
                          len(outcomes))

    # -- bookkeeping ------------------------------------------------------------------
    def _lease(self, target_id: int) -> str:
        return f"{self.claim_token}#{target_id}"

    def _heartbeat(self) -> None:
        now_mono = time.monotonic()
        if now_mono - self.last_heartbeat < self.heartbeat_every:
            return
        self.last_heartbeat = now_mono
        now = utcnow()
        with self.sessionmaker() as db:
            if self.pending:
                db.execute(update(_T).where(_T.c.id.in_(list(self.pending)),
                                            _T.c.dispatch_job == self.dispatch_id,
                                            _T.c.status == TargetStatus.SCHEDULED)
                           .values(dispatched_at=now))
            if self.inflight:
                self.runtime.limiter.renew_many(
                    [(p.account_id, self._lease(p.target_id)) for p in self.inflight.values()])
                db.execute(update(_T).where(
                    _T.c.id.in_([p.target_id for p in self.inflight.values()]),
                    _T.c.claimed_by == self.claim_token, _T.c.status == TargetStatus.PUBLISHING)
                    .values(claimed_at=now))
            db.commit()

    def _release_far_ahead(self) -> None:
        """Targets not due soon go back to the dispatcher instead of holding this worker."""
        horizon = utcnow() + FAR_AHEAD + dt.timedelta(seconds=self.settings.dispatch_interval)
        far = [p.target_id for p in self.pending.values() if p.due > horizon]
        if not far:
            return
        with self.sessionmaker() as db:
            db.execute(update(_T).where(_T.c.id.in_(far), _T.c.dispatch_job == self.dispatch_id,
                                        _T.c.status == TargetStatus.SCHEDULED)
                       .values(dispatch_job=None, dispatched_at=None))
            db.commit()
        for target_id in far:
            self.pending.pop(target_id, None)
        self.counts["released"] += len(far)

