"""Publishing on Instagram: container, status polling, ``media_publish``, reconciliation.

Instagram has no idempotency key. The plugin persists the container id (``creation_id``)
with ``ctx.save_state`` as soon as the container exists, i.e. before ``media_publish``, the
call that may time out after being applied. On the next attempt (or in ``find_published``)
the container's ``status_code`` tells what happened:

``PUBLISHED``  the post exists: it is looked up in ``GET /{ig-user-id}/media`` (caption and
               time of the container) and returned, never published again;
``FINISHED``   it was never published: the same container is published (once), provided it
               was made from the same content (caption, media URLs, options);
``EXPIRED``    / ``ERROR`` / unknown container: a new container is created.

A container still processing after ``INSTAGRAM_POLL_ATTEMPTS`` checks ends the attempt with a
TransientError; the retry resumes polling the same container (Meta advises polling about once a
minute for up to five minutes, which the core's retries with backoff provide).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Mapping
from typing import Any

from smmflow.plugin_api import (
    Content,
    ContentRejected,
    JobContext,
    MediaItem,
    PublishResult,
    RateLimited,
    TransientError,
)
from smmflow_instagram.client import GraphClient, parse_graph_time
from smmflow_instagram.errors import MISSING_OBJECT, ContainerExpired, MediaNotReady

IMAGE, REELS, CAROUSEL = "IMAGE", "REELS", "CAROUSEL"
READ_BACK_TYPE = {IMAGE: "IMAGE", REELS: "VIDEO", CAROUSEL: "CAROUSEL_ALBUM"}
TRANSIENT_STATUS_CODES = ("2207001", "2207003", "2207032")
MATCH_SLACK = 300.0  # s of clock skew allowed between our clock and Instagram's timestamps


def plan_post(content: Content, kind: str = "auto") -> tuple[str | None, str | None]:
    """What ``content`` becomes on Instagram: ``(IMAGE|REELS|CAROUSEL, None)`` or
    ``(None, reason)`` when the combination of files and ``kind`` is impossible."""
    media = content.media
    if not media:
        return None, None  # "media required" is reported by the limits
    if len(media) >= 2:
        if kind == "reel":
            return None, "A reel is exactly one video; this post has several files."
        return CAROUSEL, None
    if media[0].kind == "video":
        if kind == "feed":
            return None, ("A single video is published as a reel on Instagram; choose the "
                          "'reel' kind or add more files for a carousel.")
        return REELS, None
    if kind == "reel":
        return None, "A reel needs a video; this post has an image."
    return IMAGE, None


def caption_digest(caption: str) -> str:
    return hashlib.sha256(caption.strip().encode("utf-8")).hexdigest()


def content_digest(content: Content, options: Mapping[str, Any]) -> str:
    """What a container was made from: a container of other content is never published."""
    parts = [content.text.strip(), *(item.url or "" for item in content.media),
             *(f"{k}={options[k]}" for k in sorted(options))]
    return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()


def _number(ctx: JobContext, key: str, default: float) -> float:
    raw = ctx.setting(key)
    try:
        value = float(raw) if raw is not None else default
    except ValueError:
        return default
    return value if value >= 0 else default


class Publisher:
    """One publish (or reconciliation) of one target."""

    def __init__(self, ctx: JobContext, client: GraphClient) -> None:
        self.ctx = ctx
        self.client = client
        self.poll_interval = _number(ctx, "INSTAGRAM_POLL_INTERVAL", 2.0)
        self.poll_attempts = max(1, int(_number(ctx, "INSTAGRAM_POLL_ATTEMPTS", 8)))
        self.quota_wait = _number(ctx, "INSTAGRAM_QUOTA_RETRY_SECONDS", 3600.0) or 3600.0
        self.find_pages = max(1, int(_number(ctx, "INSTAGRAM_FIND_PAGES", 5)))

    # -- publish ------------------------------------------------------------------------
    def publish(self, content: Content, options: Mapping[str, Any], marker: str) -> PublishResult:
        kind, reason = plan_post(content, str(options.get("kind", "auto")))
        if kind is None:
            raise ContentRejected(reason or "Instagram needs at least one image or video.")
        state = self._state(marker)
        if state.get("media_id"):
            return self._result(str(state["media_id"]))
        creation_id = state.get("creation_id")
        if creation_id:
            status = self._status(str(creation_id))
            if status in ("PUBLISHED", None):
                found = self._find_media(state)
                if found is not None:
                    self.ctx.save_state(media_id=found.external_id)
                    return found
                if status == "PUBLISHED":
                    raise TransientError("Instagram reports the post as published but it is not "
                                         "listed yet; checking again later.")
            if status not in ("FINISHED", "IN_PROGRESS") or \
                    state.get("content_sha256") != content_digest(content, options):
                creation_id = None  # expired, failed, gone or made from other content: a new one
        self._check_quota()
        if not creation_id:
            creation_id = self._create(content, options, kind, marker)
        self._wait_finished(str(creation_id))
        media_id = self._media_publish(str(creation_id))
        self.ctx.save_state(media_id=media_id)
        return self._result(media_id)

    # -- reconcile ----------------------------------------------------------------------
    def find_published(self, marker: str) -> PublishResult | None:
        state = self._state(marker)
        if state.get("media_id"):
            return self._result(str(state["media_id"]))
        creation_id = state.get("creation_id")
        if not creation_id:
            return None  # no container was ever created, so nothing can have been published
        status = self._status(str(creation_id))
        if status == "PUBLISHED":
            found = self._find_media(state)
            if found is None:
                raise TransientError("Instagram reports the post as published but it is not "
                                     "listed yet; checking again later.")
            self.ctx.save_state(media_id=found.external_id)
            return found
        if status is None:
            # the container is gone (expired or unknown): look for the post itself
            found = self._find_media(state)
            if found is not None:
                self.ctx.save_state(media_id=found.external_id)
            return found
        return None  # FINISHED / IN_PROGRESS / EXPIRED / ERROR: never published

    # -- steps --------------------------------------------------------------------------
    def _state(self, marker: str) -> dict[str, Any]:
        state = self.ctx.state
        if state.get("marker") not in (None, marker):
            return {}
        return state

    def _check_quota(self) -> None:
        body = self.client.get(f"{self.client.ig_user_id}/content_publishing_limit",
                               {"fields": "quota_usage,config"})
        data = body.get("data")
        entry = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else {}
        usage = entry.get("quota_usage")
        config = entry.get("config") if isinstance(entry.get("config"), dict) else {}
        total = config.get("quota_total")
        if isinstance(usage, int) and isinstance(total, int) and total > 0 and usage >= total:
            raise RateLimited(f"The Instagram publishing limit is used up: {usage} of {total} "
                              "posts in the last 24 hours. Publishing resumes when the window "
                              "frees up.", retry_after=self.quota_wait, platform_code="quota")

    def _create(self, content: Content, options: Mapping[str, Any], kind: str, marker: str) -> str:
        user = self.client.ig_user_id
        caption = content.text or None
        location = options.get("location_id")
        created_at = self.ctx.clock().timestamp()
        if kind == IMAGE:
            params: dict[str, Any] = {"image_url": _url(content.media[0]), "caption": caption,
                                      "alt_text": options.get("alt_text"), "location_id": location}
        elif kind == REELS:
            params = {"media_type": "REELS", "video_url": _url(content.media[0]),
                      "caption": caption, "share_to_feed": options.get("share_to_feed"),
                      "cover_url": options.get("cover_url"),
                      "thumb_offset": options.get("thumb_offset"), "location_id": location}
        else:
            children: list[str] = []
            for item in content.media:
                child = ({"media_type": "VIDEO", "video_url": _url(item)} if item.kind == "video"
                         else {"image_url": _url(item)})
                child["is_carousel_item"] = True
                children.append(self._container(user, child))
                self.ctx.save_state(marker=marker, children=list(children))
            for child_id in children:
                self._wait_finished(child_id, what="carousel item")
            params = {"media_type": "CAROUSEL", "children": children, "caption": caption,
                      "location_id": location}
        creation_id = self._container(user, params)
        self.ctx.save_state(marker=marker, creation_id=creation_id, created_at=created_at,
                            caption_sha256=caption_digest(content.text),
                            content_sha256=content_digest(content, options),
                            media_type=READ_BACK_TYPE[kind], media_id=None)
        return creation_id

    def _container(self, user: str, params: Mapping[str, Any]) -> str:
        # An unused container is harmless (it expires after 24 h), so a timeout here is transient.
        body = self.client.post(f"{user}/media", params, repeatable=True)
        container_id = body.get("id")
        if not container_id:
            raise TransientError("Instagram created a media container without an id.")
        return str(container_id)

    def _status(self, container_id: str) -> str | None:
        """The container's ``status_code``; None when Instagram no longer knows it."""
        try:
            body = self.client.get(container_id, {"fields": "status_code,status"})
        except ContainerExpired:
            return None
        except ContentRejected as exc:
            if exc.platform_code == MISSING_OBJECT:
                return None
            raise
        return str(body.get("status_code") or "") or None

    def _wait_finished(self, container_id: str, what: str = "media") -> str:
        for attempt in range(self.poll_attempts):
            body = self.client.get(container_id, {"fields": "status_code,status"})
            status = str(body.get("status_code") or "")
            if status in ("FINISHED", "PUBLISHED"):
                return status
            if status == "ERROR":
                detail = str(body.get("status") or "no detail")
                self.ctx.save_state(creation_id=None)
                if any(code in detail for code in TRANSIENT_STATUS_CODES):
                    raise TransientError(f"Instagram failed to process the {what} ({detail}); "
                                         "a new container will be created.")
                raise ContentRejected(f"Instagram could not process the {what}: {detail}. Check "
                                      "the file against Instagram's media specifications.")
            if status == "EXPIRED":
                self.ctx.save_state(creation_id=None)
                raise ContainerExpired(f"The Instagram container of the {what} expired; a new "
                                       "one will be created.")
            if attempt + 1 < self.poll_attempts:
                time.sleep(self.poll_interval)
        raise TransientError(f"Instagram is still processing the {what} after "
                             f"{self.poll_attempts} checks; trying again later.")

    def _media_publish(self, creation_id: str) -> str:
        for attempt in range(3):
            try:
                body = self.client.post(f"{self.client.ig_user_id}/media_publish",
                                        {"creation_id": creation_id})
            except MediaNotReady:
                if attempt == 2:
                    raise
                time.sleep(self.poll_interval)
                self._wait_finished(creation_id)
                continue
            media_id = body.get("id")
            if not media_id:
                raise TransientError("Instagram published without returning a media id.")
            return str(media_id)
        raise TransientError("Instagram kept reporting the media as not ready.")

    def _result(self, media_id: str) -> PublishResult:
        try:
            body = self.client.get(media_id, {"fields": "id,permalink,timestamp"})
        except (TransientError, RateLimited) as exc:
            self.ctx.log.warning("instagram: published %s but could not read its link: %s",
                                 media_id, exc)
            return PublishResult(external_id=media_id)
        return PublishResult(external_id=media_id, url=body.get("permalink") or None,
                             published_at=parse_graph_time(body.get("timestamp")))

    def _find_media(self, state: Mapping[str, Any]) -> PublishResult | None:
        """The account's media made from this target's container: same caption, same kind,
        published after the container was created; the earliest one if several."""
        created_at = float(state.get("created_at") or 0.0)
        digest = state.get("caption_sha256")
        media_type = state.get("media_type")
        params: dict[str, Any] = {"fields": "id,caption,media_type,permalink,timestamp",
                                  "limit": 50}
        if created_at:
            params["since"] = int(created_at - MATCH_SLACK)
        best: tuple[dt.datetime, dict[str, Any]] | None = None
        for item in self.client.pages(f"{self.client.ig_user_id}/media", params, self.find_pages):
            when = parse_graph_time(item.get("timestamp"))
            if when is None or when.timestamp() < created_at - MATCH_SLACK:
                continue
            if digest and caption_digest(str(item.get("caption") or "")) != digest:
                continue
            if media_type and item.get("media_type") and item.get("media_type") != media_type:
                continue
            if best is None or when < best[0]:
                best = (when, item)
        if best is None:
            return None
        when, item = best
        return PublishResult(external_id=str(item["id"]), url=item.get("permalink") or None,
                             published_at=when)


def _url(item: MediaItem) -> str:
    if not item.url:
        raise ContentRejected("Instagram downloads media from a public URL, and a file of this "
                              "post has none.")
    return item.url
