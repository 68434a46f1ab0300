"""Instagram's peculiarities, against the fake Graph API: containers, reconciliation, carousels,
reels, the publishing limit, current insight metrics, comments and redaction of the token."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fake_instagram import FakeInstagram
from smmflow_instagram.errors import NeedsPerson, error_for
from smmflow_instagram.metrics import REMOVED_METRICS
from smmflow_instagram.platform import InstagramPlatform

from smmflow.plugin_api import (
    Account,
    AuthExpired,
    Content,
    ContentRejected,
    InboxItemData,
    JobContext,
    RateLimited,
    TransientError,
    UnknownOutcome,
    make_http_client,
)

MARKER = "target-42"


@pytest.fixture
def fake() -> Iterator[FakeInstagram]:
    with FakeInstagram() as server:
        yield server


@pytest.fixture
def platform() -> InstagramPlatform:
    return InstagramPlatform()


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    client = make_http_client(timeout=1.0)
    yield client
    client.close()


class Target:
    """The saved platform state of one post target, persisted like the core does."""

    def __init__(self, fake: FakeInstagram, http: httpx.Client) -> None:
        self.fake, self.http = fake, http
        self.saved: dict[str, Any] = {}
        self.persisted: list[tuple[dict[str, Any], int]] = []  # (state, media_publish calls)

    def _persist(self, state: dict[str, Any]) -> None:
        self.saved = dict(state)
        self.persisted.append((dict(state), self.fake.publish_calls()))

    def ctx(self) -> JobContext:
        return JobContext(settings=self.fake.settings, http=self.http,
                          log=logging.getLogger("smmflow.plugins.instagram"),
                          state=dict(self.saved), _persist=self._persist)


@pytest.fixture
def target(fake: FakeInstagram, http: httpx.Client) -> Target:
    return Target(fake, http)


# -- publishing -------------------------------------------------------------------------------
def test_single_image_goes_through_a_container(platform: InstagramPlatform, fake: FakeInstagram,
                                               target: Target) -> None:
    result = platform.publish(target.ctx(), fake.account(), fake.sample_content(), {}, MARKER)
    assert result.url and result.url.startswith("https://www.instagram.com/p/")
    assert result.published_at is not None and result.published_at.tzinfo is not None
    media = fake.media[result.external_id]
    assert media["media_type"] == "IMAGE" and media["caption"] == fake.sample_content().text
    assert [c["endpoint"] for c in fake.calls] == ["limit", "container", "status", "publish",
                                                   "media"]
    assert target.saved["creation_id"] == media["container_id"]
    assert target.saved["media_id"] == result.external_id


def test_container_id_is_saved_before_media_publish(platform: InstagramPlatform,
                                                    fake: FakeInstagram, target: Target) -> None:
    fake.fail_next("timeout")
    with pytest.raises(UnknownOutcome):
        platform.publish(target.ctx(), fake.account(), fake.sample_content(), {}, MARKER)
    first = next(state for state, _ in target.persisted if state.get("creation_id"))
    publish_calls_then = next(calls for state, calls in target.persisted
                              if state.get("creation_id"))
    assert publish_calls_then == 0, "creation_id must be persisted before media_publish"
    assert first["creation_id"] in fake.containers
    assert first["marker"] == MARKER
    assert fake.publish_calls() == 1


def test_accept_then_timeout_is_reconciled_without_a_second_post(
        platform: InstagramPlatform, fake: FakeInstagram, target: Target) -> None:
    account = fake.account()
    fake.fail_next("accept_then_timeout")
    with pytest.raises(UnknownOutcome):
        platform.publish(target.ctx(), account, fake.sample_content(), {}, MARKER)
    assert fake.count() == 1
    container = fake.containers[target.saved["creation_id"]]
    assert container["status_code"] == "PUBLISHED"

    found = platform.find_published(target.ctx(), account, MARKER)
    assert found is not None and found.external_id == container["media_id"]
    assert found.url == fake.media[found.external_id]["permalink"]

    again = platform.publish(target.ctx(), account, fake.sample_content(), {}, MARKER)
    assert again.external_id == found.external_id
    assert fake.count() == 1 and fake.publish_calls() == 1 and fake.container_count() == 1


def test_published_container_is_found_by_caption_even_with_other_posts(
        platform: InstagramPlatform, fake: FakeInstagram, target: Target, http: httpx.Client) -> None:
    account = fake.account()
    other = Target(fake, http)
    platform.publish(other.ctx(), account, Content(text="Another post", media=(fake.image(),)),
                     {}, "other-target")
    fake.fail_next("accept_then_timeout")
    with pytest.raises(UnknownOutcome):
        platform.publish(target.ctx(), account, fake.sample_content(), {}, MARKER)
    platform.publish(other.ctx(), account, Content(text="A later post", media=(fake.image(),)),
                     {}, "third-target")
    target.saved.pop("media_id", None)
    found = platform.find_published(target.ctx(), account, MARKER)
    assert found is not None
    assert fake.media[found.external_id]["caption"] == fake.sample_content().text
    assert fake.media[found.external_id]["container_id"] == target.saved["creation_id"]


def test_finished_container_is_published_again_once(platform: InstagramPlatform,
                                                    fake: FakeInstagram, target: Target) -> None:
    account = fake.account()
    fake.fail_next("timeout")
    with pytest.raises(UnknownOutcome):
        platform.publish(target.ctx(), account, fake.sample_content(), {}, MARKER)
    creation_id = target.saved["creation_id"]
    assert fake.containers[creation_id]["status_code"] == "FINISHED"
    assert platform.find_published(target.ctx(), account, MARKER) is None

    result = platform.publish(target.ctx(), account, fake.sample_content(), {}, MARKER)
    assert fake.media[result.external_id]["container_id"] == creation_id
    assert fake.container_count() == 1, "the same container is published, no new one"
    assert fake.publish_calls() == 2 and fake.count() == 1


def test_container_of_other_content_is_never_published(platform: InstagramPlatform,
                                                      fake: FakeInstagram, target: Target) -> None:
    account = fake.account()
    fake.fail_next("timeout")
    with pytest.raises(UnknownOutcome):
        platform.publish(target.ctx(), account, fake.sample_content(), {}, MARKER)
    old = target.saved["creation_id"]
    edited = Content(text="Edited and approved again", media=(fake.image(),))
    result = platform.publish(target.ctx(), account, edited, {}, MARKER)
    assert fake.media[result.external_id]["caption"] == edited.text
    assert fake.containers[old]["status_code"] == "FINISHED"
    assert fake.container_count() == 2 and fake.count() == 1


def test_expired_container_gives_way_to_a_new_one(platform: InstagramPlatform,
                                                  fake: FakeInstagram, target: Target) -> None:
    account = fake.account()
    fake.fail_next("timeout")
    with pytest.raises(UnknownOutcome):
        platform.publish(target.ctx(), account, fake.sample_content(), {}, MARKER)
    old = target.saved["creation_id"]
    fake.advance(25 * 3600)
    assert platform.find_published(target.ctx(), account, MARKER) is None
    result = platform.publish(target.ctx(), account, fake.sample_content(), {}, MARKER)
    assert target.saved["creation_id"] != old
    assert fake.media[result.external_id]["container_id"] == target.saved["creation_id"]
    assert fake.container_count() == 2 and fake.count() == 1


def test_expired_answer_on_publish_is_transient_and_the_retry_makes_a_new_container(
        platform: InstagramPlatform, fake: FakeInstagram, target: Target) -> None:
    account = fake.account()
    fake.fail_next("expired")
    with pytest.raises(TransientError):
        platform.publish(target.ctx(), account, fake.sample_content(), {}, MARKER)
    fake.advance(25 * 3600)
    platform.publish(target.ctx(), account, fake.sample_content(), {}, MARKER)
    assert fake.container_count() == 2 and fake.count() == 1


def test_not_ready_on_publish_keeps_polling(platform: InstagramPlatform, fake: FakeInstagram,
                                            target: Target) -> None:
    fake.fail_next("not_ready")
    platform.publish(target.ctx(), fake.account(), fake.sample_content(), {}, MARKER)
    assert fake.publish_calls() == 2 and fake.count() == 1


def test_reconcile_without_a_container_finds_nothing(platform: InstagramPlatform,
                                                     fake: FakeInstagram, target: Target) -> None:
    assert platform.find_published(target.ctx(), fake.account(), MARKER) is None
    assert fake.calls == []


def test_carousel_builds_children_then_the_album(platform: InstagramPlatform, fake: FakeInstagram,
                                                 target: Target) -> None:
    content = Content(text="Three looks #style",
                      media=(fake.image("a.jpg"), fake.video("b.mp4"), fake.image("c.jpeg")))
    result = platform.publish(target.ctx(), fake.account(), content, {}, MARKER)
    media = fake.media[result.external_id]
    assert media["media_type"] == "CAROUSEL_ALBUM"
    parent = fake.containers[media["container_id"]]
    assert parent["kind"] == "CAROUSEL" and parent["caption"] == "Three looks #style"
    children = [fake.containers[c] for c in parent["children"]]
    assert [c["kind"] for c in children] == ["IMAGE", "VIDEO", "IMAGE"]
    assert all(c["carousel_item"] and c["caption"] is None for c in children)
    assert target.saved["children"] == parent["children"]
    sent = [c["params"] for c in fake.calls if c["endpoint"] == "container"]
    assert sent[1] == {"media_type": "VIDEO", "video_url": "https://cdn.example.com/b.mp4",
                       "is_carousel_item": "true"}
    assert fake.count() == 1


def test_reel_is_polled_until_finished(platform: InstagramPlatform, target: Target) -> None:
    with FakeInstagram(video_polls=3) as slow:
        target.fake = slow
        content = Content(text="Behind the scenes", media=(slow.video(),))
        result = platform.publish(target.ctx(), slow.account(), content,
                                  {"share_to_feed": True, "thumb_offset": 1500}, MARKER)
        media = slow.media[result.external_id]
        assert media["media_product_type"] == "REELS" and "/reel/" in (result.url or "")
        statuses = [c for c in slow.calls if c["endpoint"] == "status"]
        assert len(statuses) == 4  # three IN_PROGRESS answers, then FINISHED
        sent = next(c["params"] for c in slow.calls if c["endpoint"] == "container")
        assert sent["media_type"] == "REELS" and sent["share_to_feed"] == "true"
        assert sent["thumb_offset"] == "1500"


def test_reel_still_processing_is_transient_and_resumes(platform: InstagramPlatform,
                                                        target: Target) -> None:
    with FakeInstagram(video_polls=30) as slow:
        target.fake = slow
        content = Content(text="Long processing", media=(slow.video(),))
        with pytest.raises(TransientError):
            platform.publish(target.ctx(), slow.account(), content, {}, MARKER)
        platform.publish(target.ctx(), slow.account(), content, {}, MARKER)
        assert slow.container_count() == 1 and slow.count() == 1


def test_exhausted_publishing_limit_is_rate_limited_before_any_container(
        platform: InstagramPlatform, fake: FakeInstagram, target: Target) -> None:
    fake.exhaust_quota()
    with pytest.raises(RateLimited) as info:
        platform.publish(target.ctx(), fake.account(), fake.sample_content(), {}, MARKER)
    assert info.value.retry_after >= 60
    assert "publishing limit" in str(info.value)
    assert fake.container_count() == 0 and fake.count() == 0


def test_publishing_limit_window_frees_up(platform: InstagramPlatform, target: Target) -> None:
    with FakeInstagram(quota_total=1) as fake:
        target.fake = fake
        account = fake.account()
        platform.publish(target.ctx(), account, fake.sample_content(), {}, MARKER)
        second = Target(fake, target.http)
        with pytest.raises(RateLimited):
            platform.publish(second.ctx(), account, fake.sample_content(), {}, "second")
        fake.advance(86400 + 1)
        platform.publish(second.ctx(), account, fake.sample_content(), {}, "second")
        assert fake.count() == 2


def test_container_timeout_is_transient(platform: InstagramPlatform, fake: FakeInstagram,
                                        target: Target) -> None:
    fake.fail_next("timeout", on="container")
    with pytest.raises(TransientError) as info:
        platform.publish(target.ctx(), fake.account(), fake.sample_content(), {}, MARKER)
    assert not isinstance(info.value, UnknownOutcome)
    assert "creation_id" not in target.saved
    assert platform.find_published(target.ctx(), fake.account(), MARKER) is None


def test_invalid_content_is_refused_before_any_call(platform: InstagramPlatform,
                                                    fake: FakeInstagram, target: Target) -> None:
    content = Content(text="No public URL", media=(fake.image(url=None),))
    with pytest.raises(ContentRejected, match="public"):
        platform.publish(target.ctx(), fake.account(), content, {}, MARKER)
    assert fake.calls == []


# -- error mapping ----------------------------------------------------------------------------
@pytest.mark.parametrize(("kind", "error", "min_wait"), [
    ("rate_limit", RateLimited, 60),
    ("buc_rate_limit", RateLimited, 600),
    ("quota", RateLimited, 3600),
    ("policy_block", RateLimited, 3600),
    ("server_error", TransientError, None),
    ("transient", TransientError, None),
    ("auth", AuthExpired, None),
    ("permission", AuthExpired, None),
    ("reject", ContentRejected, None),
    ("spam", NeedsPerson, None),
    ("restricted", NeedsPerson, None),
])
def test_fault_mapping(platform: InstagramPlatform, fake: FakeInstagram, target: Target,
                       kind: str, error: type[Exception], min_wait: float | None) -> None:
    fake.fail_next(kind, retry_after=600)
    with pytest.raises(error) as info:
        platform.publish(target.ctx(), fake.account(), fake.sample_content(), {}, MARKER)
    if min_wait is not None:
        assert info.value.retry_after >= min_wait
    if isinstance(info.value, NeedsPerson):
        assert info.value.needs_human and "person" in str(info.value)
    assert fake.count() == 0


@pytest.mark.parametrize(("status", "error", "expected"), [
    (500, {"code": 1, "message": "An unknown error occurred"}, TransientError),
    (503, {"code": 2, "message": "Service temporarily unavailable"}, TransientError),
    (400, {"code": 100, "is_transient": True, "message": "x"}, TransientError),
    (400, {"code": -1, "error_subcode": 2207001, "message": "x"}, TransientError),
    (400, {"code": -2, "error_subcode": 2207003, "message": "x"}, TransientError),
    (400, {"code": 17, "message": "User request limit reached"}, RateLimited),
    (400, {"code": 32, "message": "Page request limit reached"}, RateLimited),
    (400, {"code": 613, "message": "Calls have exceeded the rate limit"}, RateLimited),
    (400, {"code": 80002, "message": "Too many calls"}, RateLimited),
    (400, {"code": 9, "error_subcode": 2207042, "message": "quota"}, RateLimited),
    (400, {"code": 368, "message": "blocked"}, RateLimited),
    (400, {"code": 190, "error_subcode": 460, "message": "password changed"}, AuthExpired),
    (403, {"code": 10, "message": "no permission"}, AuthExpired),
    (403, {"code": 200, "message": "Permissions error"}, AuthExpired),
    (403, {"code": 299, "message": "Permissions error"}, AuthExpired),
    (400, {"code": 100, "message": "Invalid parameter"}, ContentRejected),
    (400, {"code": 36000, "error_subcode": 2207004, "message": "too big"}, ContentRejected),
    (400, {"code": 36001, "error_subcode": 2207005, "message": "format"}, ContentRejected),
    (400, {"code": 36003, "error_subcode": 2207009, "message": "ratio"}, ContentRejected),
    (400, {"code": 36004, "error_subcode": 2207010, "message": "caption"}, ContentRejected),
    (400, {"code": 352, "error_subcode": 2207026, "message": "video"}, ContentRejected),
    (400, {"code": 100, "error_subcode": 2207028, "message": "carousel"}, ContentRejected),
    (400, {"code": 9004, "error_subcode": 2207052, "message": "fetch"}, ContentRejected),
    (400, {"code": 4, "error_subcode": 2207051, "message": "spam"}, NeedsPerson),
    (400, {"code": 25, "error_subcode": 2207050, "message": "restricted"}, NeedsPerson),
    (400, {"code": 9007, "error_subcode": 2207027, "message": "not ready"}, TransientError),
    (400, {"code": -2, "error_subcode": 2207020, "message": "expired"}, TransientError),
])
def test_error_table(status: int, error: dict[str, Any], expected: type[Exception]) -> None:
    mapped = error_for(status, {"error": {"type": "OAuthException", **error}}, {})
    assert type(mapped) is expected or isinstance(mapped, expected)
    if isinstance(mapped, RateLimited):
        assert mapped.retry_after > 0


def test_error_table_without_json_and_headers() -> None:
    assert isinstance(error_for(502, None, {}), TransientError)
    limited = error_for(429, None, {"Retry-After": "7"})
    assert isinstance(limited, RateLimited) and limited.retry_after == 7
    buc = error_for(400, {"error": {"code": 80002, "message": "x"}},
                    {"X-Business-Use-Case-Usage": '{"1": [{"estimated_time_to_regain_access": 3}]}'})
    assert isinstance(buc, RateLimited) and buc.retry_after == 180


# -- validation -------------------------------------------------------------------------------
def _codes(platform: InstagramPlatform, content: Content, options: dict[str, Any] | None = None
           ) -> set[tuple[str, str]]:
    return {(p.field, p.code) for p in platform.validate(content, options or {})}


def test_validation_speaks_instagram(platform: InstagramPlatform, fake: FakeInstagram) -> None:
    image = fake.image()
    assert platform.validate(fake.sample_content(), {}) == []
    assert ("media[0]", "media_url_missing") in _codes(
        platform, Content(text="x", media=(fake.image(url=None),)))
    assert ("media[0]", "image_format") in _codes(
        platform, Content(text="x", media=(fake.image(format="png", mime_type="image/png"),)))
    assert ("media[0]", "image_format") in _codes(
        platform, Content(text="x", media=(fake.image(format=None, mime_type="image/png"),)))
    assert ("text", "too_many_hashtags") in _codes(
        platform, Content(text=" ".join(f"#t{i}" for i in range(31)), media=(image,)))
    assert ("text", "too_many_mentions") in _codes(
        platform, Content(text=" ".join(f"@u{i}" for i in range(21)), media=(image,)))
    assert ("media", "media_required") in _codes(platform, Content(text="Text only"))
    assert ("media", "too_many_media") in _codes(platform, Content(text="x", media=(image,) * 11))
    assert ("media[0]", "aspect_ratio") in _codes(
        platform, Content(text="x", media=(fake.image(width=540, height=1080),)))
    assert ("media[0]", "image_too_narrow") in _codes(
        platform, Content(text="x", media=(fake.image(width=300, height=300),)))
    assert ("media[0]", "image_too_big") in _codes(
        platform, Content(text="x", media=(fake.image(size_bytes=9 * 1024 * 1024),)))
    assert ("media[0]", "video_too_short") in _codes(
        platform, Content(text="x", media=(fake.video(duration_seconds=2),)))
    assert ("media", "post_kind") in _codes(platform, Content(text="x", media=(image,)),
                                            {"kind": "reel"})
    assert ("options.bogus", "invalid_option") in _codes(
        platform, fake.sample_content(), {"bogus": 1})
    too_long = platform.validate(fake.too_long_content(), {})
    assert [p.field for p in too_long] == ["text"]
    assert "2201" in too_long[0].message and "2200" in too_long[0].message
    carousel = Content(text="ok", media=(image, fake.video(), image))
    assert platform.validate(carousel, {}) == []


# -- metrics ----------------------------------------------------------------------------------
def test_insights_use_current_metric_names(platform: InstagramPlatform, fake: FakeInstagram,
                                           target: Target) -> None:
    account = fake.account()
    result = platform.publish(target.ctx(), account, fake.sample_content(), {}, MARKER)
    fake.insights[result.external_id] = {"views": 900, "reach": 700, "likes": 40, "comments": 3,
                                         "saved": 9, "shares": 4}
    metrics = platform.fetch_post_metrics(target.ctx(), account, [result.external_id])
    assert metrics == {result.external_id: {"views": 900, "reach": 700, "likes": 40,
                                            "comments": 3, "saves": 9, "shares": 4}}
    asked = [c["params"]["metric"] for c in fake.calls if c["endpoint"] == "insights"]
    assert asked and all(not set(m.split(",")) & REMOVED_METRICS for m in asked)


def test_fake_refuses_removed_metrics_like_instagram(fake: FakeInstagram, http: httpx.Client) -> None:
    mid = fake.seed_post()
    response = http.get(f"{fake.url}/v25.0/{mid}/insights",
                        params={"metric": "impressions,reach", "access_token": fake.token})
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == 100 and error["type"] == "OAuthException"
    assert "impressions metric is no longer supported" in error["message"]


def test_missing_metrics_stay_absent(platform: InstagramPlatform, fake: FakeInstagram,
                                     target: Target) -> None:
    account = fake.account()
    first = platform.publish(target.ctx(), account, fake.sample_content(), {}, MARKER)
    second = platform.publish(Target(fake, target.http).ctx(), account,
                              Content(text="Second", media=(fake.image(),)), {}, "t2")
    fake.insights[first.external_id] = {"reach": 5}  # data not there yet: no zeros
    fake.insights[second.external_id] = {"reach": 50, "views": 80, "likes": 1}
    fake.unsupported_metrics[second.external_id] = {"views"}
    metrics = platform.fetch_post_metrics(target.ctx(), account,
                                          [first.external_id, second.external_id])
    assert metrics[first.external_id] == {"reach": 5}
    assert metrics[second.external_id] == {"reach": 50, "likes": 1}


def test_deleted_media_is_skipped_in_metrics(platform: InstagramPlatform, fake: FakeInstagram,
                                             target: Target) -> None:
    account = fake.account()
    result = platform.publish(target.ctx(), account, fake.sample_content(), {}, MARKER)
    platform.delete(target.ctx(), account, result.external_id)
    assert fake.count() == 0
    assert platform.fetch_post_metrics(target.ctx(), account, [result.external_id]) == {}
    platform.delete(target.ctx(), account, result.external_id)  # already gone: fine


def test_delete_without_permission_is_rejected_not_reauth(platform: InstagramPlatform,
                                                          fake: FakeInstagram, target: Target) -> None:
    account = fake.account()
    result = platform.publish(target.ctx(), account, fake.sample_content(), {}, MARKER)
    fake.fail_next("permission", on="delete")
    with pytest.raises(ContentRejected, match="instagram_manage_contents"):
        platform.delete(target.ctx(), account, result.external_id)
    assert fake.count() == 1


def test_account_metrics(platform: InstagramPlatform, fake: FakeInstagram, target: Target) -> None:
    assert platform.fetch_account_metrics(target.ctx(), fake.account()) == {"followers": 1234}


# -- comments ---------------------------------------------------------------------------------
def test_comments_replies_and_threads(platform: InstagramPlatform, fake: FakeInstagram,
                                      target: Target) -> None:
    account = fake.account()
    first, second = fake.seed_comments(2)
    items = {i.platform_id: i for i in platform.fetch_comments(target.ctx(), account, None)}
    assert {first, second} <= set(items)
    assert items[first].kind == "comment" and items[first].post_external_id == fake.seed_post()
    assert items[first].author_name.startswith("fan_")
    reply_id = platform.reply(target.ctx(), account, items[first], "Thank you!")
    assert fake.replies_to(first) == [reply_id]

    fan_reply = fake.seed_comments(1)[0]
    fake.comments[fan_reply]["parent"] = first
    items = {i.platform_id: i for i in platform.fetch_comments(target.ctx(), account, None)}
    assert reply_id not in items, "the account's own replies are not inbox items"
    assert items[fan_reply].kind == "reply" and items[fan_reply].parent_id == first
    # Instagram threads are one level deep: a reply to a reply goes to the top-level comment
    answer = platform.reply(target.ctx(), account, items[fan_reply], "@fan thanks")
    assert answer in fake.replies_to(first)


def test_comments_since(platform: InstagramPlatform, fake: FakeInstagram, target: Target) -> None:
    account = fake.account()
    old = fake.seed_comments(1)[0]
    items = platform.fetch_comments(target.ctx(), account, None)
    since = max(i.received_at for i in items)
    fake.advance(5)
    new = fake.seed_comments(1)[0]
    ids = [i.platform_id for i in platform.fetch_comments(target.ctx(), account, since)]
    assert ids == [new] and old not in ids


def test_hide_unhide_delete_and_hidden_flag(platform: InstagramPlatform, fake: FakeInstagram,
                                            target: Target) -> None:
    account = fake.account()
    cid = fake.seed_comments(1)[0]
    item = next(i for i in platform.fetch_comments(target.ctx(), account, None)
                if i.platform_id == cid)
    platform.moderate(target.ctx(), account, item, "hide")
    assert fake.comment_state(cid) == "hidden"
    hidden = next(i for i in platform.fetch_comments(target.ctx(), account, None)
                  if i.platform_id == cid)
    assert hidden.extra["hidden"] is True
    calls = len(fake.calls)
    with pytest.raises(ContentRejected, match="hidden"):
        platform.reply(target.ctx(), account, hidden, "Hi")
    assert len(fake.calls) == calls, "no call for a reply Instagram would refuse"
    platform.moderate(target.ctx(), account, hidden, "unhide")
    assert fake.comment_state(cid) == "visible"
    platform.moderate(target.ctx(), account, item, "delete")
    assert fake.comment_state(cid) == "deleted"
    platform.moderate(target.ctx(), account, item, "delete")  # twice: already gone, fine
    with pytest.raises(ContentRejected):
        platform.moderate(target.ctx(), account, item, "restore")


def test_fake_refuses_replies_to_replies_and_hidden(fake: FakeInstagram, http: httpx.Client) -> None:
    parent, child, hidden = fake.seed_comments(3)
    fake.comments[child]["parent"] = parent
    fake.comments[hidden]["hidden"] = True
    for target_id, text in ((child, "top-level"), (hidden, "hidden")):
        response = http.post(f"{fake.url}/v25.0/{target_id}/replies",
                             data={"message": "hi", "access_token": fake.token})
        assert response.status_code == 400 and text in response.json()["error"]["message"]


# -- credentials ------------------------------------------------------------------------------
def test_token_never_in_logs_or_errors(platform: InstagramPlatform, fake: FakeInstagram,
                                       target: Target, caplog: pytest.LogCaptureFixture) -> None:
    account = fake.account()
    caplog.set_level(logging.DEBUG)
    errors: list[str] = []
    result = platform.publish(target.ctx(), account, fake.sample_content(), {}, MARKER)
    platform.fetch_post_metrics(target.ctx(), account, [result.external_id])
    platform.fetch_comments(target.ctx(), account, None)
    for kind in ("auth", "server_error", "reject", "rate_limit"):
        fake.fail_next(kind, on="any")
        try:
            platform.publish(Target(fake, target.http).ctx(), account, fake.sample_content(), {},
                             f"m-{kind}")
        except Exception as exc:
            errors.append(str(exc))
    wrong = dataclasses.replace(account, credentials={**account.credentials,
                                                      "access_token": "IGAA" + "0" * 40})
    try:
        platform.fetch_account_metrics(target.ctx(), wrong)
    except AuthExpired as exc:
        errors.append(str(exc))
    assert len(errors) == 5
    text = caplog.text + "\n".join(errors)
    assert "HTTP Request" in caplog.text, "httpx request lines are logged, redacted"
    assert fake.token not in text and "0" * 40 not in text
    assert fake.ig_user_id not in "\n".join(errors)
    assert all(c["token_in"] == "form" for c in fake.calls if c["method"] == "POST")


def test_missing_credentials_need_reauth(platform: InstagramPlatform, fake: FakeInstagram,
                                         target: Target) -> None:
    bare = Account(id=2, platform="instagram", handle="x", external_id=None, credentials={})
    with pytest.raises(AuthExpired, match="access_token"):
        platform.fetch_account_metrics(target.ctx(), bare)
    no_user = Account(id=3, platform="instagram", handle="x", external_id=None,
                      credentials={"access_token": fake.token})
    with pytest.raises(AuthExpired, match="ig_user_id"):
        platform.fetch_account_metrics(target.ctx(), no_user)
    assert fake.calls == []


def test_reply_to_unknown_comment_maps_error(platform: InstagramPlatform, fake: FakeInstagram,
                                             target: Target) -> None:
    item = InboxItemData(platform_id="123", text="", author_id="", author_name="",
                         received_at=target.ctx().clock())
    with pytest.raises(ContentRejected):
        platform.reply(target.ctx(), fake.account(), item, "Hello")


def test_registered_through_the_entry_point() -> None:
    from importlib.metadata import entry_points

    (ep,) = [ep for ep in entry_points(group="smmflow") if ep.name == "instagram"]
    plugin = ep.load()
    (registered,) = plugin.register_platforms()
    assert isinstance(registered, InstagramPlatform) and registered.name == "instagram"


@pytest.mark.parametrize(("code", "error"), [(2207026, ContentRejected), (2207003, TransientError)])
def test_container_error_status(platform: InstagramPlatform, fake: FakeInstagram, target: Target,
                                code: int, error: type[Exception]) -> None:
    fake.next_container_error = code
    with pytest.raises(error, match=str(code)):
        platform.publish(target.ctx(), fake.account(), fake.sample_content(), {}, MARKER)
    assert target.saved["creation_id"] is None and fake.publish_calls() == 0
    if error is TransientError:
        platform.publish(target.ctx(), fake.account(), fake.sample_content(), {}, MARKER)
        assert fake.container_count() == 2 and fake.count() == 1
