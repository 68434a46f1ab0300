"""The Instagram platform (Graph API, professional accounts).

Written only against :mod:`smmflow.plugin_api`. Publishing is container -> status polling ->
``media_publish`` for single images, carousels (2–10 images/videos) and reels; the container id
is saved before ``media_publish`` so a timeout is reconciled without a second post.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from marshmallow import ValidationError

from smmflow.plugin_api import (
    Account,
    AuthExpired,
    Capability,
    Content,
    ContentLimits,
    ContentRejected,
    InboxItemData,
    JobContext,
    Platform,
    Problem,
    PublishResult,
)
from smmflow_instagram import comments, metrics
from smmflow_instagram.client import GraphClient
from smmflow_instagram.errors import MISSING_OBJECT
from smmflow_instagram.options import InstagramOptions
from smmflow_instagram.publishing import Publisher, plan_post

MB = 1024 * 1024

LIMITS = ContentLimits(
    max_text_length=2200,
    max_caption_length=2200,
    max_hashtags=30,
    max_mentions=20,
    min_media=1,
    max_media=10,
    media_kinds=frozenset({"image", "video"}),
    image_formats=frozenset({"jpeg"}),
    max_image_bytes=8 * MB,
    min_image_width=320,
    max_image_width=1440,
    min_aspect_ratio=0.8,      # 4:5
    max_aspect_ratio=1.91,     # 1.91:1
    video_formats=frozenset({"mp4", "mov"}),
    max_video_bytes=300 * MB,
    min_video_seconds=3,
    max_video_seconds=15 * 60,
)

IMAGE_MIME = frozenset({"image/jpeg", "image/jpg", "image/pjpeg"})
VIDEO_MIME = frozenset({"video/mp4", "video/quicktime"})


class InstagramPlatform(Platform):
    """Instagram professional (business or creator) accounts through the Graph API."""

    name: ClassVar[str] = "instagram"
    display_name: ClassVar[str] = "Instagram"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.PUBLISH, Capability.RECONCILE, Capability.DELETE, Capability.POST_METRICS,
        Capability.ACCOUNT_METRICS, Capability.COMPETITOR_METRICS, Capability.COMMENTS,
        Capability.MODERATE, Capability.REPLY,
    })
    limits: ClassVar[ContentLimits] = LIMITS
    options_schema: ClassVar[type[InstagramOptions]] = InstagramOptions
    max_concurrency_per_account: ClassVar[int] = 1
    moderation_actions: ClassVar[frozenset[str]] = frozenset({"hide", "unhide", "delete"})

    # -- before approval ------------------------------------------------------------------
    def validate(self, content: Content, options: Mapping[str, Any]) -> list[Problem]:
        problems = super().validate(content, options)
        try:
            loaded = InstagramOptions().load(dict(options))
        except ValidationError:
            loaded = {"kind": "auto"}  # already reported by the base class
        _, reason = plan_post(content, loaded.get("kind", "auto"))
        if reason:
            problems.append(Problem("media", "post_kind", reason, self.name))
        for i, item in enumerate(content.media):
            where = f"media[{i}]"
            if not item.url:
                problems.append(Problem(
                    where, "media_url_missing",
                    f"Instagram downloads each file from a public web address, and "
                    f"{item.filename or 'this file'} has none. Store the file where it gets a "
                    "public URL, then try again.", self.name))
            elif not item.url.startswith(("http://", "https://")):
                problems.append(Problem(
                    where, "media_url_invalid",
                    "The file's address must be a public http(s) URL Instagram can download.",
                    self.name))
            if item.format is None and item.kind == "image" and \
                    item.mime_type.lower() not in IMAGE_MIME:
                problems.append(Problem(where, "image_format",
                                        "Instagram accepts JPEG images only; convert this image "
                                        "to JPEG.", self.name))
            if item.format is None and item.kind == "video" and \
                    item.mime_type.lower() not in VIDEO_MIME:
                problems.append(Problem(where, "video_format",
                                        "Instagram accepts MP4 and MOV videos only.", self.name))
        return problems

    # -- publishing ----------------------------------------------------------------------
    def publish(self, ctx: JobContext, account: Account, content: Content,
                options: Mapping[str, Any], marker: str) -> PublishResult:
        problems = self.validate(content, options)
        if problems:
            raise ContentRejected("Instagram would refuse this post: " +
                                  " ".join(p.message for p in problems))
        loaded = InstagramOptions().load(dict(options))
        return Publisher(ctx, GraphClient(ctx, account)).publish(content, loaded, marker)

    def find_published(self, ctx: JobContext, account: Account, marker: str) -> PublishResult | None:
        return Publisher(ctx, GraphClient(ctx, account)).find_published(marker)

    def delete(self, ctx: JobContext, account: Account, external_id: str) -> None:
        client = GraphClient(ctx, account)
        try:
            body = client.delete(external_id, repeatable=True)
        except ContentRejected as exc:
            if exc.platform_code == MISSING_OBJECT:
                return  # already gone
            raise
        except AuthExpired as exc:
            if exc.platform_code and not exc.platform_code.startswith("190"):
                raise ContentRejected(
                    f"{exc.message} Deleting a post through the API needs an account connected "
                    "with Facebook Login and the instagram_manage_contents permission; delete "
                    "it in the Instagram app instead.", platform_code=exc.platform_code) from None
            raise
        if body.get("success") is False:
            raise ContentRejected("Instagram did not delete the post.")

    # -- metrics -------------------------------------------------------------------------
    def fetch_post_metrics(self, ctx: JobContext, account: Account,
                           external_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        return metrics.post_metrics(GraphClient(ctx, account), ctx, external_ids)

    def fetch_account_metrics(self, ctx: JobContext, account: Account) -> dict[str, int]:
        if account.is_competitor:  # Business Discovery, on the lending account's IG user id
            return metrics.competitor_metrics(metrics.lender_client(ctx, account), account)
        return metrics.account_metrics(GraphClient(ctx, account))

    # -- moderation ----------------------------------------------------------------------
    def fetch_comments(self, ctx: JobContext, account: Account,
                       since: dt.datetime | None) -> list[InboxItemData]:
        return comments.fetch_comments(GraphClient(ctx, account), ctx, since)

    def moderate(self, ctx: JobContext, account: Account, item: InboxItemData,
                 action: str) -> None:
        if action not in self.moderation_actions:
            raise ContentRejected(f"Instagram cannot {action} a comment; it can "
                                  f"{', '.join(sorted(self.moderation_actions))}.")
        comments.moderate(GraphClient(ctx, account), item, action)

    def reply(self, ctx: JobContext, account: Account, item: InboxItemData, text: str) -> str:
        return comments.reply(GraphClient(ctx, account), item, text)
