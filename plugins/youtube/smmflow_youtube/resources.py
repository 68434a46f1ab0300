"""Reading YouTube resources (videos, statistics, comment threads) into smmflow's types."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from smmflow.plugin_api import InboxItemData, PublishResult

WATCH_URL = "https://www.youtube.com/watch?v={id}"

# videos.list statistics -> canonical metrics; a count YouTube hides is absent, never zero.
POST_METRICS = {"viewCount": "views", "likeCount": "likes", "commentCount": "comments"}


def parse_time(value: Any) -> dt.datetime | None:
    """An RFC 3339 timestamp of the API as an aware UTC datetime (None if absent or unreadable)."""
    if not value:
        return None
    try:
        parsed = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.UTC)
    return parsed.astimezone(dt.UTC)


def rfc3339(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def publish_result(video: Mapping[str, Any]) -> PublishResult:
    video_id = str(video["id"])
    snippet = video.get("snippet") or {}
    return PublishResult(external_id=video_id, url=WATCH_URL.format(id=video_id),
                         published_at=parse_time(snippet.get("publishedAt")))


def counts(statistics: Mapping[str, Any], names: Mapping[str, str]) -> dict[str, int]:
    """Canonical metrics from a statistics part; absent or unreadable counts stay absent."""
    out: dict[str, int] = {}
    for field, metric in names.items():
        raw = statistics.get(field)
        if raw is None:
            continue
        try:
            out[metric] = int(raw)
        except (TypeError, ValueError):
            continue
    return out


def comment_item(comment: Mapping[str, Any], *, video_id: str | None, thread_id: str,
                 status: str) -> InboxItemData | None:
    """One comment resource as an inbox item (top-level or reply)."""
    snippet = comment.get("snippet") or {}
    received = parse_time(snippet.get("publishedAt"))
    if not comment.get("id") or received is None:
        return None
    parent = snippet.get("parentId")
    author = snippet.get("authorChannelId") or {}
    return InboxItemData(
        platform_id=str(comment["id"]),
        text=str(snippet.get("textOriginal") or snippet.get("textDisplay") or ""),
        author_id=str(author.get("value") or "") if isinstance(author, Mapping) else "",
        author_name=str(snippet.get("authorDisplayName") or ""),
        received_at=received,
        kind="reply" if parent else "comment",
        post_external_id=str(snippet.get("videoId") or video_id or "") or None,
        parent_id=str(parent) if parent else None,
        extra={"thread_id": thread_id, "moderation_status": str(snippet.get("moderationStatus") or status),
               "like_count": int(snippet.get("likeCount") or 0)},
    )


def thread_items(thread: Mapping[str, Any], status: str) -> list[InboxItemData]:
    """The top-level comment of a thread and the replies the API returned with it."""
    snippet = thread.get("snippet") or {}
    video_id = snippet.get("videoId")
    thread_id = str(thread.get("id") or "")
    items: list[InboxItemData] = []
    top = snippet.get("topLevelComment")
    if isinstance(top, Mapping):
        item = comment_item(top, video_id=video_id, thread_id=thread_id, status=status)
        if item is not None:
            items.append(item)
    for reply in (thread.get("replies") or {}).get("comments") or []:
        item = comment_item(reply, video_id=video_id, thread_id=thread_id, status=status)
        if item is not None:
            items.append(item)
    return items
