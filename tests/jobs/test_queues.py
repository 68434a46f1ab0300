"""The typed enqueue wrapper, on a real Redis, run by a real in-process worker."""

from __future__ import annotations

import datetime as dt

import pytest
from rq.job import Job

from smmflow.db import utcnow
from smmflow.jobs.queues import QUEUES, enqueue, get_queue, job_status, redis_connection
from tests.jobs.kit import drain


def test_queues_are_the_four_of_the_product():
    assert QUEUES == ("publish", "moderation", "default", "metrics")


def test_a_job_runs_in_the_app_context_of_its_worker(app):
    job = enqueue(app, "tests.jobs.jobfuncs.whoami", queue="default", timeout=30)
    drain(app, ("default",))
    job.refresh()
    result = job.return_value()
    assert result["instance"] == str(app.extensions["smmflow"].settings.instance_path)
    assert result["worker"] and result["session"] == "Session"


def test_options_reach_rq(app):
    job = enqueue(app, "tests.jobs.jobfuncs.add", 2, 3, queue="metrics", retries=3, timeout=42)
    assert job.origin == "metrics" and job.timeout == 42
    assert job.retries_left == 3 and job.retry_intervals == [10, 30, 90]
    drain(app, ("metrics",))
    assert Job.fetch(job.id, connection=redis_connection(app)).return_value() == 5


def test_a_deterministic_id_enqueues_once_while_pending(app):
    first = enqueue(app, "tests.jobs.jobfuncs.add", 1, 1, job_id="sum-1")
    again = enqueue(app, "tests.jobs.jobfuncs.add", 1, 1, job_id="sum-1")
    assert first.id == again.id == "sum-1"
    assert get_queue(app, "default").count == 1
    drain(app, ("default",))
    assert job_status(app, ["sum-1", "nope"]) == {"sum-1": "finished", "nope": None}
    replaced = enqueue(app, "tests.jobs.jobfuncs.add", 2, 2, job_id="sum-1")  # finished: replaced
    assert get_queue(app, "default").count == 1
    drain(app, ("default",))
    replaced.refresh()
    assert replaced.return_value() == 4


def test_at_schedules_through_rq(app):
    when = utcnow() + dt.timedelta(minutes=5)
    job = enqueue(app, "tests.jobs.jobfuncs.add", 1, 2, at=when, job_id="later")
    assert job.get_status() == "scheduled"
    registry = get_queue(app, "default").scheduled_job_registry
    assert registry.get_job_ids() == ["later"]
    assert int(registry.get_scheduled_time("later").timestamp()) == int(when.timestamp())


@pytest.mark.parametrize("call, error", [
    (lambda app: enqueue(app, "add", 1), ValueError),
    (lambda app: enqueue(app, "tests.jobs.jobfuncs.add", 1, queue="urgent"), ValueError),
    (lambda app: enqueue(app, "tests.jobs.jobfuncs.add", object()), TypeError),
    (lambda app: enqueue(app, "tests.jobs.jobfuncs.add", at=dt.datetime(2030, 1, 1)), ValueError),
    (lambda app: enqueue(app, "tests.jobs.jobfuncs.add", timeout=0), ValueError),
    (lambda app: enqueue(app, "tests.jobs.jobfuncs.add", retries=-1), ValueError),
])
def test_bad_calls_are_refused(app, call, error):
    with pytest.raises(error):
        call(app)
    assert get_queue(app, "default").count == 0


def test_jobs_take_ids_not_objects(app, factory):
    client = factory.client()
    with pytest.raises(TypeError, match="pass the object's id"):
        enqueue(app, "tests.jobs.jobfuncs.add", client)
    with pytest.raises(TypeError):
        enqueue(app, "tests.jobs.jobfuncs.add", kwargs={"a": {"nested": client}})
