"""Quota accounting: charged before each call, refused until midnight Pacific time."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from fake_youtube import FakeYouTube
from smmflow_youtube import YouTubePlatform
from smmflow_youtube.quota import pacific_day, seconds_until_reset

from smmflow.plugin_api import RateLimited

UTC = dt.UTC


def _clock(value: dt.datetime) -> Any:
    return lambda: value


def _channel_calls(fake: FakeYouTube) -> int:
    return sum(1 for _, path, _ in fake.calls if path == "/youtube/v3/channels")


@pytest.mark.parametrize(("now", "expected_hours"), [
    (dt.datetime(2026, 1, 15, 20, 0, tzinfo=UTC), 12.0),      # 12:00 PST (UTC-8)
    (dt.datetime(2026, 7, 15, 19, 0, tzinfo=UTC), 12.0),      # 12:00 PDT (UTC-7)
    (dt.datetime(2026, 1, 16, 7, 59, 30, tzinfo=UTC), 30 / 3600),  # 23:59:30 PST
    (dt.datetime(2026, 3, 8, 8, 0, tzinfo=UTC), 23.0),        # 00:00 PST; DST starts: a 23-hour day
])
def test_reset_is_the_next_midnight_in_los_angeles(now: dt.datetime, expected_hours: float) -> None:
    assert seconds_until_reset(now) == pytest.approx(expected_hours * 3600)


def test_quota_day_follows_pacific_time() -> None:
    assert pacific_day(dt.datetime(2026, 1, 16, 7, 59, tzinfo=UTC)) == "2026-01-15"
    assert pacific_day(dt.datetime(2026, 1, 16, 8, 0, tzinfo=UTC)) == "2026-01-16"


def test_refuses_before_a_call_would_exceed_the_daily_units(platform: YouTubePlatform, fake: FakeYouTube,
                                                            make_ctx: Any, account: Any) -> None:
    noon_pst = dt.datetime(2026, 1, 15, 20, 0, tzinfo=UTC)
    ctx = make_ctx(clock=_clock(noon_pst), YOUTUBE_DAILY_QUOTA_UNITS="3")
    for _ in range(3):
        assert platform.fetch_account_metrics(ctx, account) == {"followers": 1234}

    with pytest.raises(RateLimited) as info:
        platform.fetch_account_metrics(ctx, account)
    assert info.value.retry_after == pytest.approx(12 * 3600)
    assert info.value.platform_code == "quotaExceeded"
    assert "midnight Pacific" in info.value.message and "3 of 3" in info.value.message
    assert _channel_calls(fake) == 3                      # the refused call never left
    assert platform.quota(ctx, account).used("units") == fake.units_used == 3


def test_costly_calls_are_refused_while_cheap_ones_still_fit(platform: YouTubePlatform,
                                                            fake: FakeYouTube, make_ctx: Any,
                                                            account: Any) -> None:
    ctx = make_ctx(YOUTUBE_DAILY_QUOTA_UNITS="60")
    ids = fake.seed_comments(1)
    items = platform.fetch_comments(ctx, account, None)   # 2 units (published + held)
    platform.moderate(ctx, account, items[0], "hide")     # 50 units -> 52
    with pytest.raises(RateLimited):
        platform.reply(ctx, account, items[0], "Thanks")  # 50 more would make 102 > 60
    assert fake.replies_to(ids[0]) == []
    assert platform.fetch_account_metrics(ctx, account)   # 1 unit still fits


def test_quota_is_back_after_midnight_pacific(platform: YouTubePlatform, fake: FakeYouTube,
                                             make_ctx: Any, account: Any) -> None:
    late = make_ctx(clock=_clock(dt.datetime(2026, 1, 16, 7, 59, 59, tzinfo=UTC)),
                    YOUTUBE_DAILY_QUOTA_UNITS="1")
    platform.fetch_account_metrics(late, account)
    with pytest.raises(RateLimited) as info:
        platform.fetch_account_metrics(late, account)
    assert info.value.retry_after == pytest.approx(1.0)
    after = make_ctx(clock=_clock(dt.datetime(2026, 1, 16, 8, 0, 0, tzinfo=UTC)),
                     YOUTUBE_DAILY_QUOTA_UNITS="1")
    assert platform.fetch_account_metrics(after, account) == {"followers": 1234}


def test_uploads_have_their_own_daily_bucket(platform: YouTubePlatform, fake: FakeYouTube, make_ctx: Any,
                                             account: Any) -> None:
    ctx = make_ctx(YOUTUBE_DAILY_UPLOADS="1")
    platform.publish(ctx, account, fake.sample_content(), {}, "m-1")
    with pytest.raises(RateLimited) as info:
        platform.publish(make_ctx(YOUTUBE_DAILY_UPLOADS="1"), account, fake.sample_content(), {}, "m-2")
    assert "videos.insert" in info.value.message
    assert fake.inserts_used == 1 and fake.count() == 1
    # the shared pool of units is untouched by uploads
    assert platform.fetch_account_metrics(ctx, account)


def test_quota_exceeded_answer_waits_for_the_reset_and_blocks_later_calls(
        platform: YouTubePlatform, fake: FakeYouTube, make_ctx: Any, account: Any) -> None:
    ctx = make_ctx(clock=_clock(dt.datetime(2026, 7, 15, 19, 0, tzinfo=UTC)))
    fake.daily_units = 0                                  # the project's quota went elsewhere
    with pytest.raises(RateLimited) as info:
        platform.fetch_account_metrics(ctx, account)
    assert info.value.retry_after == pytest.approx(12 * 3600)
    calls = len(fake.calls)
    with pytest.raises(RateLimited):
        platform.fetch_post_metrics(ctx, account, ["abc"])
    assert len(fake.calls) == calls                       # refused locally until the reset


def test_the_ledger_is_per_google_project(platform: YouTubePlatform, fake: FakeYouTube,
                                          make_ctx: Any) -> None:
    ctx = make_ctx(YOUTUBE_DAILY_QUOTA_UNITS="1")
    one = fake.account()
    other_project = fake.account(client_id="another-client.apps.googleusercontent.com",
                                 refresh_token=None)
    platform.fetch_account_metrics(ctx, one)
    with pytest.raises(RateLimited):
        platform.fetch_account_metrics(ctx, one)
    assert platform.fetch_account_metrics(ctx, other_project) == {"followers": 1234}


def test_redis_ledger_is_shared_by_worker_processes(fake: FakeYouTube, make_ctx: Any, account: Any,
                                                    smmflow_redis_url: str) -> None:
    # two Platform instances stand for two worker processes
    first, second = YouTubePlatform(), YouTubePlatform()
    settings = {"YOUTUBE_QUOTA_REDIS_URL": smmflow_redis_url, "YOUTUBE_DAILY_QUOTA_UNITS": "2"}
    first.fetch_account_metrics(make_ctx(**settings), account)
    second.fetch_account_metrics(make_ctx(**settings), account)
    with pytest.raises(RateLimited):
        first.fetch_account_metrics(make_ctx(**settings), account)
    with pytest.raises(RateLimited):
        second.fetch_account_metrics(make_ctx(**settings), account)
    assert _channel_calls(fake) == 2
    assert first.quota(make_ctx(**settings), account).used("units") == 2

    import redis

    keys = redis.Redis.from_url(smmflow_redis_url).keys("smmflow:youtube:quota:*")
    assert len(keys) == 1 and 0 < redis.Redis.from_url(smmflow_redis_url).ttl(keys[0]) <= 3 * 24 * 3600
