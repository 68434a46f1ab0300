"""The VK platform: community wall posts, metrics and comment moderation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError, fields, validate

from smmflow.plugin_api import (
    Account,
    Capability,
    Content,
    ContentLimits,
    ContentRejected,
    InboxItemData,
    JobContext,
    Platform,
    Problem,
    PublishResult,
    WebhookRequest,
    WebhookResult,
)
from smmflow_vk import callback, comments, metrics, publishing
from smmflow_vk.client import VKClient, credentials_of

MB = 1_000_000

VK_LIMITS = ContentLimits(
    max_text_length=16384,            # commonly cited, not in VK's reference (unconfirmed)
    max_media=10,                     # photos/videos per post [V-POST]
    media_kinds=frozenset({"image"}),
    image_formats=frozenset({"jpeg", "png", "gif"}),
    max_image_bytes=50 * MB,          # [V-UPW]
    max_image_sides_sum=14000,        # width + height [V-UPW]
    min_aspect_ratio=1 / 20,          # at most 1:20 either way [V-UPW]
    max_aspect_ratio=20.0,
)


class VKOptions(Schema):
    """Per-target options of a VK post."""

    publish_date = fields.AwareDateTime(
        load_default=None, allow_none=True,
        error_messages={"invalid_awareness": "Give the time with its UTC offset, "
                                             "e.g. 2026-10-01T09:00:00+03:00.",
                        "invalid": "Not a valid date and time."},
        metadata={"description": "Let VK publish the post at this time (it waits in the "
                                 "community's scheduled posts until then)."})
    close_comments = fields.Boolean(load_default=False)
    mute_notifications = fields.Boolean(load_default=False)
    signed = fields.Boolean(load_default=False, metadata={"description": "Sign with the admin's name."})
    mark_as_ads = fields.Boolean(load_default=False)
    copyright = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000),
                              metadata={"description": "Source link shown under the post."})


class VKPlatform(Platform):
    name: ClassVar[str] = "vk"
    display_name: ClassVar[str] = "VK"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.PUBLISH, Capability.RECONCILE, Capability.DELETE, Capability.POST_METRICS,
        Capability.ACCOUNT_METRICS, Capability.COMPETITOR_METRICS, Capability.COMMENTS,
        Capability.MODERATE, Capability.REPLY, Capability.NATIVE_SCHEDULE, Capability.WEBHOOK,
    })
    limits: ClassVar[ContentLimits] = VK_LIMITS
    options_schema: ClassVar[type[Schema] | None] = VKOptions
    max_concurrency_per_account: ClassVar[int] = 1   # user tokens: 3 requests/s
    moderation_actions: ClassVar[frozenset[str]] = frozenset({"delete", "restore"})

    # -- before approval -------------------------------------------------------------------
    def validate(self, content: Content, options: Mapping[str, Any]) -> list[Problem]:
        problems = super().validate(content, options)
        if not content.text.strip() and not content.media and not content.link:
            problems.append(Problem("text", "empty_post",
                                    "A VK post needs text, a photo or a link.", self.name))
        for i, item in enumerate(content.media):
            if item.kind == "video":  # clearer than the generic "cannot be posted here"
                problems = [p for p in problems if not (p.field == f"media[{i}]" and p.code == "media_kind")]
                problems.append(Problem(f"media[{i}]", "video_unsupported",
                                        "Videos cannot be posted to VK by smmflow yet; post photos, or "
                                        "put a link to the video in the text.", self.name))
        return problems

    def load_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return VKOptions().load(dict(options))
        except ValidationError as exc:
            raise ContentRejected(f"Invalid VK options: {exc.normalized_messages()}") from None

    # -- publishing ------------------------------------------------------------------------
    def publish(self, ctx: JobContext, account: Account, content: Content,
                options: Mapping[str, Any], marker: str) -> PublishResult:
        opts = self.load_options(options)
        creds = credentials_of(account)
        return publishing.publish(ctx, VKClient(ctx, creds), creds, content.text, content.media,
                                  content.link, opts, marker)

    def find_published(self, ctx: JobContext, account: Account, marker: str) -> PublishResult | None:
        creds = credentials_of(account)
        return publishing.find_published(ctx, VKClient(ctx, creds), creds, marker)

    def delete(self, ctx: JobContext, account: Account, external_id: str) -> None:
        creds = credentials_of(account)
        owner_id, post_id = publishing.parse_external_id(external_id)
        try:
            VKClient(ctx, creds).call("wall.delete", {"owner_id": owner_id, "post_id": post_id})
        except ContentRejected as exc:
            if exc.platform_code != "104":  # "Not found": already deleted
                raise

    # -- metrics ---------------------------------------------------------------------------
    def fetch_post_metrics(self, ctx: JobContext, account: Account,
                           external_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        creds = credentials_of(account)
        if not external_ids:
            return {}
        return metrics.post_metrics(ctx, VKClient(ctx, creds), creds, external_ids)

    def fetch_account_metrics(self, ctx: JobContext, account: Account) -> dict[str, int]:
        if account.is_competitor:
            borrowed = metrics.borrowed_credentials(account)
            return metrics.competitor_metrics(ctx, VKClient(ctx, borrowed), account)
        creds = credentials_of(account)
        return metrics.account_metrics(VKClient(ctx, creds), creds)

    # -- moderation ------------------------------------------------------------------------
    def fetch_comments(self, ctx: JobContext, account: Account,
                       since: dt.datetime | None) -> list[InboxItemData]:
        creds = credentials_of(account)
        return comments.fetch(ctx, VKClient(ctx, creds), creds, since)

    def moderate(self, ctx: JobContext, account: Account, item: InboxItemData, action: str) -> None:
        creds = credentials_of(account)
        comments.moderate(VKClient(ctx, creds), item, action)

    def reply(self, ctx: JobContext, account: Account, item: InboxItemData, text: str) -> str:
        creds = credentials_of(account)
        return comments.reply(VKClient(ctx, creds), creds, item, text)

    # -- Callback API ----------------------------------------------------------------------
    def receive_webhook(self, ctx: JobContext, account: Account,
                        request: WebhookRequest) -> WebhookResult:
        """A Callback API event: the confirmation, or a wall comment event (see :mod:`.callback`).

        The event's ``group_id`` must be the account's community and its ``secret``
        the account's ``callback_secret``; the confirmation is answered with
        ``callback_confirmation``. VK's servers are set up by a person in the
        community's settings, so there is no ``register_webhook``.
        """
        return callback.receive(account, request)
