"""Competitor channels: ``getChatMemberCount(@username)`` by the client's own bot, not a member."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

import pytest
from fake_telegram import FakeTelegram
from smmflow_telegram import plugin
from smmflow_telegram.platform import TelegramPlatform
from sqlalchemy import select

from smmflow.plugin_api import (
    Account,
    AuthExpired,
    ContentRejected,
    JobContext,
    RateLimited,
)


def rival(fake: FakeTelegram, handle: str, external_id: str | None = None) -> Account:
    return Account(id=2, platform="telegram", handle=handle, external_id=external_id,
                   credentials=fake.credentials(), is_competitor=True)


def test_member_count_of_a_public_channel_the_bot_is_not_in(fake: FakeTelegram, ctx: JobContext,
                                                            platform: TelegramPlatform,
                                                            caplog) -> None:
    fake.add_channel("rival_news", members=50210)
    with caplog.at_level(logging.DEBUG):
        metrics = platform.fetch_account_metrics(ctx, rival(fake, "@rival_news"))
    assert metrics == {"followers": 50210}
    assert [m for m, _ in fake.calls] == ["getChatMemberCount"]  # no getChat, nothing else
    assert fake.token not in caplog.text


@pytest.mark.parametrize("handle", ["rival_news", "@Rival_News", "https://t.me/rival_news",
                                    "t.me/rival_news/"])
def test_handle_forms(fake: FakeTelegram, ctx: JobContext, platform: TelegramPlatform,
                      handle: str) -> None:
    fake.add_channel("rival_news", members=7)
    assert platform.fetch_account_metrics(ctx, rival(fake, handle)) == {"followers": 7}


def test_the_own_channel_in_the_borrowed_credentials_is_not_read(fake: FakeTelegram,
                                                                 ctx: JobContext,
                                                                 platform: TelegramPlatform) -> None:
    chat_id = fake.add_channel("rival_news", members=9)
    metrics = platform.fetch_account_metrics(ctx, rival(fake, "@rival_news", str(chat_id)))
    assert metrics == {"followers": 9} and fake.members != 9  # chat_id of the credentials unused


def test_private_or_banning_channel_is_rejected_not_an_auth_problem(fake: FakeTelegram,
                                                                    ctx: JobContext,
                                                                    platform: TelegramPlatform) -> None:
    private_id = fake.add_channel(None, members=300)
    fake.add_channel("hostile_news", members=400, bot_banned=True)
    for account in (rival(fake, "Private rival chat", str(private_id)), rival(fake, "@hostile_news")):
        with pytest.raises(ContentRejected) as info:
            platform.fetch_account_metrics(ctx, account)
        assert info.value.platform_code == "403"
        assert "public channels" in str(info.value) and fake.token not in str(info.value)


def test_unknown_username_is_rejected(fake: FakeTelegram, ctx: JobContext,
                                      platform: TelegramPlatform) -> None:
    with pytest.raises(ContentRejected) as info:
        platform.fetch_account_metrics(ctx, rival(fake, "@nobody_here"))
    assert info.value.platform_code == "400" and "chat not found" in str(info.value)


def test_refused_token_stays_auth_expired(fake: FakeTelegram, ctx: JobContext,
                                          platform: TelegramPlatform) -> None:
    fake.add_channel("rival_news")
    fake.fail_next("auth", method="getChatMemberCount")
    with pytest.raises(AuthExpired) as info:
        platform.fetch_account_metrics(ctx, rival(fake, "@rival_news"))
    assert fake.token not in str(info.value)
    no_token = dataclasses.replace(rival(fake, "@rival_news"), credentials={"chat_id": "@x"})
    with pytest.raises(AuthExpired):
        platform.fetch_account_metrics(ctx, no_token)


def test_flood_wait_is_rate_limited(fake: FakeTelegram, ctx: JobContext,
                                    platform: TelegramPlatform) -> None:
    fake.add_channel("rival_news")
    fake.fail_next("rate_limit", method="getChatMemberCount", retry_after=11)
    with pytest.raises(RateLimited) as info:
        platform.fetch_account_metrics(ctx, rival(fake, "@rival_news"))
    assert info.value.retry_after == 11


def test_a_bad_handle_is_refused_before_any_call(fake: FakeTelegram, ctx: JobContext,
                                                 platform: TelegramPlatform) -> None:
    with pytest.raises(ContentRejected):
        platform.fetch_account_metrics(ctx, rival(fake, "rival news!"))
    assert fake.calls == []


def test_core_collects_the_competitor_with_the_own_bot(fake: FakeTelegram, make_app: Any,
                                                       run_jobs: Any) -> None:
    from smmflow.db import open_session
    from smmflow.jobs.queues import enqueue
    from smmflow.metrics.models import MetricSample
    from smmflow.testing.factories import Factory

    fake.add_channel("rival_news", members=6060)
    app = make_app(plugins=[plugin], extra=dict(fake.settings), http_timeout=1.0)
    with open_session(app) as db:
        factory = Factory(app, db)
        client = factory.client()
        own = factory.account(client, "telegram", credentials=fake.credentials(),
                              handle="@smmflow_fake", external_id="-1001000000001")
        competitor = factory.account(client, "telegram", handle="@rival_news", external_id=None,
                                     is_competitor=True)
        enqueue(app, "smmflow.metrics.jobs.collect_all", queue="metrics")
        assert run_jobs(app)
        samples = {(s.social_account_id, s.metric): s.value for s in db.scalars(select(MetricSample))}
    assert samples[(competitor.id, "followers")] == 6060
    assert samples[(own.id, "followers")] == fake.members
