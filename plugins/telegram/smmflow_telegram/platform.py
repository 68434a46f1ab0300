"""The Telegram platform: posts to a channel through a bot, moderation in its discussion group."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from marshmallow import Schema, fields, validate

from smmflow.plugin_api import (
    WEBHOOK_SECRET_KEY,
    Account,
    AuthExpired,
    Capability,
    Content,
    ContentLimits,
    ContentRejected,
    InboxItemData,
    JobContext,
    MediaItem,
    Platform,
    Problem,
    PublishResult,
    TransientError,
    WebhookRequest,
    WebhookResult,
)
from smmflow_telegram import competitors, webhook
from smmflow_telegram.client import FileField, TelegramClient
from smmflow_telegram.text import PARSE_MODES, visible_text
from smmflow_telegram.updates import chat_matches, message_id, parse_update, split_id

MB = 1024 * 1024
TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
ALBUM_MIN, ALBUM_MAX = 2, 10
URL_PHOTO_BYTES = 5 * MB          # Telegram downloads photos given by URL up to 5 MB
URL_OTHER_BYTES = 20 * MB         # and other files up to 20 MB
UPDATES_PAGE = 100
OFFSET_STATE_KEY = "telegram_update_offset"


class TelegramOptions(Schema):
    """Per-target options of a Telegram post."""

    parse_mode = fields.String(validate=validate.OneOf(PARSE_MODES), allow_none=True,
                               metadata={"description": "Markup of the text: HTML or MarkdownV2"})
    disable_notification = fields.Boolean(metadata={"description": "Post silently"})
    protect_content = fields.Boolean(metadata={"description": "Forbid forwarding and saving"})
    disable_link_preview = fields.Boolean(metadata={"description": "No preview of the first link"})
    has_spoiler = fields.Boolean(metadata={"description": "Blur photos/videos until tapped"})
    show_caption_above_media = fields.Boolean(metadata={"description": "Caption above the media"})


@dataclasses.dataclass(frozen=True)
class Credentials:
    token: str
    chat_id: str
    discussion_chat_id: str | None

    @classmethod
    def of(cls, account: Account) -> Credentials:
        creds = account.credentials or {}
        chat_id = str(creds.get("chat_id") or "").strip()
        if not chat_id:
            raise AuthExpired("The social account has no chat_id in its credentials: set it to the "
                              "channel's @username or its numeric id (-100...).")
        discussion = str(creds.get("discussion_chat_id") or "").strip() or None
        return cls(str(creds.get("bot_token") or ""), chat_id, discussion)


def post_url(chat: Mapping[str, Any], msg_id: int) -> str | None:
    """Permalink of a channel message: t.me/<username>/<id> or t.me/c/<id>/<id> for private ones."""
    if chat.get("username"):
        return f"https://t.me/{chat['username']}/{msg_id}"
    chat_id = str(chat.get("id", ""))
    if chat_id.startswith("-100"):
        return f"https://t.me/c/{chat_id[4:]}/{msg_id}"
    return None


def _read(item: MediaItem, index: int) -> FileField:
    assert item.path is not None
    try:
        data = Path(item.path).read_bytes()
    except OSError as exc:
        raise TransientError(f"media[{index}]: the file cannot be read on this worker "
                             f"({exc.strerror or type(exc).__name__}).") from None
    name = item.filename or Path(item.path).name
    return name, data, item.mime_type or "application/octet-stream"


class TelegramPlatform(Platform):
    """Telegram channel via the Bot API.

    Telegram gives no idempotency key and no way to list a channel's messages,
    so a send that timed out cannot be verified: the platform has no
    ``reconcile`` capability and such targets end ``unknown`` for a person.
    """

    name: ClassVar[str] = "telegram"
    display_name: ClassVar[str] = "Telegram"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.PUBLISH, Capability.DELETE, Capability.ACCOUNT_METRICS,
        Capability.COMPETITOR_METRICS, Capability.COMMENTS, Capability.MODERATE, Capability.REPLY,
        Capability.WEBHOOK, Capability.REGISTER_WEBHOOK,
    })
    limits: ClassVar[ContentLimits] = ContentLimits(
        max_text_length=TEXT_LIMIT,
        min_text_length=0,               # a text-only post needs 1 char: checked in validate()
        max_caption_length=CAPTION_LIMIT,
        max_media=ALBUM_MAX,
        media_kinds=frozenset({"image", "video"}),
        image_formats=frozenset({"jpeg", "png"}),
        max_image_bytes=10 * MB,
        max_image_sides_sum=10000,
        min_aspect_ratio=1 / 20,
        max_aspect_ratio=20.0,
        video_formats=frozenset({"mp4"}),
        max_video_bytes=50 * MB,
    )
    options_schema: ClassVar[type[Schema] | None] = TelegramOptions
    max_concurrency_per_account: ClassVar[int] = 1   # about 1 message per second per chat
    moderation_actions: ClassVar[frozenset[str]] = frozenset({"delete"})

    # -- before approval -------------------------------------------------------------
    @staticmethod
    def message_text(content: Content) -> str:
        """The text sent: the post's text, with its link appended when the text lacks it."""
        text = content.text
        if content.link and content.link not in text:
            text = f"{text}\n\n{content.link}" if text else content.link
        return text

    def validate(self, content: Content, options: Mapping[str, Any]) -> list[Problem]:
        parse_mode = options.get("parse_mode") if isinstance(options.get("parse_mode"), str) else None
        visible = visible_text(self.message_text(content), parse_mode)
        problems = super().validate(dataclasses.replace(content, text=visible), options)
        if not content.media and not visible.strip():
            problems.append(Problem("text", "text_required",
                                    "A Telegram post without a photo or video needs some text.",
                                    self.name))
        for i, item in enumerate(content.media):
            where = f"media[{i}]"
            if not item.path and not item.url:
                problems.append(Problem(where, "media_missing",
                                        "The file is missing; upload it again.", self.name))
            elif not item.path:
                cap = URL_PHOTO_BYTES if item.kind == "image" else URL_OTHER_BYTES
                if item.size_bytes > cap:
                    problems.append(Problem(
                        where, "media_too_big_for_url",
                        f"Telegram fetches {'photos' if item.kind == 'image' else 'videos'} by link "
                        f"only up to {cap // MB} MB and this one is {item.size_bytes / MB:.1f} MB; "
                        "upload the file to smmflow instead of linking it.", self.name))
        return problems

    # -- publishing ------------------------------------------------------------------
    def publish(self, ctx: JobContext, account: Account, content: Content,
                options: Mapping[str, Any], marker: str) -> PublishResult:
        problems = self.validate(content, options)
        if problems:
            raise ContentRejected(" ".join(f"{p.field}: {p.message}" for p in problems))
        creds = Credentials.of(account)
        client = TelegramClient(ctx, creds.token)
        method, params, files = self._request(creds.chat_id, content, options)
        # Nothing to reconcile with later, but a person handling an "unknown" target
        # needs to know what was sent and when.
        ctx.save_state(telegram_method=method, telegram_sent_at=ctx.clock().isoformat())
        result = client.call(method, params, files=files or None, write=True)
        messages = result if isinstance(result, list) else [result]
        if not messages or not all(isinstance(m, Mapping) and "message_id" in m for m in messages):
            raise ContentRejected(f"Telegram {method} answered without a message.")
        first = messages[0]
        chat = first.get("chat") or {}
        chat_id = chat.get("id", creds.chat_id)
        ids = ",".join(str(m["message_id"]) for m in messages)
        ctx.log.info("telegram %s published %s (marker %s)", method, f"{chat_id}:{ids}", marker)
        return PublishResult(
            external_id=f"{chat_id}:{ids}",
            url=post_url(chat, first["message_id"]),
            published_at=dt.datetime.fromtimestamp(int(first.get("date") or 0), dt.UTC)
            if first.get("date") else None,
        )

    def _request(self, chat_id: str, content: Content, options: Mapping[str, Any]
                 ) -> tuple[str, dict[str, Any], dict[str, FileField]]:
        text = self.message_text(content)
        parse_mode = options.get("parse_mode") or None
        params: dict[str, Any] = {"chat_id": chat_id}
        for flag in ("disable_notification", "protect_content"):
            if options.get(flag):
                params[flag] = True
        files: dict[str, FileField] = {}
        if not content.media:
            params.update(text=text, parse_mode=parse_mode)
            if options.get("disable_link_preview"):
                params["link_preview_options"] = {"is_disabled": True}
            return "sendMessage", params, files
        media_extra: dict[str, Any] = {}
        if options.get("has_spoiler"):
            media_extra["has_spoiler"] = True
        if options.get("show_caption_above_media"):
            media_extra["show_caption_above_media"] = True
        if len(content.media) == 1:
            item = content.media[0]
            field = "photo" if item.kind == "image" else "video"
            if item.path:
                files[field] = _read(item, 0)
            else:
                params[field] = item.url
            if text:
                params.update(caption=text, parse_mode=parse_mode)
            if item.kind == "video":
                params.update(self._video_attrs(item))
            params.update(media_extra)
            return ("sendPhoto" if item.kind == "image" else "sendVideo"), params, files
        media: list[dict[str, Any]] = []
        for i, item in enumerate(content.media):
            entry: dict[str, Any] = {"type": "photo" if item.kind == "image" else "video"}
            if item.path:
                files[f"file{i}"] = _read(item, i)
                entry["media"] = f"attach://file{i}"
            else:
                entry["media"] = item.url
            if i == 0 and text:
                entry["caption"] = text
                if parse_mode:
                    entry["parse_mode"] = parse_mode
            if item.kind == "video":
                entry.update(self._video_attrs(item))
            entry.update(media_extra)
            media.append(entry)
        params["media"] = media
        return "sendMediaGroup", params, files

    @staticmethod
    def _video_attrs(item: MediaItem) -> dict[str, Any]:
        attrs: dict[str, Any] = {"supports_streaming": True}
        if item.duration_seconds:
            attrs["duration"] = round(item.duration_seconds)
        if item.width and item.height:
            attrs.update(width=item.width, height=item.height)
        return attrs

    def delete(self, ctx: JobContext, account: Account, external_id: str) -> None:
        """Delete a post (all messages of an album). A message already gone counts as deleted."""
        creds = Credentials.of(account)
        chat, ids = _split(external_id)
        client = TelegramClient(ctx, creds.token)
        _delete(client, chat, ids)

    # -- metrics ---------------------------------------------------------------------
    def fetch_post_metrics(self, ctx: JobContext, account: Account,
                           external_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """Not offered: the Bot API shows bots no views, forwards or reactions of a channel post.

        (Reaction totals only arrive as ``message_reaction_count`` updates, not on request.)
        """
        raise NotImplementedError("Telegram bots cannot read post metrics (views, reactions, "
                                  "forwards); only the channel's member count is available.")

    def fetch_account_metrics(self, ctx: JobContext, account: Account) -> dict[str, int]:
        if account.is_competitor:  # a public channel, read by the client's own bot
            return competitors.competitor_metrics(ctx, account)
        creds = Credentials.of(account)
        count = TelegramClient(ctx, creds.token).call("getChatMemberCount",
                                                      {"chat_id": creds.chat_id})
        return {"followers": int(count)}

    # -- moderation ------------------------------------------------------------------
    @staticmethod
    def parse_update(update: Mapping[str, Any], discussion_chat_id: str | int | None = None
                     ) -> InboxItemData | None:
        """A webhook body (one ``Update``) as an inbox item, or None; see :mod:`.updates`."""
        return parse_update(update, discussion_chat_id)

    def fetch_comments(self, ctx: JobContext, account: Account,
                       since: dt.datetime | None) -> list[InboxItemData]:
        """Comments and messages of the discussion group, read with ``getUpdates``.

        Reading a page confirms the pages before it on Telegram's side; the last
        page is confirmed by the next call (its offset is kept in ``ctx.state``
        when the core persists it, otherwise it is read again and ``since``
        filters it). Updates of other chats of the same bot are skipped.
        """
        creds = Credentials.of(account)
        if not creds.discussion_chat_id:
            ctx.log.info("telegram account %s has no discussion_chat_id: no comments to read",
                         account.id)
            return []
        client = TelegramClient(ctx, creds.token)
        offset = ctx.state.get(OFFSET_STATE_KEY)
        items: list[InboxItemData] = []
        while True:
            params: dict[str, Any] = {"limit": UPDATES_PAGE, "timeout": 0,
                                      "allowed_updates": ["message", "edited_message"]}
            if offset is not None:
                params["offset"] = offset
            try:
                updates = client.call("getUpdates", params)
            except TransientError as exc:
                if exc.platform_code == "409" and "webhook" in exc.message.lower():
                    return _webhook_is_set(ctx, account, items)
                raise
            if not updates:
                break
            for update in updates:
                item = parse_update(update, creds.discussion_chat_id)
                if item is not None and (since is None or item.received_at >= since):
                    items.append(item)
            offset = max(int(u["update_id"]) for u in updates) + 1
            if len(updates) < UPDATES_PAGE:
                break
        if offset is not None:
            ctx.save_state(**{OFFSET_STATE_KEY: offset})
        return items

    def moderate(self, ctx: JobContext, account: Account, item: InboxItemData, action: str) -> None:
        if action not in self.moderation_actions:
            raise ContentRejected(f"Telegram cannot {action} a message: the Bot API has no hidden "
                                  "state for comments; a bot can only delete them.")
        creds = Credentials.of(account)
        chat, ids = _split(item.platform_id)
        group = creds.discussion_chat_id
        if group and not group.startswith("@") and not chat_matches({"id": chat}, group):
            raise ContentRejected(f"{item.platform_id} is not a message of this account's "
                                  "discussion group.")
        _delete(TelegramClient(ctx, creds.token), chat, ids)

    def reply(self, ctx: JobContext, account: Account, item: InboxItemData, text: str) -> str:
        if not text.strip():
            raise ContentRejected("A reply needs some text.")
        if len(text) > TEXT_LIMIT:
            raise ContentRejected(f"The reply is {len(text)} characters; Telegram allows "
                                  f"{TEXT_LIMIT}. Cut {len(text) - TEXT_LIMIT}.")
        creds = Credentials.of(account)
        chat, ids = _split(item.platform_id)
        result = TelegramClient(ctx, creds.token).call(
            "sendMessage",
            {"chat_id": chat, "text": text,
             "reply_parameters": {"message_id": ids[0], "allow_sending_without_reply": False}},
            write=True)
        return message_id((result.get("chat") or {}).get("id", chat), result["message_id"])

    # -- webhook -------------------------------------------------------------------------
    def receive_webhook(self, ctx: JobContext, account: Account,
                        request: WebhookRequest) -> WebhookResult:
        """One pushed ``Update``, after checking ``X-Telegram-Bot-Api-Secret-Token``.

        The secret is the ``webhook_secret`` the core stored when it registered
        the webhook; updates of other chats than ``discussion_chat_id`` give no item.
        """
        return webhook.receive(account, request)

    def register_webhook(self, ctx: JobContext, account: Account, url: str,
                         secret: str) -> None:
        """``setWebhook`` with ``secret_token`` and ``allowed_updates`` = message, edited_message."""
        webhook.register(ctx, account, url, secret)


def _webhook_is_set(ctx: JobContext, account: Account,
                    items: list[InboxItemData]) -> list[InboxItemData]:
    """``getUpdates`` met a webhook (409): comments arrive through it, if smmflow can check them.

    Without the ``webhook_secret`` smmflow stored when it registered the
    webhook, every push is refused (403) and polling is refused too: say so
    (``ContentRejected``, recorded by the core's poll) instead of reading nothing.
    """
    if (account.credentials or {}).get(WEBHOOK_SECRET_KEY):
        ctx.log.info("telegram account %s: a webhook is set; comments arrive through it",
                     account.id)
        return items
    raise ContentRejected(
        "Telegram refuses getUpdates because a webhook is set for this bot, and smmflow holds no "
        "webhook secret for this account, so it refuses what the webhook pushes: comments are "
        f"not received. Register the webhook again from smmflow (POST /api/v1/social-accounts/"
        f"{account.id}/webhook), or delete the bot's webhook (deleteWebhook) to poll instead.",
        platform_code="409")


def _split(platform_id: str) -> tuple[str, list[int]]:
    try:
        return split_id(platform_id)
    except ValueError:
        raise ContentRejected(f"{platform_id!r} is not a Telegram message id "
                              "(expected <chat_id>:<message_id>).") from None


def _delete(client: TelegramClient, chat: str, ids: list[int]) -> None:
    try:
        if len(ids) == 1:
            client.call("deleteMessage", {"chat_id": chat, "message_id": ids[0]})
        else:
            client.call("deleteMessages", {"chat_id": chat, "message_ids": ids})
    except ContentRejected as exc:
        if "message to delete not found" not in exc.message:
            raise
