"""smmflow's Platform contract suite, run against the fake Telegram Bot API."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_telegram import FakeTelegram
from smmflow_telegram.platform import TelegramPlatform

from smmflow.testing.contract import PlatformContract


class TestTelegramContract(PlatformContract):
    @pytest.fixture
    def platform(self) -> TelegramPlatform:
        return TelegramPlatform()

    @pytest.fixture
    def fake(self) -> Iterator[FakeTelegram]:
        with FakeTelegram() as server:
            yield server
