"""Competitor channels: public statistics by channel id or handle, 1 quota unit per read."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import smmflow_youtube.plugin as youtube_plugin
from fake_youtube import FakeYouTube
from smmflow_youtube import YouTubePlatform
from smmflow_youtube.quota import COMPETITORS, UNITS
from sqlalchemy import select

from smmflow.plugin_api import Account, AuthExpired, ContentRejected, JobContext, RateLimited


def rival(fake: FakeYouTube, handle: str, external_id: str | None = None) -> Account:
    return Account(id=2, platform="youtube", handle=handle, external_id=external_id,
                   credentials=fake.account().credentials, is_competitor=True)


def channel_queries(fake: FakeYouTube) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(url).query) for url in fake.urls
            if urlsplit(url).path == "/youtube/v3/channels"]


def test_statistics_by_channel_id(fake: FakeYouTube, ctx: JobContext, platform: YouTubePlatform,
                                  caplog: pytest.LogCaptureFixture) -> None:
    channel_id = fake.add_public_channel("@rivalbrand", subscribers=25300, views=1_200_000)
    with caplog.at_level(logging.DEBUG):
        metrics = platform.fetch_account_metrics(ctx, rival(fake, "@rivalbrand", channel_id))
    assert metrics == {"followers": 25300, "views": 1_200_000}
    [query] = channel_queries(fake)
    assert query == {"part": ["statistics"], "id": [channel_id]}  # never mine=true
    assert fake.access_token not in caplog.text and fake.refresh_token not in caplog.text


@pytest.mark.parametrize("handle", ["@rivalbrand", "rivalbrand", "https://www.youtube.com/@rivalbrand",
                                    "youtube.com/@RivalBrand/"])
def test_statistics_by_handle(fake: FakeYouTube, ctx: JobContext, platform: YouTubePlatform,
                              handle: str) -> None:
    fake.add_public_channel("@rivalbrand", subscribers=310, views=9000)
    # an external id that is not a channel id (e.g. a legacy username) is not sent as id
    metrics = platform.fetch_account_metrics(ctx, rival(fake, handle, "legacy-name"))
    assert metrics == {"followers": 310, "views": 9000}
    [query] = channel_queries(fake)
    assert query["forHandle"][0].lower() == "@rivalbrand" and "id" not in query


def test_channel_address_with_its_id(fake: FakeYouTube, ctx: JobContext,
                                     platform: YouTubePlatform) -> None:
    channel_id = fake.add_public_channel("@rivalbrand", subscribers=5)
    account = rival(fake, f"https://www.youtube.com/channel/{channel_id}")
    assert platform.fetch_account_metrics(ctx, account)["followers"] == 5


def test_hidden_subscriber_count_is_absent(fake: FakeYouTube, ctx: JobContext,
                                           platform: YouTubePlatform) -> None:
    channel_id = fake.add_public_channel("@shy", subscribers=None, views=777)
    assert platform.fetch_account_metrics(ctx, rival(fake, "@shy", channel_id)) == {"views": 777}


def test_unknown_channel_is_rejected_and_still_costs_a_unit(fake: FakeYouTube, ctx: JobContext,
                                                            platform: YouTubePlatform) -> None:
    account = rival(fake, "@nobody_here")
    with pytest.raises(ContentRejected) as info:
        platform.fetch_account_metrics(ctx, account)
    assert info.value.platform_code == "channelNotFound"
    assert fake.units_used == 1
    assert platform.quota(ctx, account).used(UNITS) == 1


def test_each_read_costs_one_unit_in_the_pool_and_the_competitor_allowance(
        fake: FakeYouTube, make_ctx: Any, platform: YouTubePlatform) -> None:
    ctx = make_ctx(YOUTUBE_DAILY_COMPETITOR_UNITS="2")
    own = fake.account()
    account = rival(fake, "@rivalbrand", fake.add_public_channel("@rivalbrand"))
    platform.fetch_account_metrics(ctx, account)
    platform.fetch_account_metrics(ctx, account)
    quota = platform.quota(ctx, own)  # same credentials (client_id): same project, same ledger
    assert quota.used(UNITS) == 2 and quota.used(COMPETITORS) == 2 and fake.units_used == 2
    with pytest.raises(RateLimited) as info:
        platform.fetch_account_metrics(ctx, account)
    assert "SMMFLOW_YOUTUBE_DAILY_COMPETITOR_UNITS" in str(info.value)
    assert info.value.retry_after > 0
    assert fake.units_used == 2  # refused before sending
    # the client's own channel is not held back by the competitor allowance
    assert platform.fetch_account_metrics(ctx, own) == {"followers": fake.subscriber_count}
    assert quota.used(UNITS) == 3


def test_allowance_zero_turns_competitor_reads_off(fake: FakeYouTube, make_ctx: Any,
                                                   platform: YouTubePlatform) -> None:
    ctx = make_ctx(YOUTUBE_DAILY_COMPETITOR_UNITS="0")
    with pytest.raises(RateLimited):
        platform.fetch_account_metrics(ctx, rival(fake, "@rivalbrand"))
    assert fake.units_used == 0


def test_expired_token_is_refreshed_with_the_lenders_refresh_token(
        fake: FakeYouTube, ctx: JobContext, platform: YouTubePlatform) -> None:
    channel_id = fake.add_public_channel("@rivalbrand", subscribers=42)
    fake.expire_token()
    assert platform.fetch_account_metrics(ctx, rival(fake, "@rivalbrand", channel_id))["followers"] == 42
    assert ("POST", "/oauth/token") in {(m, p) for m, p, _ in fake.calls}


def test_refused_credentials_are_auth_expired_without_secrets(fake: FakeYouTube, ctx: JobContext,
                                                              platform: YouTubePlatform) -> None:
    channel_id = fake.add_public_channel("@rivalbrand")
    fake.fail_next("auth")
    fake.revoke_refresh()
    with pytest.raises(AuthExpired) as info:
        platform.fetch_account_metrics(ctx, rival(fake, "@rivalbrand", channel_id))
    for secret in (fake.access_token, fake.refresh_token, fake.client_secret):
        assert secret not in str(info.value)


def test_a_bad_handle_costs_nothing(fake: FakeYouTube, ctx: JobContext,
                                    platform: YouTubePlatform) -> None:
    with pytest.raises(ContentRejected):
        platform.fetch_account_metrics(ctx, rival(fake, "rival brand!"))
    assert fake.units_used == 0 and not channel_queries(fake)


def test_core_collects_the_competitor_with_the_own_accounts_credentials(
        fake: FakeYouTube, make_app: Any, run_jobs: Any) -> None:
    from smmflow.db import open_session
    from smmflow.jobs.queues import enqueue
    from smmflow.metrics.models import MetricSample
    from smmflow.testing.factories import Factory

    channel_id = fake.add_public_channel("@rivalbrand", subscribers=8800, views=123456)
    app = make_app(plugins=[youtube_plugin], extra=dict(fake.settings), http_timeout=1.0)
    with open_session(app) as db:
        factory = Factory(app, db)
        client = factory.client()
        own = factory.account(client, "youtube", credentials=dict(fake.account().credentials),
                              handle="@fakechannel", external_id=fake.channel_id)
        competitor = factory.account(client, "youtube", handle="@rivalbrand", external_id=channel_id,
                                     is_competitor=True)
        enqueue(app, "smmflow.metrics.jobs.collect_all", queue="metrics")
        assert run_jobs(app)
        samples = {(s.social_account_id, s.metric): s.value for s in db.scalars(select(MetricSample))}
    assert samples[(competitor.id, "followers")] == 8800
    assert samples[(competitor.id, "views")] == 123456
    assert samples[(own.id, "followers")] == fake.subscriber_count
