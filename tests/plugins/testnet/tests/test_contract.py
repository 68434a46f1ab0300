"""The test network passes the Platform contract suite of the plugin test kit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from smmflow_testnet.fake import FakeTestnet
from smmflow_testnet.platform import TestnetPlatform

from smmflow.testing.contract import PlatformContract


class TestTestnetContract(PlatformContract):
    @pytest.fixture
    def platform(self) -> TestnetPlatform:
        return TestnetPlatform()

    @pytest.fixture
    def fake(self) -> Iterator[FakeTestnet]:
        with FakeTestnet() as server:
            yield server
