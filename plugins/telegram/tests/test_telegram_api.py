"""Telegram's peculiarities, checked against the fake Bot API."""

from __future__ import annotations

import datetime as dt
import io
import logging
import socket
import time
from pathlib import Path

import httpx
import pytest
from fake_telegram import CHANNEL_ID, GROUP_ID, FakeTelegram
from PIL import Image
from smmflow_telegram import plugin
from smmflow_telegram.client import redact
from smmflow_telegram.platform import OFFSET_STATE_KEY, TelegramPlatform

from smmflow.plugin_api import (
    Account,
    AuthExpired,
    Capability,
    Content,
    ContentRejected,
    JobContext,
    MediaItem,
    RateLimited,
    TransientError,
    UnknownOutcome,
)

MB = 1024 * 1024





@pytest.fixture
def account(fake: FakeTelegram) -> Account:
    return fake.account()


def _image(tmp_path: Path, name: str = "photo.jpg", size: tuple[int, int] = (800, 600)) -> MediaItem:
    path = tmp_path / name
    Image.new("RGB", size, (200, 80, 40)).save(path, "JPEG")
    return MediaItem(kind="image", mime_type="image/jpeg", size_bytes=path.stat().st_size,
                     path=str(path), filename=name, width=size[0], height=size[1], format="jpeg")


def _video(tmp_path: Path, name: str = "clip.mp4") -> MediaItem:
    path = tmp_path / name
    path.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(2048))
    return MediaItem(kind="video", mime_type="video/mp4", size_bytes=path.stat().st_size,
                     path=str(path), filename=name, width=1280, height=720, duration_seconds=12.4,
                     format="mp4")


def _next(ctx: JobContext) -> JobContext:
    return JobContext(settings=ctx.settings, http=ctx.http, log=ctx.log, state=dict(ctx.state))


def _codes(problems: list) -> set[str]:
    return {p.code for p in problems}


# -- declaration and registration ---------------------------------------------------------------
def test_declares_no_reconcile_no_post_metrics_and_only_delete(platform: TelegramPlatform) -> None:
    assert Capability.RECONCILE not in platform.capabilities
    assert Capability.POST_METRICS not in platform.capabilities
    assert Capability.NATIVE_SCHEDULE not in platform.capabilities
    assert platform.moderation_actions == frozenset({"delete"})
    assert platform.limits.max_text_length == 4096
    assert platform.limits.max_caption_length == 1024
    assert platform.limits.max_media == 10


def test_plugin_registers_the_platform_in_an_app(make_app) -> None:
    app = make_app(plugins=[plugin])
    platforms = app.extensions["smmflow"].platforms
    assert isinstance(platforms["telegram"], TelegramPlatform)


def test_entry_point_is_installed() -> None:
    from importlib.metadata import entry_points

    (ep,) = [ep for ep in entry_points(group="smmflow") if ep.name == "telegram"]
    assert ep.load() is plugin


# -- limits: caption with media, text without ---------------------------------------------------
def test_caption_limit_applies_with_media_and_text_limit_without(platform: TelegramPlatform,
                                                                  tmp_path: Path) -> None:
    photo = _image(tmp_path)
    assert platform.validate(Content(text="a" * 1025), {}) == []
    assert platform.validate(Content(text="a" * 1024, media=(photo,)), {}) == []
    (problem,) = platform.validate(Content(text="a" * 1025, media=(photo,)), {})
    assert (problem.field, problem.code) == ("text", "text_too_long")
    assert "caption" in problem.message and "1024" in problem.message and "Cut 1" in problem.message
    assert platform.validate(Content(text="a" * 4096), {}) == []
    (problem,) = platform.validate(Content(text="a" * 4097), {})
    assert "text is 4097 characters" in problem.message and "4096" in problem.message


def test_text_post_needs_text_but_a_photo_needs_no_caption(platform: TelegramPlatform,
                                                           tmp_path: Path) -> None:
    assert _codes(platform.validate(Content(text="  "), {})) == {"text_required"}
    assert platform.validate(Content(text="", media=(_image(tmp_path),)), {}) == []


