"""How the engine treats platforms: no reconciliation, buggy plugins, platform state, context."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from smmflow_testnet.platform import TestnetPlatform
from sqlalchemy import select

from smmflow.jobs.dispatcher import Dispatcher
from smmflow.plugin_api import Capability, UnknownOutcome, hookimpl
from smmflow.posts.models import Post, PostTarget
from tests.jobs.kit import (
    assert_exactly_once,
    attempts_of,
    drain,
    make_targets,
    net_app,
    publish_until_settled,
    targets,
)


class BlindPlatform(TestnetPlatform):
    """Publishes like the test network but cannot look a post up afterwards."""

    name = "blindnet"
    capabilities = TestnetPlatform.capabilities - {Capability.RECONCILE}

    def find_published(self, ctx, account, marker):  # pragma: no cover - must never be called
        raise AssertionError("the engine asked a platform without reconcile")


class BuggyPlatform(TestnetPlatform):
    """Raises an exception outside the taxonomy on its first call."""

    name = "buggynet"

    def __init__(self) -> None:
        self.calls = 0

    def publish(self, ctx, account, content, options, marker):
        self.calls += 1
        if self.calls == 1:
            raise KeyError("oops, a bug in the plugin")
        return super().publish(ctx, account, content, options, marker)


class StatefulPlatform(TestnetPlatform):
    """Saves state before a call that times out, and reads it back on the next attempt."""

    name = "statenet"

    def __init__(self, app_holder: dict[str, Any]) -> None:
        self.seen: list[dict[str, Any]] = []
        self.app_holder = app_holder

    def publish(self, ctx, account, content, options, marker):
        self.seen.append({"state": dict(ctx.state), "base": ctx.setting("TESTNET_API_BASE"),
                          "timeout": ctx.http.timeout.read, "log": ctx.log.name})
        if not ctx.state:
            ctx.save_state(upload_id="up-1")
            app = self.app_holder["app"]
            with app.extensions["smmflow"].sessionmaker() as other:  # committed already
                stored = other.scalar(select(PostTarget.platform_state).where(
                    PostTarget.marker == marker))
            self.seen[-1]["stored"] = stored
            raise UnknownOutcome("upload session timed out")
        return super().publish(ctx, account, content, options, marker)


class DeletingPlatform(TestnetPlatform):
    """A person deletes the post while its call is in flight."""

    name = "deletenet"

    def __init__(self, app_holder: dict[str, Any]) -> None:
        self.app_holder = app_holder

    def publish(self, ctx, account, content, options, marker):
        result = super().publish(ctx, account, content, options, marker)
        if content.text.startswith("doomed"):
            with self.app_holder["app"].extensions["smmflow"].sessionmaker() as other:
                post_id = other.scalar(select(PostTarget.post_id).where(PostTarget.marker == marker))
                other.delete(other.get(Post, post_id))
                other.commit()
        return result


class Platforms:
    def __init__(self, *platforms: Any) -> None:
        self.platforms = list(platforms)

    @hookimpl
    def register_platforms(self) -> list[Any]:
        return self.platforms


@pytest.fixture
def holder() -> dict[str, Any]:
    return {}


@pytest.fixture
def platforms(holder):
    return BlindPlatform(), BuggyPlatform(), StatefulPlatform(holder), DeletingPlatform(holder)


@pytest.fixture
def xapp(make_app, fake, recorder, platforms, holder):
    app = net_app(make_app, fake, plugins=(recorder, Platforms(*platforms)))
    holder["app"] = app
    return app


def test_a_platform_that_cannot_reconcile_leaves_the_target_unknown(xapp, pdb, fake, recorder):
    data = make_targets(xapp, pdb, fake, 1, platform="blindnet")
    fake.fail_next("accept_then_timeout")
    publish_until_settled(xapp, pdb, data.target_ids)
    [t] = targets(pdb, data.target_ids)
    assert t.status == "unknown" and "cannot confirm" in t.last_error
    assert fake.count() == 1  # it did go out, once; never retried blindly
    assert [a.outcome for a in attempts_of(pdb, t.id)] == ["unknown"]
    assert recorder.of("failed")[0]["state"] == "unknown"
    assert Dispatcher(xapp).tick().dispatched == 0


def test_a_plugin_raising_outside_the_taxonomy_is_transient_and_logged_by_name(xapp, pdb, fake,
                                                                               caplog):
    data = make_targets(xapp, pdb, fake, 1, platform="buggynet")
    with caplog.at_level(logging.ERROR, logger="smmflow.publishing"):
        publish_until_settled(xapp, pdb, data.target_ids)
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 1}
    [t] = targets(pdb, data.target_ids)
    first, second = attempts_of(pdb, t.id)
    assert (first.outcome, second.outcome) == ("plugin_error", "published")
    assert "KeyError" in first.error and "Platforms" in first.error
    assert any("Platforms" in r.getMessage() and "buggynet" in r.getMessage() for r in caplog.records)


def test_job_context_and_platform_state_saved_at_once(xapp, pdb, fake, platforms):
    stateful = platforms[2]
    data = make_targets(xapp, pdb, fake, 1, platform="statenet")
    publish_until_settled(xapp, pdb, data.target_ids)
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 1}
    first, second = stateful.seen
    assert first["stored"] == {"upload_id": "up-1"}  # committed before the failing call
    assert first["state"] == {} and second["state"] == {"upload_id": "up-1"}
    assert first["base"] == fake.url and first["timeout"] == 1.0
    assert first["log"] == "smmflow.platform.statenet"
    [t] = targets(pdb, data.target_ids)
    assert t.platform_state == {"upload_id": "up-1"}
    assert [a.outcome for a in attempts_of(pdb, t.id)] == ["not_found", "published"]


def test_a_disabled_plugin_fails_its_targets_with_a_reason(make_app, pdb, fake):
    app = net_app(make_app, fake)
    data = make_targets(app, pdb, fake, 1, platform="gonenet")
    publish_until_settled(app, pdb, data.target_ids)
    [t] = targets(pdb, data.target_ids)
    assert t.status == "failed" and "gonenet plugin is not installed" in t.last_error
    drain(app)


def test_a_post_deleted_mid_call_does_not_lose_the_other_outcomes(xapp, pdb, fake):
    doomed = make_targets(xapp, pdb, fake, 1, platform="deletenet", prefix="doomed")
    kept = make_targets(xapp, pdb, fake, 3, accounts=3, platform="deletenet", prefix="kept")
    publish_until_settled(xapp, pdb, kept.target_ids)
    assert targets(pdb, doomed.target_ids) == []  # gone with its post
    assert assert_exactly_once(pdb, fake, kept.target_ids) == {"published": 3}
