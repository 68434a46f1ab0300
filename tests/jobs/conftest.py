"""Fixtures of the job tests."""

from __future__ import annotations

import pytest

from tests.jobs import kit


@pytest.fixture(autouse=True)
def _close_runtimes():
    yield from kit.close_runtimes()