def test_limits_count_the_text_after_markup_and_the_appended_link(platform: TelegramPlatform,
                                                                  tmp_path: Path) -> None:
    html = "<b>" + "a" * 4000 + "</b>" + "<i>x</i>" * 20   # 4020 visible, 4187 raw
    assert platform.validate(Content(text=html), {"parse_mode": "HTML"}) == []
    assert _codes(platform.validate(Content(text=html), {})) == {"text_too_long"}
    with_link = Content(text="a" * 1000, link="https://example.com/autumn",
                        media=(_image(tmp_path),))
    assert _codes(platform.validate(with_link, {})) == {"text_too_long"}


def test_validate_options_and_media_rules(platform: TelegramPlatform, tmp_path: Path) -> None:
    problems = platform.validate(Content(text="hi"), {"parse_mode": "BBCode"})
    assert [p.field for p in problems] == ["options.parse_mode"]
    assert [p.field for p in platform.validate(Content(text="hi"), {"colour": "red"})] == \
        ["options.colour"]
    photo, video = _image(tmp_path), _video(tmp_path)
    assert platform.validate(Content(text="album", media=(photo, video, photo)), {}) == []
    assert _codes(platform.validate(Content(text="x", media=(photo,) * 11), {})) == \
        {"too_many_media"}
    mov = MediaItem(kind="video", mime_type="video/quicktime", size_bytes=10, path="/x.mov",
                    format="mov")
    assert _codes(platform.validate(Content(media=(mov,)), {})) == {"video_format"}
    banner = MediaItem(kind="image", mime_type="image/png", size_bytes=10, path="/x.png",
                       width=8000, height=300, format="png")
    assert _codes(platform.validate(Content(media=(banner,)), {})) == {"aspect_ratio"}
    by_url = MediaItem(kind="image", mime_type="image/jpeg", size_bytes=6 * MB,
                       url="https://cdn.example.com/big.jpg", format="jpeg")
    (problem,) = platform.validate(Content(media=(by_url,)), {})
    assert problem.code == "media_too_big_for_url" and "5 MB" in problem.message


def test_publish_refuses_invalid_content_without_calling_telegram(platform, fake, ctx, account,
                                                                  tmp_path) -> None:
    with pytest.raises(ContentRejected, match="caption"):
        platform.publish(ctx, account, Content(text="a" * 1025, media=(_image(tmp_path),)), {}, "m")
    assert fake.calls == []


# -- publishing: text, photo, video, album --------------------------------------------------------
def test_text_post_with_options(platform, fake, ctx, account) -> None:
    result = platform.publish(ctx, account, Content(text="<b>Autumn</b> is here"),
                              {"parse_mode": "HTML", "disable_notification": True,
                               "disable_link_preview": True}, "m1")
    assert result.external_id == f"{CHANNEL_ID}:1"
    assert result.url == "https://t.me/smmflow_fake/1"
    assert result.published_at is not None and result.published_at.tzinfo is not None
    (msg,) = fake.channel_messages()
    assert msg["text"] == "Autumn is here"
    assert ctx.state["telegram_method"] == "sendMessage"


def test_photo_post_uploads_the_file_with_its_caption(platform, fake, ctx, account,
                                                      tmp_path) -> None:
    result = platform.publish(ctx, account, Content(text="New in store", media=(_image(tmp_path),)),
                              {"has_spoiler": True}, "m1")
    (msg,) = fake.channel_messages()
    assert result.external_id == f"{CHANNEL_ID}:{msg['message_id']}"
    assert msg["caption"] == "New in store"
    assert msg["photo"][0]["width"] == 800 and msg["has_media_spoiler"] is True
    assert fake.count() == 1


def test_video_post_sends_duration_and_size(platform, fake, ctx, account, tmp_path) -> None:
    platform.publish(ctx, account, Content(text="Watch", media=(_video(tmp_path),)), {}, "m1")
    (msg,) = fake.channel_messages()
    assert msg["video"]["duration"] == 12 and msg["video"]["width"] == 1280
    assert msg["caption"] == "Watch"


def test_album_mixes_photos_and_videos_with_the_caption_on_the_first(platform, fake, ctx, account,
                                                                    tmp_path) -> None:
    media = (_image(tmp_path, "a.jpg"), _video(tmp_path), _image(tmp_path, "b.jpg", (600, 800)))
    result = platform.publish(ctx, account, Content(text="Our week", media=media), {}, "m1")
    messages = fake.channel_messages()
    assert len(messages) == 3 and fake.count() == 1
    assert result.external_id == f"{CHANNEL_ID}:1,2,3"
    assert result.url == "https://t.me/smmflow_fake/1"
    assert len({m["media_group_id"] for m in messages}) == 1
    assert [m.get("caption") for m in messages] == ["Our week", None, None]
    assert ["photo" in messages[0], "video" in messages[1], "photo" in messages[2]] == [True] * 3


