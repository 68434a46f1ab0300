"""Recovering stale ``publishing`` claims (a periodic job on the ``publish`` queue).

A claimed target's heartbeat (``claimed_at``) is renewed every few seconds by
the job that holds it. When it is older than ``publish_stale_seconds`` that
job is gone (worker killed, machine lost) and the call may or may not have
reached the network. The recovery job takes the claim over (compare-and-set
on the old heartbeat) and asks the platform:

* ``find_published(marker)`` finds the post: the target is ``published``;
* it does not: the target is ``scheduled`` again (counted as an attempt; the
  next attempt looks once more before sending);
* looking fails: the same, and the next attempt looks first;
* the platform cannot reconcile: the target goes to ``unknown`` for a person,
  never a blind retry.

Targets dispatched but never claimed are re-derived by the dispatcher
(:mod:`smmflow.jobs.dispatcher`).
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Flask, current_app
from sqlalchemy import or_, select, update

from smmflow.db import utcnow
from smmflow.jobs.worker import current_worker_name
from smmflow.posts.models import PostTarget, TargetStatus
from smmflow.posts.publishing import PublishRuntime
from smmflow.publishing.attempt import reconcile
from smmflow.publishing.claims import prepare
from smmflow.publishing.outcomes import record

log = logging.getLogger("smmflow.recovery")
_T = PostTarget.__table__
CHUNK = 100


def recover_stale_claims() -> dict[str, int]:
    """Periodic job: reconcile every stale ``publishing`` claim."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    return recover(app, current_worker_name())


def recover(app: Flask, worker: str) -> dict[str, int]:
    """Reconcile stale claims in chunks; returns how many ended in each state."""
    state = app.extensions["smmflow"]
    stale = utcnow() - dt.timedelta(seconds=state.settings.publish_stale_seconds)
    token = f"recovery:{worker}"[:200]
    totals: dict[str, int] = {}
    with state.sessionmaker() as db:
        ids = list(db.scalars(select(_T.c.id).where(
            _T.c.status == TargetStatus.PUBLISHING,
            or_(_T.c.claimed_at.is_(None), _T.c.claimed_at < stale)).order_by(_T.c.id)))
    for start in range(0, len(ids), CHUNK):
        with state.sessionmaker() as db:
            taken = list(db.scalars(
                update(_T).where(_T.c.id.in_(ids[start:start + CHUNK]),
                                 _T.c.status == TargetStatus.PUBLISHING,
                                 or_(_T.c.claimed_at.is_(None), _T.c.claimed_at < stale))
                .values(claimed_by=token, claimed_at=utcnow()).returning(_T.c.id)))
            preps = prepare(app, db, taken, check=False)
            db.commit()
            for prep in preps:
                log.warning("target %s was left publishing by a lost worker; reconciling on %s",
                            prep.target_id, prep.platform_name)
            pool = PublishRuntime.of(app).pool  # lookups run side by side, like publishing
            outcomes = list(pool.map(
                lambda prep: reconcile(app, prep, token, utcnow(), "the worker publishing it stopped"),
                preps))
            for key, value in record(app, db, outcomes, token, f"recovery@{worker}").items():
                totals[key] = totals.get(key, 0) + value
    return totals
