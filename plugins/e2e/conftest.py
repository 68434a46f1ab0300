"""Fixtures of the end-to-end tests: the core with the four real network plugins, each
pointed at its own contract-enforcing fake server on 127.0.0.1.

The fakes live in each plugin's ``tests`` folder (``plugins/<network>/tests/fake_<network>.py``);
this folder puts those on ``sys.path`` so one test can talk to all four networks.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

PLUGINS = Path(__file__).resolve().parent.parent
for network in ("telegram", "vk", "instagram", "youtube"):
    folder = str(PLUGINS / network / "tests")
    if folder not in sys.path:
        sys.path.insert(0, folder)

import smmflow_instagram.plugin as instagram_plugin  # noqa: E402
import smmflow_telegram.plugin as telegram_plugin  # noqa: E402
import smmflow_vk.plugin as vk_plugin  # noqa: E402
import smmflow_youtube.plugin as youtube_plugin  # noqa: E402
from fake_instagram import FakeInstagram  # noqa: E402
from fake_telegram import FakeTelegram  # noqa: E402
from fake_vk import FakeVK  # noqa: E402
from fake_youtube import FakeYouTube  # noqa: E402
from flask import Flask  # noqa: E402

NETWORK_PLUGINS = [telegram_plugin, vk_plugin, instagram_plugin, youtube_plugin]


@pytest.fixture
def fakes() -> Iterator[dict[str, Any]]:
    """The four fake networks, started; keyed by platform name."""
    started = {"telegram": FakeTelegram().start(), "vk": FakeVK().start(),
               "instagram": FakeInstagram().start(), "youtube": FakeYouTube().start()}
    yield started
    for fake in started.values():
        fake.stop()


@pytest.fixture
def fake_settings(fakes: dict[str, Any]) -> dict[str, str]:
    """The ``SMMFLOW_*`` plugin settings (without the prefix) that point every plugin at its fake."""
    merged: dict[str, str] = {}
    for fake in fakes.values():
        merged |= fake.settings
    return merged


def fake_credentials(fake: Any) -> dict[str, Any]:
    """Credentials of the fake's account as stored on a SocialAccount."""
    if hasattr(fake, "account_credentials"):
        return dict(fake.account_credentials())
    return dict(fake.account().credentials)


@pytest.fixture
def e2e_app(make_app: Callable[..., Flask], fake_settings: dict[str, str]) -> Flask:
    """An app with the four network plugins pointed at the fakes (1 s HTTP timeout)."""
    return make_app(plugins=NETWORK_PLUGINS, extra=fake_settings, http_timeout=1.0)