def test_album_of_ten_passes_and_delete_removes_every_item(platform, fake, ctx, account,
                                                           tmp_path) -> None:
    media = tuple(_image(tmp_path, f"{i}.jpg") for i in range(10))
    result = platform.publish(ctx, account, Content(media=media), {}, "m1")
    assert len(fake.channel_messages()) == 10
    platform.delete(ctx, account, result.external_id)
    assert fake.channel_messages() == [] and fake.count() == 0
    platform.delete(ctx, account, result.external_id)  # already gone: still fine


def test_single_post_delete_is_idempotent(platform, fake, ctx, account) -> None:
    result = platform.publish(ctx, account, Content(text="oops"), {}, "m1")
    platform.delete(ctx, account, result.external_id)
    platform.delete(ctx, account, result.external_id)
    assert fake.count() == 0


def test_private_channel_gets_a_t_me_c_link(platform, fake, ctx) -> None:
    fake.channel["username"] = None
    account = fake.account(chat_id=str(CHANNEL_ID))
    result = platform.publish(ctx, account, Content(text="members only"), {}, "m1")
    assert result.url == "https://t.me/c/1000000001/1"


# -- metrics: member count only, views absent --------------------------------------------------
def test_account_metrics_are_the_member_count_and_views_are_absent(platform, fake, ctx,
                                                                   account) -> None:
    fake.members = 4321
    assert platform.fetch_account_metrics(ctx, account) == {"followers": 4321}
    result = platform.publish(ctx, account, Content(text="hello"), {}, "m1")
    with pytest.raises(NotImplementedError, match="views"):
        platform.fetch_post_metrics(ctx, account, [result.external_id])


# -- unknown outcomes ----------------------------------------------------------------------------
def test_timeout_after_sending_is_unknown_and_the_channel_has_exactly_one_message(
        platform, fake, ctx, account) -> None:
    fake.fail_next("accept_then_timeout")
    with pytest.raises(UnknownOutcome, match="may have applied"):
        platform.publish(ctx, account, Content(text="launch"), {}, "m1")
    assert len(fake.channel_messages()) == 1 and fake.count() == 1
    assert ctx.state["telegram_method"] == "sendMessage" and "telegram_sent_at" in ctx.state
    with pytest.raises(NotImplementedError):
        platform.find_published(_next(ctx), account, "m1")


def test_timeout_of_an_album_is_unknown_too(platform, fake, ctx, account, tmp_path) -> None:
    fake.fail_next("accept_then_timeout")
    media = (_image(tmp_path, "a.jpg"), _image(tmp_path, "b.jpg"))
    with pytest.raises(UnknownOutcome):
        platform.publish(ctx, account, Content(text="two", media=media), {}, "m1")
    assert len(fake.channel_messages()) == 2 and fake.count() == 1


def test_unreachable_api_is_transient_not_unknown(platform, ctx, account) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    closed = JobContext(settings={"TELEGRAM_API_BASE": f"http://127.0.0.1:{port}"}, http=ctx.http,
                        log=ctx.log)
    with pytest.raises(TransientError, match="nothing was sent"):
        platform.publish(closed, account, Content(text="hi"), {}, "m1")


def test_a_slow_read_is_transient_and_a_slow_delete_can_be_retried(platform, fake, ctx,
                                                                   account) -> None:
    fake.fail_next("timeout", method="getChatMemberCount")
    with pytest.raises(TransientError):
        platform.fetch_account_metrics(ctx, account)
    result = platform.publish(ctx, account, Content(text="x"), {}, "m1")
    fake.fail_next("accept_then_timeout", method="deleteMessage")
    with pytest.raises(TransientError):
        platform.delete(ctx, account, result.external_id)
    platform.delete(ctx, account, result.external_id)   # retried: "not found" counts as done
    assert fake.count() == 0


