"""Fixtures of the smmflow-vk tests: a fake VK server and a job context pointing at it."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from fake_vk import FakeVK
from smmflow_vk.platform import VKPlatform

from smmflow.plugin_api import Account, JobContext, make_http_client


@pytest.fixture
def vk() -> Iterator[FakeVK]:
    with FakeVK() as server:
        yield server


@pytest.fixture
def ctx(vk: FakeVK) -> Iterator[JobContext]:
    http = make_http_client(timeout=1.0)
    yield JobContext(settings=vk.settings, http=http, log=logging.getLogger("smmflow.plugins.vk"))
    http.close()


@pytest.fixture
def platform() -> VKPlatform:
    return VKPlatform()


@pytest.fixture
def account(vk: FakeVK) -> Account:
    return vk.account()
