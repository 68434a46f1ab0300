"""Resumable uploads: chunks, interruptions, the saved session URI and reconciliation."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from fake_youtube import FakeYouTube
from smmflow_youtube import YouTubePlatform, marker_tag

from smmflow.plugin_api import ContentRejected, JobContext, UnknownOutcome


def _sha(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()


def _starts(fake: FakeYouTube) -> list[int]:
    """First byte of every data PUT (status queries left out)."""
    return [int(r.split(" ")[1].split("-")[0]) for r in fake.upload_log if not r.startswith("bytes */")]


def _posts(fake: FakeYouTube) -> int:
    return sum(1 for method, path, _ in fake.calls if method == "POST" and path.startswith("/upload/"))


def _next(make_ctx: Any, ctx: JobContext) -> JobContext:
    return make_ctx(state=ctx.state)


def test_upload_goes_in_chunks_with_content_range(platform: YouTubePlatform, fake: FakeYouTube,
                                                  ctx: JobContext, account: Any) -> None:
    content = fake.sample_content(size=5000)
    result = platform.publish(ctx, account, content, {"tags": ["behind the scenes", "film"],
                                                      "privacy_status": "unlisted"}, "m-chunks")

    assert fake.upload_log == ["bytes 0-1023/5000", "bytes 1024-2047/5000", "bytes 2048-3071/5000",
                               "bytes 3072-4095/5000", "bytes 4096-4999/5000"]
    video = fake.videos[result.external_id]
    assert video["sha256"] == _sha(content.media[0].path)
    assert video["snippet"]["title"] == "Behind the scenes"
    assert video["snippet"]["description"] == content.text
    assert video["snippet"]["tags"] == ["behind the scenes", "film", marker_tag("m-chunks")]
    assert video["snippet"]["categoryId"] == "22"
    assert video["status"]["privacyStatus"] == "unlisted"
    assert video["status"]["selfDeclaredMadeForKids"] is False
    assert result.url == f"https://www.youtube.com/watch?v={result.external_id}"
    assert result.published_at is not None and result.published_at.tzinfo is not None
    assert fake.count("m-chunks") == 1 and fake.inserts_used == 1


def test_session_uri_is_saved_before_any_byte_is_sent(platform: YouTubePlatform, fake: FakeYouTube,
                                                      ctx: JobContext, account: Any) -> None:
    saved: list[tuple[dict[str, Any], int]] = []

    def persist(state: dict[str, Any]) -> None:
        saved.append((state, len(fake.upload_log)))

    ctx._persist = persist
    platform.publish(ctx, account, fake.sample_content(), {}, "m-save")

    first_state, puts_before = saved[0]
    assert first_state["session_uri"].startswith(f"{fake.url}/upload/youtube/v3/videos?")
    assert first_state["marker"] == "m-save" and first_state["upload_total"] == 5000
    assert puts_before == 0
    assert saved[-1][0]["video_id"]


def test_dropped_connection_mid_upload_resumes_from_the_reported_range(
        platform: YouTubePlatform, fake: FakeYouTube, ctx: JobContext, account: Any) -> None:
    content = fake.sample_content(size=5000)
    # the 2nd chunk: YouTube keeps 300 of its 1024 bytes, then the connection drops
    fake.interrupt_upload("drop", chunk=2, keep=300)

    result = platform.publish(ctx, account, content, {}, "m-drop")

    assert "bytes */5000" in fake.upload_log               # asked the session what it stored
    assert _starts(fake) == [0, 1024, 1324, 2348, 3372, 4396]
    assert fake.videos[result.external_id]["sha256"] == _sha(content.media[0].path)
    assert fake.count() == 1 and fake.count("m-drop") == 1
    assert _posts(fake) == 1                              # the same session all along


def test_503_mid_upload_resumes_in_the_same_session(platform: YouTubePlatform, fake: FakeYouTube,
                                                    ctx: JobContext, account: Any) -> None:
    content = fake.sample_content(size=5000)
    fake.interrupt_upload("server_error", chunk=3, keep=0)

    result = platform.publish(ctx, account, content, {}, "m-503")

    assert _starts(fake) == [0, 1024, 2048, 2048, 3072, 4096]
    assert fake.videos[result.external_id]["sha256"] == _sha(content.media[0].path)
    assert fake.count() == 1 and _posts(fake) == 1


def test_interruptions_beyond_the_resume_budget_leave_a_resumable_session(
        platform: YouTubePlatform, fake: FakeYouTube, make_ctx: Any, account: Any) -> None:
    from smmflow.plugin_api import TransientError

    content = fake.sample_content(size=5000)
    ctx = make_ctx(YOUTUBE_UPLOAD_MAX_RESUMES="1")
    fake.interrupt_upload("server_error", chunk=2, keep=0)
    fake.interrupt_upload("server_error", chunk=1, keep=0)
    with pytest.raises(TransientError):
        platform.publish(ctx, account, content, {}, "m-budget")
    assert fake.count() == 0

    result = platform.publish(_next(make_ctx, ctx), account, content, {}, "m-budget")
    assert _posts(fake) == 1 and fake.count("m-budget") == 1
    assert fake.videos[result.external_id]["sha256"] == _sha(content.media[0].path)


def test_accept_then_timeout_on_the_final_chunk_is_reconciled_through_the_session(
        platform: YouTubePlatform, fake: FakeYouTube, ctx: JobContext, make_ctx: Any,
        account: Any) -> None:
    content = fake.sample_content()
    fake.fail_next("accept_then_timeout")
    with pytest.raises(UnknownOutcome):
        platform.publish(ctx, account, content, {}, "m-att")
    assert fake.count("m-att") == 1

    calls_before = len(fake.calls)
    found = platform.find_published(_next(make_ctx, ctx), account, "m-att")
    assert found is not None and found.external_id in fake.videos
    # one status query on the session URI was enough (no search through the channel)
    assert [c[1] for c in fake.calls[calls_before:]] == ["/upload/youtube/v3/videos"]

    # even if the core published again, the saved session answers with the same video
    again = platform.publish(_next(make_ctx, ctx), account, content, {}, "m-att")
    assert again.external_id == found.external_id
    assert fake.count() == 1 and _posts(fake) == 1 and fake.inserts_used == 1


def test_timeout_on_the_final_chunk_resumes_without_a_second_video(
        platform: YouTubePlatform, fake: FakeYouTube, ctx: JobContext, make_ctx: Any,
        account: Any) -> None:
    content = fake.sample_content()
    fake.fail_next("timeout")
    with pytest.raises(UnknownOutcome):
        platform.publish(ctx, account, content, {}, "m-to")
    assert platform.find_published(_next(make_ctx, ctx), account, "m-to") is None

    result = platform.publish(_next(make_ctx, ctx), account, content, {}, "m-to")
    assert _starts(fake)[-1] == 4096          # only the missing last chunk was sent again
    assert fake.count() == 1 and _posts(fake) == 1
    assert fake.videos[result.external_id]["sha256"] == _sha(content.media[0].path)


def test_reconcile_without_saved_state_finds_the_marker_tag(platform: YouTubePlatform, fake: FakeYouTube,
                                                            make_ctx: Any, account: Any) -> None:
    fake.create_video("Someone else's upload")
    published = platform.publish(make_ctx(), account, fake.sample_content(), {}, "m-lost")
    fake.create_video("A later upload")

    found = platform.find_published(make_ctx(), account, "m-lost")
    assert found is not None and found.external_id == published.external_id
    assert platform.find_published(make_ctx(), account, "m-never") is None


def test_reconcile_by_title_and_time_when_the_marker_tag_is_off(
        platform: YouTubePlatform, fake: FakeYouTube, make_ctx: Any, account: Any) -> None:
    ctx = make_ctx(YOUTUBE_MARKER_TAG="false")
    published = platform.publish(ctx, account, fake.sample_content(), {"tags": ["film"]}, "m-title")
    assert fake.videos[published.external_id]["snippet"]["tags"] == ["film"]
    fake.sessions.clear()  # the session URI expired

    found = platform.find_published(make_ctx(state=ctx.state, YOUTUBE_MARKER_TAG="false"), account,
                                    "m-title")
    assert found is not None and found.external_id == published.external_id
    # without a tag nor a saved title there is nothing safe to match
    assert platform.find_published(make_ctx(YOUTUBE_MARKER_TAG="false"), account, "m-title") is None


def test_expired_session_with_nothing_uploaded_starts_a_new_upload(
        platform: YouTubePlatform, fake: FakeYouTube, ctx: JobContext, make_ctx: Any,
        account: Any) -> None:
    content = fake.sample_content()
    fake.fail_next("timeout")
    with pytest.raises(UnknownOutcome):
        platform.publish(ctx, account, content, {}, "m-exp")
    fake.sessions.clear()

    result = platform.publish(_next(make_ctx, ctx), account, content, {}, "m-exp")
    assert _posts(fake) == 2 and fake.count() == 1
    assert fake.videos[result.external_id]["sha256"] == _sha(content.media[0].path)


def test_changed_content_does_not_reuse_the_old_session(platform: YouTubePlatform, fake: FakeYouTube,
                                                        ctx: JobContext, make_ctx: Any,
                                                        account: Any) -> None:
    fake.fail_next("timeout")
    with pytest.raises(UnknownOutcome):
        platform.publish(ctx, account, fake.sample_content(), {}, "m-edit")
    edited = fake.sample_content(title="Behind the scenes, part 2")
    result = platform.publish(_next(make_ctx, ctx), account, edited, {}, "m-edit")
    assert fake.videos[result.external_id]["snippet"]["title"] == "Behind the scenes, part 2"
    assert _posts(fake) == 2 and fake.count() == 1


def test_publish_at_goes_with_private(platform: YouTubePlatform, fake: FakeYouTube, ctx: JobContext,
                                      account: Any) -> None:
    when = dt.datetime(2031, 3, 1, 9, 30, tzinfo=dt.timezone(dt.timedelta(hours=3)))
    result = platform.publish(ctx, account, fake.sample_content(),
                              {"privacy_status": "private", "publish_at": when.isoformat(),
                               "notify_subscribers": False}, "m-sched")
    status = fake.videos[result.external_id]["status"]
    assert status == {**status, "privacyStatus": "private", "publishAt": "2031-03-01T06:30:00Z"}
    assert fake.sessions and all(s["notify"] == "false" for s in fake.sessions.values())


def test_publish_at_without_private_is_refused_before_any_call(platform: YouTubePlatform,
                                                               fake: FakeYouTube, ctx: JobContext,
                                                               account: Any) -> None:
    with pytest.raises(ContentRejected, match="private"):
        platform.publish(ctx, account, fake.sample_content(),
                         {"privacy_status": "public", "publish_at": "2031-03-01T06:30:00+00:00"}, "m-x")
    assert fake.calls == []


def test_the_fake_refuses_publish_at_without_private(fake: FakeYouTube) -> None:
    import httpx

    response = httpx.post(f"{fake.url}/upload/youtube/v3/videos",
                          params={"uploadType": "resumable", "part": "snippet,status"},
                          headers={"Authorization": f"Bearer {fake.access_token}",
                                   "X-Upload-Content-Length": "10", "X-Upload-Content-Type": "video/mp4"},
                          json={"snippet": {"title": "t"},
                                "status": {"privacyStatus": "public", "publishAt": "2031-01-01T00:00:00Z"}})
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["reason"] == "invalidPublishAt"


def test_upload_from_a_url_when_the_file_is_not_local(platform: YouTubePlatform, fake: FakeYouTube,
                                                      ctx: JobContext, account: Any, httpserver: Any) -> None:
    from smmflow.plugin_api import Content, MediaItem

    data = bytes(range(256)) * 12
    httpserver.expect_request("/clip.mp4").respond_with_data(data, content_type="video/mp4")
    item = MediaItem(kind="video", mime_type="video/mp4", size_bytes=len(data),
                     url=httpserver.url_for("/clip.mp4"), format="mp4")
    result = platform.publish(ctx, account, Content(title="From a URL", media=(item,)), {}, "m-url")
    assert fake.videos[result.external_id]["sha256"] == hashlib.sha256(data).hexdigest()