# -- error mapping -------------------------------------------------------------------------------
def test_429_retry_after_is_parsed(platform, fake, ctx, account) -> None:
    fake.fail_next("rate_limit", retry_after=17)
    with pytest.raises(RateLimited) as info:
        platform.publish(ctx, account, Content(text="hi"), {}, "m1")
    assert info.value.retry_after == 17.0 and info.value.platform_code == "429"
    assert "Too Many Requests: retry after 17" in info.value.message


def test_flood_control_answers_429_with_the_wait(platform, fake, ctx, account) -> None:
    fake.flood_limit = (2, 30.0)
    for i in range(2):
        platform.publish(ctx, account, Content(text=f"post {i}"), {}, f"m{i}")
    with pytest.raises(RateLimited) as info:
        platform.publish(ctx, account, Content(text="post 3"), {}, "m3")
    assert 1 <= info.value.retry_after <= 30
    assert fake.count() == 2


@pytest.mark.parametrize(("kind", "error", "words"), [
    ("auth", AuthExpired, "@BotFather"),
    ("forbidden", AuthExpired, "administrator"),
    ("server_error", TransientError, "Internal Server Error"),
    ("bad_gateway", TransientError, "HTTP 502"),
    ("reject", ContentRejected, "PHOTO_INVALID_DIMENSIONS"),
])
def test_error_classes(platform, fake, ctx, account, kind, error, words) -> None:
    fake.fail_next(kind)
    with pytest.raises(error, match=words):
        platform.publish(ctx, account, Content(text="hi"), {}, "m1")
    assert fake.count() == 0


def test_revoked_and_malformed_tokens_and_a_kicked_bot_need_a_human(platform, fake, ctx) -> None:
    for token in ("123:revoked-token-abcdefghijklmnopqrstuvwxyz", "no-colon-token"):
        with pytest.raises(AuthExpired):
            platform.publish(ctx, fake.account(bot_token=token), Content(text="hi"), {}, "m1")
    with pytest.raises(AuthExpired, match="bot_token"):
        platform.publish(ctx, fake.account(bot_token=""), Content(text="hi"), {}, "m1")
    fake.bot_in_channel = False
    with pytest.raises(AuthExpired, match="Forbidden: bot is not a member"):
        platform.publish(ctx, fake.account(), Content(text="hi"), {}, "m1")


def test_migrated_group_says_which_id_to_use(platform, fake, ctx, account) -> None:
    fake.fail_next("migrate", to=-1009999)
    with pytest.raises(ContentRejected, match="-1009999"):
        platform.publish(ctx, account, Content(text="hi"), {}, "m1")


def test_the_fake_rejects_what_telegram_rejects(fake) -> None:
    base = f"{fake.url}/bot{fake.token}"
    answer = httpx.post(f"{base}/sendMessage", json={"chat_id": "@smmflow_fake", "text": "a" * 4097})
    assert answer.status_code == 400 and answer.json() == {
        "ok": False, "error_code": 400, "description": "Bad Request: message is too long"}
    answer = httpx.post(f"{base}/sendPhoto", data={"chat_id": "@smmflow_fake", "caption": "a" * 1025},
                        files={"photo": ("p.jpg", _jpeg(), "image/jpeg")})
    assert answer.json()["description"] == "Bad Request: message caption is too long"
    one = [{"type": "photo", "media": "attach://p"}]
    answer = httpx.post(f"{base}/sendMediaGroup", data={"chat_id": "@smmflow_fake", "media": _j(one)},
                        files={"p": ("p.jpg", _jpeg(), "image/jpeg")})
    assert answer.status_code == 400
    eleven = [{"type": "photo", "media": "attach://p"}] * 11
    answer = httpx.post(f"{base}/sendMediaGroup",
                        data={"chat_id": "@smmflow_fake", "media": _j(eleven)},
                        files={"p": ("p.jpg", _jpeg(), "image/jpeg")})
    assert answer.json()["description"] == "Bad Request: too many messages to send as an album"
    mixed = [{"type": "photo", "media": "attach://p"}, {"type": "document", "media": "attach://p"}]
    answer = httpx.post(f"{base}/sendMediaGroup", data={"chat_id": "@smmflow_fake", "media": _j(mixed)},
                        files={"p": ("p.jpg", _jpeg(), "image/jpeg")})
    assert "document can't be mixed" in answer.json()["description"]
    answer = httpx.post(f"{base}/sendPhoto", data={"chat_id": "@smmflow_fake"},
                        files={"photo": ("p.jpg", b"not an image", "image/jpeg")})
    assert answer.json()["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
    answer = httpx.post(f"{base}/sendMessage", json={"chat_id": "@nope", "text": "hi"})
    assert answer.json()["description"] == "Bad Request: chat not found"
    answer = httpx.post(f"{base}/sendMessage", json={"chat_id": "@smmflow_fake", "text": "hi.",
                                                     "parse_mode": "MarkdownV2"})
    assert "reserved" in answer.json()["description"]
    answer = httpx.post(f"{base}/sendMessage", json={"chat_id": "@smmflow_fake", "txt": "hi"})
    assert answer.status_code == 400
    assert httpx.post(f"{base}/sendMesage", json={}).status_code == 404
    assert httpx.post(f"{fake.url}/bot1:wrong/getMe").json()["error_code"] == 401
    assert httpx.get(f"{base}/GETME").json()["ok"] is True
    assert fake.count() == 0


def _jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48)).save(buffer, "JPEG")
    return buffer.getvalue()


