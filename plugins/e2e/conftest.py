"""Fixtures of the end-to-end tests: the core with the four real network plugins, each
pointed at its own contract-enforcing fake server on 127.0.0.1. The plain helpers the tests
share (credentials, due targets, the publish loop) are in ``e2e_kit.py``.

The fakes live in each plugin's ``tests`` folder (``plugins/<network>/tests/fake_<network>.py``);
this folder puts those on ``sys.path`` so one test can talk to all four networks.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from e2e_kit import NETWORK_PLUGINS
from flask import Flask
from sqlalchemy.orm import Session

from smmflow.db import open_session
from smmflow.jobs.context import close_http_client
from smmflow.posts.publishing import PublishRuntime
from smmflow.testing.client import ApiClient
from smmflow.testing.factories import Factory

PLUGINS = Path(__file__).resolve().parent.parent
for network in ("telegram", "vk", "instagram", "youtube"):
    folder = str(PLUGINS / network / "tests")
    if folder not in sys.path:
        sys.path.insert(0, folder)

from fake_instagram import FakeInstagram  # noqa: E402
from fake_telegram import FakeTelegram  # noqa: E402
from fake_vk import FakeVK  # noqa: E402
from fake_youtube import FakeYouTube  # noqa: E402


@pytest.fixture
def fakes() -> Iterator[dict[str, Any]]:
    """The four fake networks, started; keyed by platform name."""
    started = {"telegram": FakeTelegram().start(), "vk": FakeVK().start(),
               "instagram": FakeInstagram().start(), "youtube": FakeYouTube().start()}
    yield started
    for fake in started.values():
        fake.stop()


@pytest.fixture
def fake_settings(fakes: dict[str, Any]) -> dict[str, str]:
    """The ``SMMFLOW_*`` plugin settings (without the prefix) that point every plugin at its fake."""
    merged: dict[str, str] = {}
    for fake in fakes.values():
        merged |= fake.settings
    return merged


@pytest.fixture
def e2e_plugins() -> list[Any]:
    """Plugin objects a test module adds to the four network plugins (it overrides this)."""
    return []


@pytest.fixture
def e2e_settings() -> dict[str, Any]:
    """Settings overrides of ``e2e_app``; a module overrides this (with ``e2e_kit.FAST``, say)."""
    return {"http_timeout": 1.0}


@pytest.fixture
def e2e_app(make_app: Callable[..., Flask], fake_settings: dict[str, str], e2e_plugins: list[Any],
            e2e_settings: dict[str, Any]) -> Iterator[Flask]:
    """An app with the four network plugins pointed at the fakes, plus ``e2e_plugins``, with
    ``e2e_settings``; its publishing pool and HTTP client are closed after the test."""
    app = make_app(plugins=[*NETWORK_PLUGINS, *e2e_plugins], extra=fake_settings, **e2e_settings)
    yield app
    PublishRuntime.close(app)
    close_http_client(app)


@pytest.fixture
def e2e_db(e2e_app: Flask) -> Iterator[Session]:
    """A session on ``e2e_app``'s database (for arranging and checking data)."""
    with open_session(e2e_app) as session:
        yield session


@pytest.fixture
def e2e_factory(e2e_app: Flask, e2e_db: Session) -> Factory:
    return Factory(e2e_app, e2e_db)


@pytest.fixture
def e2e_api(e2e_app: Flask, e2e_factory: Factory) -> ApiClient:
    return ApiClient(e2e_app, e2e_factory)
