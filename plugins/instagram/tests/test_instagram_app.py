"""The plugin inside an app built with only this plugin (settings from ``extra``, a job context)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import smmflow_instagram.plugin as instagram_plugin
from fake_instagram import FakeInstagram
from flask import Flask
from smmflow_instagram.platform import InstagramPlatform

from smmflow.jobs.context import job_context
from smmflow.plugin_api import UnknownOutcome


@pytest.fixture
def fake() -> Iterator[FakeInstagram]:
    with FakeInstagram() as server:
        yield server


def test_app_with_only_this_plugin(make_app: Callable[..., Flask], fake: FakeInstagram) -> None:
    app = make_app(plugins=[instagram_plugin], extra=fake.settings, http_timeout=1.0)
    platforms = app.extensions["smmflow"].platforms
    assert set(platforms) == {"instagram"}
    platform = platforms["instagram"]
    assert isinstance(platform, InstagramPlatform)

    saved: dict[str, Any] = {}
    account = fake.account()
    fake.fail_next("accept_then_timeout")
    with app.app_context():
        ctx = job_context(app, platform, persist=saved.update)
        with pytest.raises(UnknownOutcome):
            platform.publish(ctx, account, fake.sample_content(), {}, "target-1")
        assert saved["creation_id"] in fake.containers
        # the next job of the same target starts from the persisted state
        found = platform.find_published(job_context(app, platform, state=saved,
                                                    persist=saved.update), account, "target-1")
    assert found is not None and fake.count() == 1
    assert saved["media_id"] == found.external_id
