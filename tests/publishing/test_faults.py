"""Fault tests with real worker processes, real Redis and the test network's fake server.

Each ends with every target published exactly once (counted on the fake) or in the
correct failed/unknown state, none lost.
"""

from __future__ import annotations

import datetime as dt

import pytest
from smmflow_testnet.fake import FAULT_KINDS
from sqlalchemy import select

from smmflow.accounts.models import SocialAccount
from smmflow.db import utcnow
from smmflow.jobs.queues import redis_connection
from smmflow.posts.models import PublishAttempt
from tests.jobs.kit import (
    Processes,
    assert_exactly_once,
    make_targets,
    settled,
    statuses,
    targets,
    wait_until,
)

SEED = 20260101


@pytest.fixture
def procs(papp, tmp_path):
    processes = Processes(papp, tmp_path)
    yield processes
    processes.stop_all()


def wait_settled(pdb, ids, procs, timeout):
    wait_until(lambda: settled(pdb, ids), timeout, interval=0.25,
               message=f"every target final: {statuses(pdb, ids)}\n{procs.logs()}")


def attempt_outcomes(pdb, ids):
    return list(pdb.scalars(select(PublishAttempt.outcome).where(PublishAttempt.target_id.in_(ids))))


def test_a_worker_killed_mid_publish_loses_nothing_and_posts_nothing_twice(papp, pdb, fake, procs):
    fake.latency = 0.8  # calls in flight when the worker dies (client timeout 1 s)
    data = make_targets(papp, pdb, fake, 40, accounts=40)
    doomed = procs.worker()
    procs.dispatcher()
    wait_until(lambda: sum(1 for c in fake.calls if c[0] == "POST") >= 5, 20,
               message=f"calls in flight\n{procs.logs()}")
    procs.kill(doomed)  # SIGKILL, mid-call
    assert statuses(pdb, data.target_ids).get("publishing", 0) > 0
    procs.worker()
    wait_settled(pdb, data.target_ids, procs, 45)
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 40}
    assert fake.count() == 40
    outcomes = attempt_outcomes(pdb, data.target_ids)
    assert {"reconciled", "not_found"} & set(outcomes)  # stale claims were reconciled, not resent


def test_redis_emptied_with_500_targets_due(papp, pdb, fake, procs):
    fake.latency = 0.02
    data = make_targets(papp, pdb, fake, 500, accounts=100)
    procs.worker()
    procs.worker()
    procs.dispatcher()
    wait_until(lambda: fake.count() >= 50, 30, message=f"first posts\n{procs.logs()}")
    redis_connection(papp).flushdb()  # our Redis db only: every queued job is gone
    assert fake.count() < 500
    wait_settled(pdb, data.target_ids, procs, 50)
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 500}
    assert fake.count() == 500
    assert "enqueueing it again" in procs.logs()  # re-derived from the database


def test_random_faults_end_in_correct_states(papp, pdb, fake, procs):
    data = make_targets(papp, pdb, fake, 200, accounts=50)
    fake.random_faults(SEED, rate=0.25, kinds=FAULT_KINDS, retry_after=1)
    procs.worker()
    procs.worker()
    procs.dispatcher()
    wait_settled(pdb, data.target_ids, procs, 55)
    counts = assert_exactly_once(pdb, fake, data.target_ids)
    assert counts.get("published", 0) > 100 and counts.get("unknown", 0) == 0  # testnet reconciles
    rows = targets(pdb, data.target_ids)
    outcomes = attempt_outcomes(pdb, data.target_ids)
    for kind in ("rate_limited", "transient", "not_found", "reconciled", "auth_expired", "rejected"):
        assert kind in outcomes, f"no {kind} among {set(outcomes)}"
    needs_reauth = set(pdb.scalars(select(SocialAccount.id).where(
        SocialAccount.id.in_(data.account_ids), SocialAccount.status == "needs_reauth")))
    for t in rows:
        if t.status == "failed":
            assert t.last_error
            assert (t.social_account_id in needs_reauth or "rules" in t.last_error
                    or t.last_error.startswith("gave up")), t.last_error
    assert needs_reauth


def test_two_dispatchers_and_three_workers_do_no_double_work(papp, pdb, fake, procs):
    fake.latency = 0.02
    now = utcnow()
    first = make_targets(papp, pdb, fake, 150, accounts=30, prefix="a", due=now)
    later = make_targets(papp, pdb, fake, 150, accounts=30, prefix="b", due=now + dt.timedelta(seconds=3))
    ids = first.target_ids + later.target_ids
    for _ in range(3):
        procs.worker()
    procs.dispatcher()
    procs.dispatcher()
    wait_settled(pdb, ids, procs, 45)
    assert assert_exactly_once(pdb, fake, ids) == {"published": 300}
    assert fake.count() == 300
    outcomes = attempt_outcomes(pdb, ids)
    assert outcomes == ["published"] * 300  # every target claimed exactly once
    for post in fake.posts:
        if post["account"].startswith("b-"):
            assert post["received_at"] >= (now + dt.timedelta(seconds=3)).timestamp()
    assert max(fake.max_in_flight.values()) == 1  # per-account limit across processes
