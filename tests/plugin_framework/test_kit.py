"""The plugin test kit: fixtures a plugin author gets from the pytest plugin ``smmflow.testing``."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from smmflow import db as database
from smmflow.auth.models import User
from smmflow.jobs.queues import enqueue


def job_create_user(email: str) -> int:
    """A job as core jobs are written: ids and primitives in, the app's session inside."""
    assert current_app.extensions["smmflow"].platforms["testnet"].name == "testnet"
    db = database.session()
    user = User(email=email, name="From a job", role="staff")
    db.add(user)
    db.commit()
    return user.id


def test_make_app_builds_an_app_with_only_the_named_plugins(make_app, testnet):
    state = make_app(plugins=[testnet]).extensions["smmflow"]
    assert set(state.platforms) == {"testnet"}
    names = set(state.plugins.infos)
    assert "testnet" in names and all(n == "testnet" or n.startswith("smmflow.") for n in names)


def test_run_jobs_runs_queued_jobs_in_an_app_context(make_app, testnet, run_jobs):
    app = make_app(plugins=[testnet])
    enqueue(app, f"{__name__}.job_create_user", "job@example.test")
    assert run_jobs(app) is True
    from smmflow.db import open_session

    with open_session(app) as db:
        assert db.scalar(select(User.name).where(User.email == "job@example.test")) == "From a job"
    assert run_jobs(app) is False


def test_redis_is_flushed_for_each_test(smmflow_redis_url):
    import redis

    conn = redis.Redis.from_url(smmflow_redis_url)
    assert conn.dbsize() == 0
    conn.set("smmflow-kit-test", "1")
