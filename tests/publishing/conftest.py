"""Fixtures of the publishing tests: the test network's fake server and an app wired to it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from smmflow_testnet.fake import FakeTestnet
from sqlalchemy.orm import Session

from smmflow.db import open_session
from smmflow.plugin_api import hookimpl
from tests.jobs import kit
from tests.jobs.kit import net_app


class Recorder:
    """A plugin that records the publishing events it hears."""

    def __init__(self) -> None:
        self.events: list[tuple[str, dict[str, Any]]] = []

    @hookimpl
    def on_post_published(self, target_id: int, post_id: int, client_id: int, platform: str,
                          external_id: str, url: str | None) -> None:
        self.events.append(("published", {"target_id": target_id, "post_id": post_id,
                                          "client_id": client_id, "platform": platform,
                                          "external_id": external_id, "url": url}))

    @hookimpl
    def on_post_failed(self, target_id: int, post_id: int, client_id: int, platform: str,
                       state: str, reason: str) -> None:
        self.events.append(("failed", {"target_id": target_id, "state": state, "reason": reason}))

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [e for k, e in self.events if k == kind]


@pytest.fixture(autouse=True)
def _close_runtimes():
    yield from kit.close_runtimes()


@pytest.fixture
def fake() -> Iterator[FakeTestnet]:
    with FakeTestnet() as server:
        yield server


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def papp(make_app: Any, fake: FakeTestnet, recorder: Recorder) -> Flask:
    return net_app(make_app, fake, plugins=(recorder,))


@pytest.fixture
def pdb(papp: Flask) -> Iterator[Session]:
    with open_session(papp) as session:
        yield session
