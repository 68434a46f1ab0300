"""The dispatcher: batches with deterministic ids, concurrent dispatchers, work re-derived
from the database after Redis loses it."""

from __future__ import annotations

import threading
import time

import pytest
import smmflow_testnet.plugin as testnet_plugin
from rq.job import Job
from smmflow_testnet.fake import FakeTestnet
from sqlalchemy import select

from smmflow.db import open_session
from smmflow.jobs.dispatcher import Dispatcher, batch_job_id, pack
from smmflow.jobs.queues import get_queue, redis_connection
from smmflow.posts.models import PostTarget
from smmflow.posts.publishing import JOB
from tests.jobs.kit import FAST, assert_exactly_once, drain, make_targets, net_app, statuses


@pytest.fixture
def fake():
    with FakeTestnet() as server:
        yield server


@pytest.fixture
def papp(make_app, fake):
    return net_app(make_app, fake)


@pytest.fixture
def pdb(papp):
    with open_session(papp) as session:
        yield session


def queued_batches(app) -> dict[str, list[int]]:
    jobs = get_queue(app, "publish").jobs
    assert all(j.func_name == JOB for j in jobs)
    return {j.id: j.args[1] for j in jobs}


def test_pack_keeps_an_account_in_one_batch():
    rows = [(1, 10, 0), (2, 11, 0), (3, 10, 0), (4, 12, 0), (5, 11, 0), (6, 12, 0)]
    assert pack(rows, 4) == [[(1, 0), (3, 0), (2, 0), (5, 0)], [(4, 0), (6, 0)]]
    assert pack([(i, 1, 0) for i in range(5)], 2) == [[(0, 0), (1, 0)], [(2, 0), (3, 0)], [(4, 0)]]


def test_batch_ids_are_deterministic():
    assert batch_job_id([(2, 0), (1, 3)]) == batch_job_id([(1, 3), (2, 0)])
    assert batch_job_id([(1, 3), (2, 0)]) != batch_job_id([(1, 4), (2, 0)])
    assert batch_job_id([(1, 0)]).startswith("publish-")


def test_due_targets_are_dispatched_once_in_batches(papp, pdb, fake):
    data = make_targets(papp, pdb, fake, 120, accounts=30)
    report = Dispatcher(papp).tick()
    assert report.dispatched == 120 and len(report.jobs) == 3  # batch size 50, whole accounts
    batches = queued_batches(papp)
    assert sorted(batches) == sorted(report.jobs)
    assert sorted(i for ids in batches.values() for i in ids) == sorted(data.target_ids)
    rows = pdb.execute(select(PostTarget.id, PostTarget.dispatch_job)).all()
    for target_id, job_id in rows:
        assert target_id in batches[job_id]
    assert Dispatcher(papp).tick().dispatched == 0
    assert len(queued_batches(papp)) == 3


def test_concurrent_dispatchers_never_hand_out_a_target_twice(papp, pdb, fake):
    data = make_targets(papp, pdb, fake, 400, accounts=100)
    dispatchers = [Dispatcher(papp) for _ in range(4)]
    reports = []
    barrier = threading.Barrier(len(dispatchers))

    def run(d: Dispatcher) -> None:
        barrier.wait()
        reports.append(d.tick())

    threads = [threading.Thread(target=run, args=(d,)) for d in dispatchers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.dispatched for r in reports) == 400
    handed_out = [i for ids in queued_batches(papp).values() for i in ids]
    assert sorted(handed_out) == sorted(data.target_ids)  # each exactly once
    drain(papp)
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 400}


def test_work_flushed_from_redis_is_re_derived_from_the_database(papp, pdb, fake):
    data = make_targets(papp, pdb, fake, 60, accounts=20)
    first = Dispatcher(papp).tick()
    redis_connection(papp).flushdb()
    assert Dispatcher(papp).tick().rederived == 0  # heartbeat still fresh
    time.sleep(FAST["publish_stale_seconds"] + 0.2)
    report = Dispatcher(papp).tick()
    assert report.rederived == 60 and report.dispatched == 0
    assert sorted(queued_batches(papp)) == sorted(first.jobs)  # same deterministic ids
    drain(papp)
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 60}


def test_jobs_still_waiting_in_their_queue_are_left_alone(papp, pdb, fake):
    make_targets(papp, pdb, fake, 10, accounts=10)
    first = Dispatcher(papp).tick()
    time.sleep(FAST["publish_stale_seconds"] + 0.2)
    report = Dispatcher(papp).tick()
    assert report.waiting == 10 and report.rederived == 0
    assert sorted(queued_batches(papp)) == sorted(first.jobs)


def test_a_failed_job_is_replaced(papp, pdb, fake):
    data = make_targets(papp, pdb, fake, 5, accounts=5)
    [job_id] = Dispatcher(papp).tick().jobs
    conn = redis_connection(papp)
    get_queue(papp, "publish").remove(job_id)
    Job.fetch(job_id, connection=conn).set_status("failed")
    time.sleep(FAST["publish_stale_seconds"] + 0.2)
    assert Dispatcher(papp).tick().rederived == 5
    drain(papp)
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 5}


def test_rows_are_committed_before_enqueueing_so_a_failed_enqueue_is_recovered(make_app, papp, pdb,
                                                                               fake):
    data = make_targets(papp, pdb, fake, 8, accounts=4)
    broken = make_app(plugins=[testnet_plugin], extra=fake.settings, **FAST,
                      redis_url="redis://127.0.0.1:1/0")
    report = Dispatcher(broken).tick()  # Redis unreachable: logged, rows stay dispatched
    assert report.dispatched == 8
    assert statuses(pdb, data.target_ids) == {"scheduled": 8}
    assert all(pdb.scalars(select(PostTarget.dispatch_job).where(PostTarget.id.in_(data.target_ids))))
    assert get_queue(papp, "publish").count == 0
    time.sleep(FAST["publish_stale_seconds"] + 0.2)
    assert Dispatcher(papp).tick().rederived == 8
    drain(papp)
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 8}


def test_dispatched_targets_rescheduled_later_go_back_to_the_pool(papp, pdb, fake):
    import datetime as dt

    from sqlalchemy import update

    from smmflow.db import utcnow

    data = make_targets(papp, pdb, fake, 3, accounts=3)
    Dispatcher(papp).tick()
    redis_connection(papp).flushdb()
    later = utcnow() + dt.timedelta(hours=2)  # e.g. unscheduled, then scheduled again
    pdb.execute(update(PostTarget).where(PostTarget.id.in_(data.target_ids)).values(scheduled_at=later))
    pdb.commit()
    time.sleep(FAST["publish_stale_seconds"] + 0.2)
    report = Dispatcher(papp).tick()
    assert report.rederived == 0 and report.dispatched == 0
    assert not any(pdb.scalars(select(PostTarget.dispatch_job).where(PostTarget.id.in_(data.target_ids))))
    assert get_queue(papp, "publish").count == 0
