"""The content model handed to platforms: text, media, per-target options."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

HASHTAG = re.compile(r"(?<!\w)#(\w+)", re.UNICODE)
MENTION = re.compile(r"(?<!\w)@(\w[\w.]*)", re.UNICODE)
LINK = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)


@dataclass(frozen=True)
class MediaItem:
    """One media file of a post.

    ``path`` is a local file the worker can read; ``url`` a public URL of the
    same bytes (networks such as Instagram fetch media from a URL).
    """

    kind: str  # "image" | "video"
    mime_type: str
    size_bytes: int
    sha256: str = ""
    path: str | None = None
    url: str | None = None
    filename: str = ""
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    format: str | None = None  # "jpeg", "png", "mp4", ...

    @property
    def aspect_ratio(self) -> float | None:
        if self.width and self.height:
            return self.width / self.height
        return None


@dataclass(frozen=True)
class Content:
    """What is published: the same for every target of a post."""

    text: str = ""
    title: str = ""
    media: tuple[MediaItem, ...] = ()
    link: str | None = None

    @property
    def hashtags(self) -> list[str]:
        return HASHTAG.findall(self.text)

    @property
    def mentions(self) -> list[str]:
        return MENTION.findall(self.text)

    @property
    def links(self) -> list[str]:
        return LINK.findall(self.text)


@dataclass(frozen=True)
class Account:
    """A social account as a platform sees it. ``credentials`` are decrypted;
    they never appear in ``repr``, logs or errors.

    For a competitor (``is_competitor=True``, only ever passed to
    ``fetch_account_metrics``) ``id``, ``handle`` and ``external_id`` are the
    competitor's, while ``credentials`` are borrowed from the client's active own
    account on the same network: use them to read the competitor's public data
    only.
    """

    id: int
    platform: str
    handle: str
    external_id: str | None
    credentials: Mapping[str, Any] = field(default_factory=dict, repr=False)
    is_competitor: bool = False


@dataclass(frozen=True)
class PublishResult:
    """Where a published post lives on the network."""

    external_id: str
    url: str | None = None
    published_at: dt.datetime | None = None


@dataclass(frozen=True)
class Problem:
    """One reason content cannot go to a platform; ``field`` names what to fix."""

    field: str
    code: str
    message: str
    platform: str = ""


@dataclass(frozen=True)
class InboxItemData:
    """A comment, reply or message fetched from a network."""

    platform_id: str
    text: str
    author_id: str
    author_name: str
    received_at: dt.datetime
    kind: str = "comment"  # "comment" | "reply" | "message"
    post_external_id: str | None = None
    parent_id: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


# Canonical metric names. A platform that lacks a metric leaves it absent, never zero.
METRICS: frozenset[str] = frozenset(
    {"reach", "impressions", "views", "likes", "comments", "shares", "saves", "followers",
     "clicks"}
)

# Moderation actions a platform may support.
MODERATION_ACTIONS: frozenset[str] = frozenset({"hide", "unhide", "delete", "restore"})
