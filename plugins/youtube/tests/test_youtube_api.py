"""Errors, OAuth refresh, token hygiene, metrics, comments and registration of the YouTube plugin."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import pytest
from fake_youtube import FakeYouTube
from smmflow_youtube import YouTubePlatform

from smmflow.plugin_api import (
    AuthExpired,
    ContentRejected,
    InboxItemData,
    RateLimited,
    TransientError,
    UnknownOutcome,
)

UTC = dt.UTC


def _token_calls(fake: FakeYouTube) -> int:
    return sum(1 for _, path, _ in fake.calls if path == "/oauth/token")


# -- error mapping ------------------------------------------------------------------------
@pytest.mark.parametrize(("kw", "error", "retry_after"), [
    ({}, RateLimited, 60.0),                                         # 403 rateLimitExceeded: short backoff
    ({"retry_after": 7}, RateLimited, 7.0),
    ({"reason": "userRateLimitExceeded"}, RateLimited, 60.0),
    ({"reason": "uploadLimitExceeded"}, RateLimited, 24 * 3600.0),   # 400: the channel's upload cap
])
def test_rate_limit_answers(platform: YouTubePlatform, fake: FakeYouTube, ctx: Any, account: Any,
                            kw: dict, error: type, retry_after: float) -> None:
    fake.fail_next("rate_limit", **kw)
    with pytest.raises(error) as info:
        platform.publish(ctx, account, fake.sample_content(), {}, "m-rl")
    assert info.value.retry_after == retry_after
    assert fake.count() == 0


@pytest.mark.parametrize(("reason", "error"), [
    ("invalidDescription", ContentRejected),
    ("invalidTags", ContentRejected),
    ("invalidPublishAt", ContentRejected),
])
def test_metadata_rejections_keep_youtubes_reason(platform: YouTubePlatform, fake: FakeYouTube, ctx: Any,
                                                  account: Any, reason: str, error: type) -> None:
    fake.fail_next("reject", reason=reason)
    with pytest.raises(error) as info:
        platform.publish(ctx, account, fake.sample_content(), {}, "m-rej")
    assert info.value.platform_code == reason and reason in info.value.message


@pytest.mark.parametrize(("reason", "error"), [
    ("forbidden", ContentRejected),
    ("commentsDisabled", ContentRejected),
    ("insufficientPermissions", AuthExpired),
    ("authenticatedUserAccountSuspended", AuthExpired),
])
def test_403_reasons(platform: YouTubePlatform, fake: FakeYouTube, ctx: Any, account: Any, reason: str,
                     error: type) -> None:
    fake.fail_next("reject", reason=reason)
    with pytest.raises(error):
        platform.fetch_comments(ctx, account, None)


def test_404_is_content_rejected(platform: YouTubePlatform, ctx: Any, account: Any) -> None:
    item = InboxItemData("Ugz-missing", "", "", "", dt.datetime.now(UTC))
    with pytest.raises(ContentRejected) as info:
        platform.moderate(ctx, account, item, "hide")
    assert info.value.platform_code == "commentNotFound"


@pytest.mark.parametrize("status", [500, 503])
def test_5xx_is_transient(platform: YouTubePlatform, fake: FakeYouTube, ctx: Any, account: Any,
                          status: int) -> None:
    fake.fail_next("server_error", status=status)
    with pytest.raises(TransientError):
        platform.fetch_post_metrics(ctx, account, ["abc"])


def test_connection_refused_is_transient(platform: YouTubePlatform, make_ctx: Any, account: Any) -> None:
    with pytest.raises(TransientError):
        platform.fetch_account_metrics(make_ctx(YOUTUBE_API_BASE="http://127.0.0.1:9"), account)


def test_a_lost_reply_is_an_unknown_outcome(platform: YouTubePlatform, fake: FakeYouTube, ctx: Any,
                                            account: Any) -> None:
    comment = fake.seed_comments(1)[0]
    item = next(i for i in platform.fetch_comments(ctx, account, None) if i.platform_id == comment)
    fake.fail_next("accept_then_timeout")
    with pytest.raises(UnknownOutcome):
        platform.reply(ctx, account, item, "Thanks!")
    assert len(fake.replies_to(comment)) == 1


def test_a_lost_moderation_call_is_transient_because_it_can_be_repeated(
        platform: YouTubePlatform, fake: FakeYouTube, ctx: Any, account: Any) -> None:
    comment = fake.seed_comments(1)[0]
    item = InboxItemData(comment, "", "", "", dt.datetime.now(UTC))
    fake.fail_next("accept_then_timeout")
    with pytest.raises(TransientError):
        platform.moderate(ctx, account, item, "hide")
    platform.moderate(ctx, account, item, "hide")
    assert fake.comment_state(comment) == "hidden"


# -- OAuth ----------------------------------------------------------------------------------
def test_expired_token_is_refreshed_once_and_reused(platform: YouTubePlatform, fake: FakeYouTube,
                                                    make_ctx: Any, account: Any) -> None:
    fake.expire_token()
    assert platform.fetch_account_metrics(make_ctx(), account) == {"followers": 1234}
    assert _token_calls(fake) == 1
    # a later job with the same stored credentials uses the refreshed token straight away
    assert platform.fetch_account_metrics(make_ctx(), account) == {"followers": 1234}
    assert _token_calls(fake) == 1


def test_failed_refresh_means_reauth(platform: YouTubePlatform, fake: FakeYouTube, ctx: Any,
                                     account: Any) -> None:
    fake.expire_token()
    fake.revoke_refresh()
    with pytest.raises(AuthExpired) as info:
        platform.fetch_account_metrics(ctx, account)
    assert "reconnect" in info.value.message and info.value.platform_code == "invalid_grant"


def test_no_refresh_credentials_means_reauth_without_a_token_call(platform: YouTubePlatform,
                                                                  fake: FakeYouTube, ctx: Any) -> None:
    account = fake.account(refresh_token=None, client_secret=None)
    fake.expire_token()
    with pytest.raises(AuthExpired) as info:
        platform.fetch_account_metrics(ctx, account)
    assert info.value.platform_code == "authError"
    assert _token_calls(fake) == 0


def test_missing_access_token_is_reported_before_any_call(platform: YouTubePlatform, fake: FakeYouTube,
                                                          ctx: Any) -> None:
    with pytest.raises(AuthExpired):
        platform.fetch_account_metrics(ctx, fake.account(access_token=""))
    assert fake.calls == []


def test_the_fake_demands_a_bearer_token(fake: FakeYouTube) -> None:
    import httpx

    response = httpx.get(f"{fake.url}/youtube/v3/channels", params={"part": "id", "mine": "true"})
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["status"] == "UNAUTHENTICATED" and error["errors"][0]["reason"] == "required"


def test_token_is_never_in_logs_urls_or_errors(platform: YouTubePlatform, fake: FakeYouTube,
                                               make_ctx: Any, account: Any,
                                               caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    first_token = fake.access_token
    fake.expire_token()
    ctx = make_ctx()
    fake.interrupt_upload("drop", chunk=2)
    result = platform.publish(ctx, account, fake.sample_content(), {}, "m-secret")
    platform.fetch_post_metrics(ctx, account, [result.external_id])
    errors = []
    for kind in ("auth", "reject", "server_error", "accept_then_timeout"):
        fake.fail_next(kind)
        try:
            platform.publish(make_ctx(), account, fake.sample_content(), {}, f"m-{kind}")
        except Exception as exc:
            errors.append(f"{exc} {exc!r}")
    assert len(errors) == 4

    secrets = [first_token, fake.access_token, fake.refresh_token, fake.client_secret]
    assert fake.access_token != first_token  # a refresh happened
    haystacks = [caplog.text, *fake.urls, *errors, repr(account), repr(ctx.state)]
    for secret in secrets:
        assert not any(secret in text for text in haystacks)
    assert "access token refreshed" in caplog.text


# -- metrics ----------------------------------------------------------------------------------
def test_post_metrics_map_statistics_and_leave_hidden_counts_absent(
        platform: YouTubePlatform, fake: FakeYouTube, ctx: Any, account: Any) -> None:
    open_video = fake.create_video("Open")
    hidden = fake.create_video("Hidden likes, comments off")
    fake.set_statistics(open_video, views=120, likes=7, comments=0)
    fake.set_statistics(hidden, views=50, likes=None, comments=None)
    ids = [open_video, hidden, "deleted-or-never-existed"]
    metrics = platform.fetch_post_metrics(ctx, account, ids)
    assert metrics == {open_video: {"views": 120, "likes": 7, "comments": 0}, hidden: {"views": 50}}


def test_post_metrics_batch_fifty_ids_per_call(platform: YouTubePlatform, fake: FakeYouTube, ctx: Any,
                                               account: Any) -> None:
    ids = [fake.create_video(f"v{i}") for i in range(51)]
    assert len(platform.fetch_post_metrics(ctx, account, ids)) == 51
    assert sum(1 for _, path, _ in fake.calls if path == "/youtube/v3/videos") == 2


def test_account_metrics_followers_absent_when_hidden(platform: YouTubePlatform, fake: FakeYouTube,
                                                      ctx: Any, account: Any) -> None:
    assert platform.fetch_account_metrics(ctx, account) == {"followers": 1234}
    fake.subscriber_count = None
    assert platform.fetch_account_metrics(ctx, account) == {}


# -- comments ---------------------------------------------------------------------------------
def test_fetch_comments_reads_threads_replies_and_held_comments(platform: YouTubePlatform, fake: FakeYouTube,
                                                               ctx: Any, account: Any) -> None:
    video = fake.create_video("Clip")
    base = dt.datetime(2026, 5, 1, 12, 0, tzinfo=UTC)
    old = fake.add_comment(video, "old one", published_at=base - dt.timedelta(days=2))
    top = fake.add_comment(video, "Where was this filmed?", author_name="Ann", published_at=base)
    reply = fake.add_comment(video, "In Tbilisi", parent_id=top, published_at=base + dt.timedelta(hours=1))
    held = fake.add_comment(video, "buy followers at ...", status="heldForReview",
                            published_at=base + dt.timedelta(hours=2))

    items = {i.platform_id: i for i in platform.fetch_comments(ctx, account, base - dt.timedelta(days=1))}
    assert set(items) == {top, reply, held}
    assert items[top].kind == "comment" and items[top].post_external_id == video
    assert items[top].author_name == "Ann" and items[top].received_at == base
    assert items[reply].kind == "reply" and items[reply].parent_id == top
    assert items[held].extra["moderation_status"] == "heldForReview"
    assert old in {i.platform_id for i in platform.fetch_comments(ctx, account, None)}


def test_fetch_comments_stops_paging_at_since(platform: YouTubePlatform, fake: FakeYouTube, ctx: Any,
                                              account: Any) -> None:
    video = fake.create_video("Busy clip")
    base = dt.datetime(2026, 5, 1, tzinfo=UTC)
    for i in range(250):
        fake.add_comment(video, f"c{i}", published_at=base + dt.timedelta(minutes=i))
    since = base + dt.timedelta(minutes=199)
    items = platform.fetch_comments(ctx, account, since)
    assert len(items) == 50
    threads_calls = [1 for _, path, _ in fake.calls if path == "/youtube/v3/commentThreads"]
    assert len(threads_calls) == 2      # one page of published (100 >= 50 new), one of held


def test_moderation_actions_map_to_moderation_status(platform: YouTubePlatform, fake: FakeYouTube,
                                                     ctx: Any, account: Any) -> None:
    comment = fake.seed_comments(1)[0]
    item = InboxItemData(comment, "", "", "", dt.datetime.now(UTC))
    platform.moderate(ctx, account, item, "hide")
    assert fake.comments[comment]["status"] == "heldForReview"
    platform.moderate(ctx, account, item, "unhide")
    assert fake.comments[comment]["status"] == "published"
    platform.moderate(ctx, account, item, "delete")
    assert fake.comments[comment]["status"] == "rejected"
    with pytest.raises(ContentRejected):              # YouTube cannot bring a rejected comment back
        platform.moderate(ctx, account, item, "unhide")
    with pytest.raises(ContentRejected, match="restore"):
        platform.moderate(ctx, account, item, "restore")
    assert "restore" not in platform.moderation_actions


def test_reply_to_a_reply_goes_to_the_thread(platform: YouTubePlatform, fake: FakeYouTube, ctx: Any,
                                             account: Any) -> None:
    video = fake.create_video("Clip")
    top = fake.add_comment(video, "Nice")
    nested = fake.add_comment(video, "Agreed", parent_id=top)
    item = next(i for i in platform.fetch_comments(ctx, account, None) if i.platform_id == nested)
    reply_id = platform.reply(ctx, account, item, "Thank you both!")
    assert reply_id in fake.replies_to(top)
    assert fake.comments[reply_id]["author_id"] == fake.channel_id


# -- delete and registration ------------------------------------------------------------------
def test_delete_is_idempotent(platform: YouTubePlatform, fake: FakeYouTube, ctx: Any, account: Any) -> None:
    result = platform.publish(ctx, account, fake.sample_content(), {}, "m-del")
    platform.delete(ctx, account, result.external_id)
    assert fake.count() == 0
    platform.delete(ctx, account, result.external_id)      # 404 the second time: already gone


def test_registered_through_the_entry_point_and_the_app(make_app: Any) -> None:
    from importlib.metadata import entry_points

    import smmflow_youtube.plugin

    (ep,) = entry_points(group="smmflow", name="youtube")
    assert ep.load() is smmflow_youtube.plugin
    app = make_app(plugins=[smmflow_youtube.plugin], extra={"YOUTUBE_API_BASE": "http://127.0.0.1:1"})
    platform = app.extensions["smmflow"].platforms["youtube"]
    assert isinstance(platform, YouTubePlatform) and platform.display_name == "YouTube"
