"""The smmflow Platform contract suite, run against the fake VK server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_vk import FakeVK
from smmflow_vk.platform import VKPlatform

from smmflow.testing.contract import PlatformContract


class TestVKContract(PlatformContract):
    @pytest.fixture
    def platform(self) -> VKPlatform:
        return VKPlatform()

    @pytest.fixture
    def fake(self) -> Iterator[FakeVK]:
        with FakeVK() as server:
            yield server
