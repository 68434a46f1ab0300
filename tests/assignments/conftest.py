from __future__ import annotations

import pytest

from tests.assignments.helpers import FakePlatforms, Recorder


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def app(make_app, recorder):
    """An app with two fake platforms (limits to merge) and an event recorder."""
    return make_app(plugins=[FakePlatforms(), recorder])
