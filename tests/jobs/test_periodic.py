"""Periodic jobs: the registry and RQ's cron scheduler, once per slot across schedulers."""

from __future__ import annotations

import logging

import pytest
from rq.cron import CronScheduler

from smmflow.jobs.periodic import PeriodicJob, build_scheduler, collect, slot_job_id
from smmflow.jobs.queues import get_queue, redis_connection
from smmflow.plugin_api import hookimpl
from tests.jobs import jobfuncs
from tests.jobs.kit import drain

TICK = PeriodicJob(name="test.tick", func="tests.jobs.jobfuncs.tick", every_seconds=3600,
                   queue="default")


class PeriodicPlugin:
    @hookimpl
    def register_periodic_jobs(self):
        return [TICK]


class BrokenPeriodicPlugin:
    @hookimpl
    def register_periodic_jobs(self):
        return ["not a job"]


def test_the_registry_has_core_and_plugin_jobs(make_app, caplog):
    app = make_app(plugins=[PeriodicPlugin(), BrokenPeriodicPlugin()])
    with caplog.at_level(logging.ERROR, logger="smmflow.periodic"):
        jobs = {j.name: j for j in collect(app)}
    assert jobs["test.tick"] == TICK
    recovery = jobs["publishing.recover_stale_claims"]
    assert recovery.queue == "publish" and recovery.every_seconds <= 10
    assert "not a PeriodicJob" in caplog.text


def test_a_name_registered_twice_is_an_error(make_app):
    class Twice:
        @hookimpl
        def register_periodic_jobs(self):
            return [TICK]

    app = make_app(plugins=[PeriodicPlugin(), Twice()])
    with pytest.raises(ValueError, match="registered twice"):
        collect(app)


@pytest.mark.parametrize("kwargs", [
    {"name": "", "func": "a.b", "every_seconds": 1},
    {"name": "x", "func": "nodots", "every_seconds": 1},
    {"name": "x", "func": "a.b", "every_seconds": 0},
    {"name": "x", "func": "a.b", "every_seconds": 1, "queue": "urgent"},
])
def test_bad_periodic_jobs_are_refused(kwargs):
    with pytest.raises(ValueError):
        PeriodicJob(**kwargs)


def test_rq_cron_runs_each_slot_once_however_many_schedulers(make_app):
    app = make_app(plugins=[PeriodicPlugin()])
    conn = redis_connection(app)
    one = build_scheduler(app, conn, jobs=[TICK], name="one")
    two = build_scheduler(app, conn, jobs=[TICK], name="two")
    assert isinstance(one, CronScheduler)
    assert [j.name for j in one.enqueue_jobs()] == ["test.tick"]
    assert [j.name for j in two.enqueue_jobs()] == ["test.tick"]  # refused by the slot id
    queue = get_queue(app, "default")
    assert queue.job_ids == [slot_job_id(TICK, queue.jobs[0].enqueued_at)]
    assert one.enqueue_jobs() == []  # next run in an hour
    jobfuncs.CALLS.clear()
    drain(app, ("default",))
    assert jobfuncs.CALLS == ["tick"]


def test_the_default_scheduler_has_every_periodic_job(make_app):
    app = make_app(plugins=[PeriodicPlugin()])
    scheduler = build_scheduler(app, redis_connection(app))
    assert {j.name for j in scheduler.get_jobs()} >= {"test.tick", "publishing.recover_stale_claims"}
