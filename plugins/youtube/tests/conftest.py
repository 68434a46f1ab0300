"""Fixtures of the YouTube plugin's tests: a started fake, the platform, a job context."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fake_youtube import FakeYouTube
from smmflow_youtube import YouTubePlatform

from smmflow.plugin_api import Account, JobContext, make_http_client


@pytest.fixture
def fake() -> Iterator[FakeYouTube]:
    with FakeYouTube() as server:
        yield server


@pytest.fixture
def platform() -> YouTubePlatform:
    return YouTubePlatform()


@pytest.fixture
def account(fake: FakeYouTube) -> Account:
    return fake.account()


@pytest.fixture
def make_ctx(fake: FakeYouTube) -> Iterator[object]:
    """``make_ctx(state=None, clock=None, **settings)``: a job context against the fake."""
    clients = []

    def build(state: dict | None = None, clock: object = None, **settings: str) -> JobContext:
        http = make_http_client(timeout=1.0)
        clients.append(http)
        ctx = JobContext(settings={**fake.settings, **settings}, http=http,
                         log=logging.getLogger("smmflow.plugins.youtube"), state=dict(state or {}))
        if clock is not None:
            ctx.clock = clock
        return ctx

    yield build
    for http in clients:
        http.close()


@pytest.fixture
def ctx(make_ctx: object) -> JobContext:
    return make_ctx()
