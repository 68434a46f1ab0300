"""The core's Platform contract suite, run against the fake YouTube."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fake_youtube import FakeYouTube
from smmflow_youtube import YouTubePlatform

from smmflow.testing.contract import PlatformContract


class TestYouTubeContract(PlatformContract):
    @pytest.fixture
    def platform(self) -> YouTubePlatform:
        return YouTubePlatform()

    @pytest.fixture
    def fake(self) -> Iterator[FakeYouTube]:
        with FakeYouTube() as server:
            yield server
