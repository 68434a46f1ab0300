"""The Instagram plugin passes the Platform contract suite of the plugin test kit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_instagram import FakeInstagram
from smmflow_instagram.platform import InstagramPlatform

from smmflow.testing.contract import PlatformContract


class TestInstagramContract(PlatformContract):
    @pytest.fixture
    def platform(self) -> InstagramPlatform:
        return InstagramPlatform()

    @pytest.fixture
    def fake(self) -> Iterator[FakeInstagram]:
        with FakeInstagram() as server:
            yield server
