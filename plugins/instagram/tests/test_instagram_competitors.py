"""Competitor accounts: Business Discovery on the own account's IG user id, with its token."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import smmflow_instagram.plugin as instagram_plugin
from fake_instagram import FakeInstagram
from smmflow_instagram.platform import InstagramPlatform
from sqlalchemy import select

from smmflow.plugin_api import (
    Account,
    AuthExpired,
    ContentRejected,
    JobContext,
    RateLimited,
    make_http_client,
)


@pytest.fixture
def fake() -> Iterator[FakeInstagram]:
    with FakeInstagram() as server:
        yield server


@pytest.fixture
def ctx(fake: FakeInstagram) -> Iterator[JobContext]:
    http: httpx.Client = make_http_client(timeout=1.0)
    yield JobContext(settings=fake.settings, http=http,
                     log=logging.getLogger("smmflow.plugins.instagram"))
    http.close()


@pytest.fixture
def platform() -> InstagramPlatform:
    return InstagramPlatform()


def rival(fake: FakeInstagram, handle: str, external_id: str | None = None) -> Account:
    return Account(id=2, platform="instagram", handle=handle, external_id=external_id,
                   credentials=fake.account_credentials(), is_competitor=True)


def discovery_calls(fake: FakeInstagram) -> list[dict[str, Any]]:
    return [c for c in fake.calls if "business_discovery" in c["params"].get("fields", "")]


def test_followers_through_business_discovery(fake: FakeInstagram, ctx: JobContext,
                                              platform: InstagramPlatform, caplog) -> None:
    their_id = fake.add_professional_account("bluebottle", followers_count=267793, media_count=1205)
    with caplog.at_level(logging.DEBUG):
        metrics = platform.fetch_account_metrics(ctx, rival(fake, "@bluebottle", their_id))
    assert metrics == {"followers": 267793}  # media_count has no canonical name
    [call] = discovery_calls(fake)
    assert call["method"] == "GET" and call["path"] == f"/v25.0/{fake.ig_user_id}"  # the OWN id
    assert call["params"]["fields"] == \
        "business_discovery.username(bluebottle){followers_count,media_count}"
    assert call["token_in"] == "query"
    assert fake.token not in caplog.text


@pytest.mark.parametrize("handle", ["bluebottle", "@BlueBottle", "https://www.instagram.com/bluebottle/",
                                    "instagram.com/bluebottle?hl=en"])
def test_handle_forms(fake: FakeInstagram, ctx: JobContext, platform: InstagramPlatform,
                      handle: str) -> None:
    fake.add_professional_account("bluebottle", followers_count=12)
    assert platform.fetch_account_metrics(ctx, rival(fake, handle)) == {"followers": 12}


def test_personal_or_unknown_account_is_rejected(fake: FakeInstagram, ctx: JobContext,
                                                 platform: InstagramPlatform) -> None:
    with pytest.raises(ContentRejected) as info:
        platform.fetch_account_metrics(ctx, rival(fake, "someones_cat"))
    assert info.value.platform_code == "110/2207013"
    assert "someones_cat" in str(info.value) and fake.token not in str(info.value)
    assert fake.ig_user_id not in str(info.value)  # the account id is redacted from messages


def test_the_competitors_id_never_replaces_the_lenders(fake: FakeInstagram, ctx: JobContext,
                                                       platform: InstagramPlatform) -> None:
    their_id = fake.add_professional_account("bluebottle", followers_count=5)
    no_id = dataclasses.replace(rival(fake, "bluebottle", their_id),
                                credentials={"access_token": fake.token})
    with pytest.raises(AuthExpired) as info:
        platform.fetch_account_metrics(ctx, no_id)
    assert "ig_user_id" in str(info.value)
    assert fake.calls == []  # nothing was asked on the competitor's id


def test_token_and_permission_refusals_are_auth_expired(fake: FakeInstagram, ctx: JobContext,
                                                        platform: InstagramPlatform) -> None:
    fake.add_professional_account("bluebottle")
    fake.fail_next("auth", on="user")
    with pytest.raises(AuthExpired) as info:
        platform.fetch_account_metrics(ctx, rival(fake, "bluebottle"))
    assert info.value.platform_code == "190/463"
    fake.fail_next("permission", on="user")  # e.g. instagram_manage_insights not granted
    with pytest.raises(AuthExpired) as info:
        platform.fetch_account_metrics(ctx, rival(fake, "bluebottle"))
    assert info.value.platform_code == "10"


def test_throttling_is_rate_limited(fake: FakeInstagram, ctx: JobContext,
                                    platform: InstagramPlatform) -> None:
    fake.add_professional_account("bluebottle")
    fake.fail_next("buc_rate_limit", on="user", retry_after=120)
    with pytest.raises(RateLimited) as info:
        platform.fetch_account_metrics(ctx, rival(fake, "bluebottle"))
    assert info.value.retry_after == 120


def test_a_bad_username_is_refused_before_any_call(fake: FakeInstagram, ctx: JobContext,
                                                   platform: InstagramPlatform) -> None:
    with pytest.raises(ContentRejected):
        platform.fetch_account_metrics(ctx, rival(fake, "blue){followers_count}"))
    assert fake.calls == []


def test_fake_refuses_non_public_fields(fake: FakeInstagram, ctx: JobContext,
                                        platform: InstagramPlatform) -> None:
    from smmflow_instagram.client import GraphClient

    fake.add_professional_account("bluebottle")
    client = GraphClient(ctx, fake.account())
    with pytest.raises(AuthExpired):  # (#10): insights of another account are not public
        client.get(fake.ig_user_id, {"fields": "business_discovery.username(bluebottle){insights}"})


def test_core_collects_the_competitor_with_the_own_accounts_token(fake: FakeInstagram, make_app: Any,
                                                                   run_jobs: Any) -> None:
    from smmflow.db import open_session
    from smmflow.jobs.queues import enqueue
    from smmflow.metrics.models import MetricSample
    from smmflow.testing.factories import Factory

    fake.add_professional_account("bluebottle", followers_count=4444)
    app = make_app(plugins=[instagram_plugin], extra=dict(fake.settings), http_timeout=1.0)
    with open_session(app) as db:
        factory = Factory(app, db)
        client = factory.client()
        own = factory.account(client, "instagram", credentials=fake.account_credentials(),
                              handle=fake.username, external_id=fake.ig_user_id)
        competitor = factory.account(client, "instagram", handle="@bluebottle", external_id=None,
                                     is_competitor=True)
        enqueue(app, "smmflow.metrics.jobs.collect_all", queue="metrics")
        assert run_jobs(app)
        samples = {(s.social_account_id, s.metric): s.value for s in db.scalars(select(MetricSample))}
    assert samples[(competitor.id, "followers")] == 4444
    assert samples[(own.id, "followers")] == fake.followers_count