def _j(value: object) -> str:
    import json

    return json.dumps(value)


# -- the token stays secret -------------------------------------------------------------------------
def test_the_token_never_appears_in_logs_or_errors(platform, fake, ctx, account, caplog,
                                                   tmp_path) -> None:
    caplog.set_level(logging.DEBUG)
    secret = fake.token.split(":", 1)[1]
    errors: list[Exception] = []
    platform.publish(ctx, account, Content(text="hi", media=(_image(tmp_path),)), {}, "m1")
    for kind in ("auth", "forbidden", "reject", "server_error", "rate_limit", "timeout",
                 "accept_then_timeout", "bad_gateway"):
        fake.fail_next(kind)
        with pytest.raises(Exception) as info:
            platform.publish(ctx, account, Content(text="hi"), {}, "m1")
        errors.append(info.value)
    ids = fake.seed_comments(1)
    (item,) = [i for i in platform.fetch_comments(ctx, account, None) if i.platform_id == ids[0]]
    platform.reply(ctx, account, item, "thanks")
    platform.moderate(ctx, account, item, "delete")
    platform.fetch_account_metrics(ctx, account)
    assert "HTTP Request" in caplog.text, "httpx logs requests; they must be redacted, not silenced"
    assert "/bot<redacted>" in caplog.text
    assert secret not in caplog.text
    for error in errors:
        assert secret not in str(error) and secret not in repr(error)
        assert error.__cause__ is None or secret not in str(error.__cause__)
    assert secret not in repr(account)


def test_redact_removes_tokens_from_urls_and_text() -> None:
    url = "https://api.telegram.org/bot123:ABC-def_ghi/sendMessage"
    assert redact(url) == "https://api.telegram.org/bot<redacted>/sendMessage"
    assert redact("token 123:ABC-def_ghi here", "123:ABC-def_ghi") == "token <redacted> here"


# -- moderation in the discussion group ----------------------------------------------------------
def test_comments_come_from_the_discussion_group_and_point_at_the_post(platform, fake, ctx,
                                                                       account) -> None:
    result = platform.publish(ctx, account, Content(text="What do you think?"), {}, "m1")
    ids = fake.seed_comments(2, post_external_id=result.external_id)
    reply_id = fake.add_group_message("I agree", reply_to=fake.message(ids[0]), user_id=777)
    fake.add_group_message("", extra={"new_chat_members": [{"id": 9, "is_bot": False,
                                                            "first_name": "New"}]})
    lobby = fake.add_group_message("Hello group")
    items = {i.platform_id: i for i in platform.fetch_comments(ctx, account, None)}
    assert set(items) == {*ids, reply_id, lobby}   # no automatic forward, no service message
    comment = items[ids[0]]
    assert comment.kind == "comment" and comment.post_external_id == result.external_id
    assert comment.author_name == "Reader 500" and comment.author_id == "500"
    assert comment.received_at.tzinfo is not None
    reply = items[reply_id]
    assert reply.kind == "reply" and reply.parent_id == ids[0] and reply.author_id == "777"
    assert items[lobby].kind == "message"


