"""VK publishing peculiarities against the fake: upload flow, guid, reconciliation, scheduling."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import httpx
import pytest
from fake_vk import TEXT_LIMIT, FakeVK
from smmflow_vk.client import VKClient, credentials_of
from smmflow_vk.platform import VKPlatform

from smmflow.plugin_api import (
    Account,
    AuthExpired,
    Content,
    ContentRejected,
    JobContext,
    MediaItem,
    TransientError,
    UnknownOutcome,
)

MSK = dt.timezone(dt.timedelta(hours=3))


def next_ctx(ctx: JobContext, **settings: str) -> JobContext:
    """The next job of the same target: same HTTP client, saved state carried over."""
    return JobContext(settings={**ctx.settings, **settings}, http=ctx.http, log=ctx.log,
                      clock=ctx.clock, state=dict(ctx.state))


def client(ctx: JobContext, account: Account) -> VKClient:
    return VKClient(ctx, credentials_of(account))


# -- the photo upload flow -------------------------------------------------------------------
def test_photo_upload_flow(vk: FakeVK, ctx: JobContext, platform: VKPlatform, account: Account) -> None:
    content = Content(text="Two photos", media=(vk.image("a.png"), vk.image("b.jpg", fmt="JPEG")))
    assert platform.validate(content, {}) == []

    result = platform.publish(ctx, account, content, {}, "m-upload")

    assert vk.method_calls() == ["photos.getWallUploadServer", "photos.saveWallPhoto",
                                 "photos.getWallUploadServer", "photos.saveWallPhoto", "wall.post"]
    assert [u["filename"] for u in vk.uploads] == ["a.png", "b.jpg"]
    assert all(u["photo"] != "[]" for u in vk.uploads)
    assert vk.upload_auth_headers == 0, "the upload host must never receive the token"
    post = vk.post_by_guid("m-upload")
    assert post is not None and post["from_id"] == vk.owner_id and post["text"] == "Two photos"
    attached = [f"photo{a['photo']['owner_id']}_{a['photo']['id']}" for a in post["attachments"]]
    assert attached == [f"photo{vk.owner_id}_{pid}" for pid in sorted(vk.photos)]
    assert result.external_id == f"-{vk.group_id}_{post['id']}"
    assert result.url == f"https://vk.com/wall-{vk.group_id}_{post['id']}"
    sent = dict(vk.params_log)["wall.post"]
    assert sent["owner_id"] == str(vk.owner_id) and sent["from_group"] == "1"
    assert sent["guid"] == "m-upload" and sent["v"] == "5.199"


def test_link_is_attached_after_the_photos(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                           account: Account) -> None:
    content = Content(text="See", media=(vk.image(),), link="https://example.com/a")
    platform.publish(ctx, account, content, {}, "m-link")
    post = vk.post_by_guid("m-link")
    assert post is not None
    assert [a["type"] for a in post["attachments"]] == ["photo", "link"]


def test_fake_refuses_an_upload_url_it_did_not_issue(vk: FakeVK, ctx: JobContext,
                                                     account: Account) -> None:
    with pytest.raises(TransientError):
        client(ctx, account).upload(f"{vk.url}/upload/wall?srv=801&key=forged", field="photo",
                                    filename="a.png", content=b"x", mime_type="image/png")


def test_fake_checks_the_signed_server_and_hash(vk: FakeVK, ctx: JobContext, account: Account) -> None:
    api = client(ctx, account)
    server = api.call("photos.getWallUploadServer", {"group_id": vk.group_id})
    with open(vk.image().path or "", "rb") as fh:
        uploaded = api.upload(server["upload_url"], field="photo", filename="a.png", content=fh.read(),
                              mime_type="image/png")
    base = {"group_id": vk.group_id, "photo": uploaded["photo"]}
    with pytest.raises(TransientError) as bad_hash:
        api.call("photos.saveWallPhoto", {**base, "server": uploaded["server"], "hash": "0" * 32})
    assert bad_hash.value.platform_code == "121"
    with pytest.raises(TransientError) as bad_server:
        api.call("photos.saveWallPhoto", {**base, "server": 1, "hash": uploaded["hash"]})
    assert bad_server.value.platform_code == "118"
    saved = api.call("photos.saveWallPhoto", {**base, "server": uploaded["server"],
                                              "hash": uploaded["hash"]})
    assert saved[0]["owner_id"] == vk.owner_id and saved[0]["id"] in vk.photos


def test_fake_only_accepts_saved_photo_ids(vk: FakeVK, ctx: JobContext, account: Account) -> None:
    with pytest.raises(ContentRejected) as info:
        client(ctx, account).call("wall.post", {"owner_id": vk.owner_id, "from_group": True,
                                                "attachments": f"photo{vk.owner_id}_1"}, write=True)
    assert info.value.platform_code == "100"
    assert vk.count() == 0


def test_a_file_vk_cannot_read_is_rejected_before_posting(vk: FakeVK, ctx: JobContext,
                                                          platform: VKPlatform, account: Account,
                                                          tmp_path) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image at all")
    item = MediaItem(kind="image", mime_type="image/png", size_bytes=19, path=str(broken),
                     filename="broken.png", format="png")
    with pytest.raises(ContentRejected, match=r"did not accept the image broken\.png"):
        platform.publish(ctx, account, Content(text="x", media=(item,)), {}, "m-broken")
    assert "wall.post" not in vk.method_calls()
    assert vk.count() == 0


def test_a_retry_reuses_the_uploaded_photos(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                            account: Account) -> None:
    content = vk.sample_content()
    vk.fail_next("server_error", method="wall.post")
    with pytest.raises(TransientError):
        platform.publish(ctx, account, content, {}, "m-retry")
    platform.publish(next_ctx(ctx), account, content, {}, "m-retry")
    assert len(vk.uploads) == 1 and len(vk.photos) == 1
    assert vk.count("m-retry") == 1


# -- guid dedupe -----------------------------------------------------------------------------
def test_same_guid_twice_is_one_post(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                     account: Account) -> None:
    content = Content(text="Only once")
    first = platform.publish(ctx, account, content, {}, "m-guid")
    fresh = JobContext(settings=ctx.settings, http=ctx.http, log=ctx.log)  # no saved state at all
    second = platform.publish(fresh, account, content, {}, "m-guid")
    assert first.external_id == second.external_id
    assert vk.count("m-guid") == 1 and vk.count() == 1


# -- reconciliation --------------------------------------------------------------------------
def test_reconcile_after_accept_then_timeout_finds_the_post(vk: FakeVK, ctx: JobContext,
                                                            platform: VKPlatform,
                                                            account: Account) -> None:
    vk.fail_next("accept_then_timeout")
    with pytest.raises(UnknownOutcome):
        platform.publish(ctx, account, vk.sample_content(), {}, "m-late")
    assert ctx.state["vk_post_id"] is None and ctx.state["vk_attachments"]

    found = platform.find_published(next_ctx(ctx), account, "m-late")

    post = vk.post_by_guid("m-late")
    assert post is not None and found is not None
    assert found.external_id == f"-{vk.group_id}_{post['id']}"
    assert [p["filter"] for m, p in vk.params_log if m == "wall.get"] == ["owner"]
    assert vk.count("m-late") == 1
    # a retry after the reconciliation would still not double-post (guid)
    platform.publish(next_ctx(ctx), account, vk.sample_content(), {}, "m-late")
    assert vk.count("m-late") == 1


def test_reconcile_ignores_an_older_identical_post(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                                   account: Account) -> None:
    with vk.lock:
        old = vk._new_post("Same words", [], None, None)
        old["date"] -= 3600
    vk.fail_next("timeout")
    with pytest.raises(UnknownOutcome):
        platform.publish(ctx, account, Content(text="Same words"), {}, "m-never")
    assert platform.find_published(next_ctx(ctx), account, "m-never") is None
    assert vk.count("m-never") == 0


def test_reconcile_requires_the_same_attachments(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                                 account: Account) -> None:
    platform.publish(ctx, account, Content(text="Caption", media=(vk.image(),)), {}, "m-other")
    vk.fail_next("timeout")
    other = next_ctx(ctx)
    other.state.clear()
    with pytest.raises(UnknownOutcome):
        platform.publish(other, account, Content(text="Caption", media=(vk.image("c.png"),)), {},
                         "m-mine")
    assert platform.find_published(next_ctx(other), account, "m-mine") is None


def test_reconcile_without_saved_state_relies_on_guid(vk: FakeVK, ctx: JobContext,
                                                      platform: VKPlatform, account: Account) -> None:
    assert platform.find_published(ctx, account, "m-unknown") is None
    assert vk.method_calls() == []


# -- VK-side scheduling ----------------------------------------------------------------------
def test_publish_date_lands_in_postponed(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                         account: Account) -> None:
    when = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).astimezone(MSK).replace(microsecond=0)
    options = {"publish_date": when.isoformat()}
    assert platform.validate(Content(text="Later"), options) == []

    result = platform.publish(ctx, account, Content(text="Later"), options, "m-sched")

    post = vk.post_by_guid("m-sched")
    assert post is not None and post["post_type"] == "postpone"
    assert post["date"] == int(when.timestamp())
    assert dict(vk.params_log)["wall.post"]["publish_date"] == str(int(when.timestamp()))
    assert result.published_at == when
    api = client(ctx, account)

    def wall(wall_filter: str) -> list[int]:
        page = api.call("wall.get", {"owner_id": vk.owner_id, "filter": wall_filter})
        return [p["id"] for p in page["items"]]

    assert wall("owner") == [] and wall("postponed") == [post["id"]]
    vk.clock = lambda: when.timestamp() + 1   # VK publishes it when the time comes
    assert wall("owner") == [post["id"]] and wall("postponed") == []


def test_reconcile_a_scheduled_post_looks_in_postponed(vk: FakeVK, ctx: JobContext,
                                                       platform: VKPlatform, account: Account) -> None:
    when = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    vk.fail_next("accept_then_timeout")
    with pytest.raises(UnknownOutcome):
        platform.publish(ctx, account, vk.sample_content(), {"publish_date": when}, "m-sched-late")
    found = platform.find_published(next_ctx(ctx), account, "m-sched-late")
    post = vk.post_by_guid("m-sched-late")
    assert post is not None and found is not None and found.external_id.endswith(f"_{post['id']}")
    assert [p["filter"] for m, p in vk.params_log if m == "wall.get"] == ["postponed"]
    assert vk.count("m-sched-late") == 1


def test_a_publish_date_already_past_posts_now(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                               account: Account) -> None:
    when = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    platform.publish(ctx, account, Content(text="Late job"), {"publish_date": when.isoformat()}, "m-past")
    post = vk.post_by_guid("m-past")
    assert post is not None and post["post_type"] == "post"
    assert "publish_date" not in dict(vk.params_log)["wall.post"]


def test_fake_refuses_a_past_publish_date(vk: FakeVK, ctx: JobContext, account: Account) -> None:
    with pytest.raises(ContentRejected):
        client(ctx, account).call("wall.post", {"owner_id": vk.owner_id, "message": "x",
                                                "publish_date": 1000}, write=True)


# -- validation ------------------------------------------------------------------------------
def test_options_are_validated_with_messages(platform: VKPlatform) -> None:
    naive = platform.validate(Content(text="x"), {"publish_date": "2026-10-01T09:00:00"})
    assert [(p.field, p.code) for p in naive] == [("options.publish_date", "invalid_option")]
    assert "UTC offset" in naive[0].message
    unknown = platform.validate(Content(text="x"), {"pin": True})
    assert [p.field for p in unknown] == ["options.pin"]


def test_validate_network_rules(vk: FakeVK, platform: VKPlatform) -> None:
    assert [p.code for p in platform.validate(Content(), {})] == ["empty_post"]
    eleven = tuple(vk.image(f"{i}.png") for i in range(11))
    assert [p.code for p in platform.validate(Content(text="x", media=eleven), {})] == ["too_many_media"]
    video = MediaItem(kind="video", mime_type="video/mp4", size_bytes=10, format="mp4")
    problems = platform.validate(Content(text="x", media=(video,)), {})
    assert [(p.field, p.code) for p in problems] == [("media[0]", "video_unsupported")]
    gif = dataclasses.replace(vk.image(), format="gif", mime_type="image/gif")
    assert platform.validate(Content(text="x", media=(gif,)), {}) == []
    huge = dataclasses.replace(vk.image(), size_bytes=51_000_000)
    assert [p.code for p in platform.validate(Content(text="x", media=(huge,)), {})] == ["image_too_big"]
    thin = dataclasses.replace(vk.image(), width=50, height=1250)
    assert [p.code for p in platform.validate(Content(text="x", media=(thin,)), {})] == ["aspect_ratio"]
    webp = dataclasses.replace(vk.image(), format="webp")
    assert [p.code for p in platform.validate(Content(text="x", media=(webp,)), {})] == ["image_format"]


def test_fake_enforces_the_text_limit(vk: FakeVK, ctx: JobContext, account: Account) -> None:
    api = client(ctx, account)
    with pytest.raises(ContentRejected) as info:
        api.call("wall.post", {"owner_id": vk.owner_id, "message": "x" * (TEXT_LIMIT + 1)}, write=True)
    assert "too long" in str(info.value)
    assert api.call("wall.post", {"owner_id": vk.owner_id, "message": "x" * TEXT_LIMIT}, write=True)


def test_fake_ignores_json_bodies_like_vk(vk: FakeVK, account: Account) -> None:
    answer = httpx.post(f"{vk.url}/method/wall.get", json={"owner_id": vk.owner_id, "v": "5.199"},
                        headers={"Authorization": f"Bearer {vk.token}"}).json()
    assert answer["error"]["error_code"] == 8


# -- delete, limits, pacing ------------------------------------------------------------------
def test_delete_is_idempotent(vk: FakeVK, ctx: JobContext, platform: VKPlatform, account: Account) -> None:
    result = platform.publish(ctx, account, Content(text="Bye"), {}, "m-del")
    platform.delete(ctx, account, result.external_id)
    assert vk.count() == 0
    platform.delete(ctx, account, result.external_id)  # already gone: VK says 104, fine


def test_daily_post_limit(vk: FakeVK, ctx: JobContext, platform: VKPlatform, account: Account) -> None:
    vk.daily_post_limit = 2
    for i in range(2):
        platform.publish(ctx, account, Content(text=f"post {i}"), {}, f"m-day-{i}")
    with pytest.raises(ContentRejected, match="daily post limit") as info:
        platform.publish(ctx, account, Content(text="one too many"), {}, "m-day-3")
    assert info.value.platform_code == "214"


def test_calls_are_paced_under_three_per_second(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                                                account: Account) -> None:
    vk.max_calls_per_second = 3
    media = tuple(vk.image(f"{i}.png") for i in range(3))
    platform.publish(ctx, account, Content(text="paced", media=media), {}, "m-paced")
    assert len(vk.method_calls()) == 7
    unpaced = next_ctx(ctx, VK_MIN_CALL_INTERVAL="0")
    unpaced.state.clear()
    with pytest.raises(TransientError) as info:
        platform.publish(unpaced, account, Content(text="burst", media=media), {}, "m-burst")
    assert info.value.platform_code == "6"


def test_http_5xx_is_transient(vk: FakeVK, ctx: JobContext, platform: VKPlatform,
                               account: Account) -> None:
    vk.fail_next("server_error", http=502)
    with pytest.raises(TransientError):
        platform.publish(ctx, account, Content(text="x"), {}, "m-502")


def test_missing_credentials_need_reauth(vk: FakeVK, ctx: JobContext, platform: VKPlatform) -> None:
    no_token = Account(id=2, platform="vk", handle="x", external_id=None, credentials={"group_id": 1})
    with pytest.raises(AuthExpired, match="no access_token"):
        platform.publish(ctx, no_token, Content(text="x"), {}, "m")
    no_group = Account(id=2, platform="vk", handle="x", external_id=None,
                       credentials={"access_token": vk.token})
    with pytest.raises(AuthExpired, match="group_id") as info:
        platform.publish(ctx, no_group, Content(text="x"), {}, "m")
    assert vk.token not in str(info.value)


def test_group_id_falls_back_to_the_account_external_id(vk: FakeVK, ctx: JobContext,
                                                        platform: VKPlatform) -> None:
    acc = Account(id=3, platform="vk", handle="club", external_id=str(vk.group_id),
                  credentials={"access_token": vk.token})
    result = platform.publish(ctx, acc, Content(text="x"), {}, "m-ext")
    assert result.external_id.startswith(f"-{vk.group_id}_")


def test_reply_guid_is_stable() -> None:
    from smmflow_vk.publishing import reply_guid

    assert reply_guid("-1_2", "hi") == reply_guid("-1_2", "hi") != reply_guid("-1_2", "hi!")
    assert reply_guid("-1_2", "hi").endswith(hashlib.sha256(b"-1_2\nhi").hexdigest()[:32])
