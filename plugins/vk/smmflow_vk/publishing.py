"""Community wall posts: the photo upload flow, ``wall.post`` with ``guid``, reconciliation.

State saved with ``ctx.save_state`` (before the call that may time out):

``vk_marker``, ``vk_media_key``, ``vk_photos``
    photos already uploaded and saved for this marker (reused by a retry);
``vk_message``, ``vk_attachments``, ``vk_publish_date``, ``vk_sent_at``
    what ``wall.post`` was sent with, to recognise the post on the wall;
``vk_post_id``
    the post id once VK answered.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from smmflow.plugin_api import ContentRejected, JobContext, MediaItem, PublishResult, TransientError
from smmflow_vk.client import Credentials, VKClient, parse_json_field

# A post found on the wall must be dated at most this long before the attempt (clock skew).
DATE_SLACK_SECONDS = 300
# wall.get page size (VK maximum) used by reconciliation.
WALL_SCAN_COUNT = 100
# publish_date closer to now than this is sent as an immediate post.
MIN_SCHEDULE_AHEAD = dt.timedelta(seconds=60)


def external_id(owner_id: int, post_id: int) -> str:
    return f"{owner_id}_{post_id}"


def post_url(owner_id: int, post_id: int) -> str:
    return f"https://vk.com/wall{owner_id}_{post_id}"


def parse_external_id(value: str) -> tuple[int, int]:
    """``"-123_45"`` -> ``(-123, 45)``."""
    owner, _, item = str(value).rpartition("_")
    try:
        return int(owner), int(item)
    except ValueError:
        raise ContentRejected(f"{value!r} is not a VK id of the form <owner_id>_<id>.") from None


def result_for(owner_id: int, post_id: int, published_at: dt.datetime | None) -> PublishResult:
    return PublishResult(external_id=external_id(owner_id, post_id), url=post_url(owner_id, post_id),
                         published_at=published_at)


def media_key(media: tuple[MediaItem, ...]) -> list[str]:
    return [item.sha256 or item.path or item.url or str(i) for i, item in enumerate(media)]


# -- publishing ------------------------------------------------------------------------------
def publish(ctx: JobContext, client: VKClient, creds: Credentials, text: str,
            media: tuple[MediaItem, ...], link: str | None, options: Mapping[str, Any],
            marker: str) -> PublishResult:
    now = ctx.clock()
    key = media_key(media)
    photos: list[str] | None = None
    if ctx.state.get("vk_marker") == marker and ctx.state.get("vk_media_key") == key:
        photos = list(ctx.state.get("vk_photos") or [])
    if photos is None:
        photos = [upload_wall_photo(client, creds, item) for item in media]
        ctx.save_state(vk_marker=marker, vk_media_key=key, vk_photos=photos)
    attachments = photos + ([link] if link else [])

    publish_ts: int | None = None
    when: dt.datetime | None = options.get("publish_date")
    if when is not None:
        if when - now >= MIN_SCHEDULE_AHEAD:
            publish_ts = int(when.timestamp())
        else:
            ctx.log.info("publish_date %s has passed; posting to VK now", when.isoformat())
    params: dict[str, Any] = {
        "owner_id": creds.owner_id,
        "from_group": True,
        "message": text or None,
        "attachments": attachments or None,
        "guid": marker,
        "publish_date": publish_ts,
        "close_comments": options.get("close_comments") or None,
        "mute_notifications": options.get("mute_notifications") or None,
        "signed": options.get("signed") or None,
        "mark_as_ads": options.get("mark_as_ads") or None,
        "copyright": options.get("copyright") or None,
    }
    ctx.save_state(vk_marker=marker, vk_media_key=key, vk_photos=photos, vk_message=text,
                   vk_attachments=attachments, vk_publish_date=publish_ts,
                   vk_sent_at=int(now.timestamp()), vk_post_id=None)
    answer = client.call("wall.post", params, write=True)
    try:
        post_id = int(answer["post_id"])
    except (KeyError, TypeError, ValueError):
        raise TransientError("VK accepted wall.post without a post_id.") from None
    ctx.save_state(vk_post_id=post_id)
    published_at = dt.datetime.fromtimestamp(publish_ts, dt.UTC) if publish_ts else now
    return result_for(creds.owner_id, post_id, published_at)


def upload_wall_photo(client: VKClient, creds: Credentials, item: MediaItem) -> str:
    """getWallUploadServer -> multipart upload -> saveWallPhoto; returns ``photo<owner>_<id>``."""
    if item.kind != "image":
        raise ContentRejected(f"{item.kind} files cannot be posted to VK by this plugin.")
    server = client.call("photos.getWallUploadServer", {"group_id": creds.group_id})
    upload_url = server.get("upload_url") if isinstance(server, dict) else None
    if not upload_url:
        raise TransientError("VK gave no upload_url for the wall photo.")
    content = read_media(client, item)
    ext = (item.format or "jpg").replace("jpeg", "jpg")
    uploaded = client.upload(upload_url, field="photo", filename=item.filename or f"photo.{ext}",
                             content=content, mime_type=item.mime_type or "image/jpeg")
    photo = uploaded.get("photo")
    if not photo or parse_json_field(photo) in ([], "", None):
        raise ContentRejected(f"VK's upload server did not accept the image "
                              f"{item.filename or 'file'}; use a JPG, PNG or GIF under 50 MB.")
    saved = client.call("photos.saveWallPhoto", {
        "group_id": creds.group_id, "photo": photo, "server": uploaded.get("server"),
        "hash": uploaded.get("hash"),
    })
    first = saved[0] if isinstance(saved, list) and saved else None
    if not isinstance(first, dict) or "id" not in first:
        raise TransientError("VK saved the wall photo without an id.")
    return f"photo{first.get('owner_id', creds.owner_id)}_{first['id']}"


def read_media(client: VKClient, item: MediaItem) -> bytes:
    if item.path:
        try:
            return Path(item.path).read_bytes()
        except OSError:
            raise ContentRejected(f"The media file {item.filename or item.path} cannot be read "
                                  "on the worker.") from None
    if item.url:
        return client.download(item.url)
    raise ContentRejected("A media item has neither a file path nor a URL.")


# -- reconciliation --------------------------------------------------------------------------
def find_published(ctx: JobContext, client: VKClient, creds: Credentials,
                   marker: str) -> PublishResult | None:
    """The post made for ``marker``: by the saved post id, else by matching the wall.

    VK's post objects do not carry ``guid`` back (schema 5.199), so the wall
    is matched on what ``wall.post`` was sent with: the exact text, the exact
    attachment set (photo ids are unique per upload) and a date not before the
    attempt. ``guid`` is still compared first, should VK ever return it.
    """
    state = ctx.state
    if state.get("vk_marker") != marker:
        ctx.log.warning("no saved VK state for this marker; a retry relies on guid to avoid a "
                        "double post")
        return None
    if state.get("vk_post_id"):
        return result_for(creds.owner_id, int(state["vk_post_id"]), None)
    if "vk_sent_at" not in state:
        return None  # wall.post was never sent
    filters = ["postponed", "owner"] if state.get("vk_publish_date") else ["owner"]
    for wall_filter in filters:
        page = client.call("wall.get", {"owner_id": creds.owner_id, "filter": wall_filter,
                                        "count": WALL_SCAN_COUNT})
        for post in page.get("items", []) if isinstance(page, dict) else []:
            if matches(post, marker, state):
                post_id = int(post["id"])
                ctx.save_state(vk_post_id=post_id)
                return result_for(creds.owner_id, post_id,
                                  dt.datetime.fromtimestamp(int(post.get("date", 0)), dt.UTC))
    return None


def attachment_keys(post: Mapping[str, Any]) -> set[str]:
    keys: set[str] = set()
    for att in post.get("attachments") or []:
        kind = att.get("type")
        obj = att.get(kind) or {}
        if kind == "link":
            keys.add(str(obj.get("url", "")))
        elif "id" in obj:
            keys.add(f"{kind}{obj.get('owner_id')}_{obj['id']}")
    return keys


def matches(post: Mapping[str, Any], marker: str, state: Mapping[str, Any]) -> bool:
    if post.get("guid") is not None:
        return str(post["guid"]) == marker
    if (post.get("text") or "").strip() != (state.get("vk_message") or "").strip():
        return False
    if attachment_keys(post) != set(state.get("vk_attachments") or []):
        return False
    return int(post.get("date", 0)) >= int(state["vk_sent_at"]) - DATE_SLACK_SECONDS


def reply_guid(platform_id: str, text: str) -> str:
    """A stable guid for a reply, so a retried ``wall.createComment`` is not doubled."""
    return "smmflow-" + hashlib.sha256(f"{platform_id}\n{text}".encode()).hexdigest()[:32]
