"""Fixtures of the Telegram plugin's tests: a started fake Bot API, the platform, a job context."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fake_telegram import FakeTelegram
from smmflow_telegram.platform import TelegramPlatform

from smmflow.plugin_api import JobContext, make_http_client


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


@pytest.fixture
def platform() -> TelegramPlatform:
    return TelegramPlatform()


@pytest.fixture
def ctx(fake: FakeTelegram) -> Iterator[JobContext]:
    http = make_http_client(timeout=1.0)
    try:
        yield JobContext(settings=fake.settings, http=http,
                         log=logging.getLogger("smmflow.plugins.telegram"))
    finally:
        http.close()