def test_since_filters_and_the_offset_is_kept_in_state(platform, fake, ctx, account) -> None:
    old = fake.seed_comments(1)
    fake.messages[fake._key(old[0])]["date"] = int(time.time()) - 3600
    since = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)
    new = fake.seed_comments(1)
    assert [i.platform_id for i in platform.fetch_comments(ctx, account, since)] == new
    assert isinstance(ctx.state[OFFSET_STATE_KEY], int)
    later = fake.seed_comments(1)
    # with the persisted offset only what is new comes back
    assert [i.platform_id for i in platform.fetch_comments(_next(ctx), account, None)] == later
    # without it, the last unconfirmed page is read again (at least once), never lost
    fresh = JobContext(settings=ctx.settings, http=ctx.http, log=ctx.log)
    assert later[0] in [i.platform_id for i in platform.fetch_comments(fresh, account, None)]


def test_comments_of_other_chats_and_without_a_group_are_skipped(platform, fake, ctx) -> None:
    fake.seed_comments(1)
    assert platform.fetch_comments(ctx, fake.account(discussion_chat_id=""), None) == []
    assert platform.fetch_comments(ctx, fake.account(discussion_chat_id="-100555"), None) == []


def test_many_updates_are_read_page_by_page(platform, fake, ctx, account) -> None:
    ids = fake.seed_comments(230)
    items = platform.fetch_comments(ctx, account, None)
    assert [i.platform_id for i in items] == ids
    assert sum(1 for method, _ in fake.calls if method == "getUpdates") == 3


def test_with_a_webhook_set_polling_gives_nothing_instead_of_failing(platform, fake, ctx) -> None:
    fake.seed_comments(1)
    fake.webhook = {"url": "https://smmflow.example/hooks/telegram"}
    # smmflow registered that webhook (it holds its secret): the comments arrive through it
    registered = fake.account(webhook_secret="the-secret-smmflow-set")
    assert platform.fetch_comments(ctx, registered, None) == []


def test_delete_a_comment_and_hide_is_not_supported(platform, fake, ctx, account) -> None:
    (cid,) = fake.seed_comments(1)
    (item,) = [i for i in platform.fetch_comments(ctx, account, None) if i.platform_id == cid]
    with pytest.raises(ContentRejected, match="cannot hide"):
        platform.moderate(ctx, account, item, "hide")
    assert fake.comment_state(cid) == "visible"
    platform.moderate(ctx, account, item, "delete")
    assert fake.comment_state(cid) == "deleted"
    platform.moderate(ctx, account, item, "delete")   # twice: already gone is fine


def test_moderation_refuses_messages_of_another_chat(platform, fake, ctx, account) -> None:
    (cid,) = fake.seed_comments(1)
    (item,) = [i for i in platform.fetch_comments(ctx, account, None) if i.platform_id == cid]
    foreign = type(item)(**{**item.__dict__, "platform_id": f"{CHANNEL_ID}:1"})
    with pytest.raises(ContentRejected, match="discussion group"):
        platform.moderate(ctx, account, foreign, "delete")


def test_reply_threads_under_the_comment(platform, fake, ctx, account) -> None:
    (cid,) = fake.seed_comments(1)
    (item,) = [i for i in platform.fetch_comments(ctx, account, None) if i.platform_id == cid]
    reply_id = platform.reply(ctx, account, item, "Thanks for reading!")
    assert reply_id.startswith(f"{GROUP_ID}:")
    assert fake.replies_to(cid) == [reply_id]
    assert fake.message(reply_id)["text"] == "Thanks for reading!"
    with pytest.raises(ContentRejected, match="4096"):
        platform.reply(ctx, account, item, "a" * 4097)
    fake.fail_next("accept_then_timeout", method="sendMessage")
    with pytest.raises(UnknownOutcome):
        platform.reply(ctx, account, item, "Once more")
    assert len(fake.replies_to(cid)) == 2


def test_messages_older_than_48_hours_cannot_be_deleted(platform, fake, ctx, account) -> None:
    (cid,) = fake.seed_comments(1)
    (item,) = [i for i in platform.fetch_comments(ctx, account, None) if i.platform_id == cid]
    fake.message(cid)["date"] = int(time.time()) - 49 * 3600
    with pytest.raises(ContentRejected, match="message can't be deleted"):
        platform.moderate(ctx, account, item, "delete")
    assert fake.comment_state(cid) == "visible"
