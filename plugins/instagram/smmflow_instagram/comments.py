"""Comments on the account's media: read, hide, unhide, delete, reply.

Instagram threads are one level deep: replies belong to a top-level comment, and the API
refuses replies to replies and to hidden comments.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from smmflow.plugin_api import ContentRejected, InboxItemData, JobContext
from smmflow_instagram.client import GraphClient, parse_graph_time
from smmflow_instagram.errors import MISSING_OBJECT

REPLY_FIELDS = "id,text,timestamp,username,from,hidden,parent_id"
COMMENT_FIELDS = f"id,text,timestamp,username,from,hidden,like_count,replies{{{REPLY_FIELDS}}}"


def _int_setting(ctx: JobContext, key: str, default: int) -> int:
    raw = ctx.setting(key)
    try:
        return max(1, int(raw)) if raw is not None else default
    except ValueError:
        return default


def _item(ctx: JobContext, raw: dict[str, Any], media_id: str,
          parent_id: str | None) -> InboxItemData:
    author = raw.get("from") if isinstance(raw.get("from"), dict) else {}
    username = str(raw.get("username") or author.get("username") or "")
    return InboxItemData(
        platform_id=str(raw["id"]),
        text=str(raw.get("text") or ""),
        author_id=str(author.get("id") or username),
        author_name=username,
        received_at=parse_graph_time(raw.get("timestamp")) or ctx.clock(),
        kind="reply" if parent_id else "comment",
        post_external_id=media_id,
        parent_id=parent_id,
        extra={"hidden": bool(raw.get("hidden", False)),
               **({"like_count": raw["like_count"]} if isinstance(raw.get("like_count"), int)
                  else {})},
    )


def fetch_comments(client: GraphClient, ctx: JobContext,
                   since: dt.datetime | None) -> list[InboxItemData]:
    """Comments and replies on the account's recent media (newer than ``since``), except the
    account's own replies."""
    media_limit = _int_setting(ctx, "INSTAGRAM_COMMENTS_MEDIA_LIMIT", 25)
    comment_pages = _int_setting(ctx, "INSTAGRAM_COMMENTS_PAGES", 10)
    items: list[InboxItemData] = []
    media_list = client.pages(f"{client.ig_user_id}/media",
                              {"fields": "id,timestamp,comments_count", "limit": media_limit}, 1)
    for media in media_list:
        if media.get("comments_count") == 0:
            continue
        media_id = str(media["id"])
        comments = client.pages(f"{media_id}/comments", {"fields": COMMENT_FIELDS, "limit": 50},
                                comment_pages)
        for raw in comments:
            if "id" not in raw:
                continue
            items.append(_item(ctx, raw, media_id, None))
            replies = raw.get("replies") if isinstance(raw.get("replies"), dict) else {}
            for reply in replies.get("data") or []:
                if isinstance(reply, dict) and "id" in reply:
                    items.append(_item(ctx, reply, media_id, str(raw["id"])))
    return [item for item in items
            if item.author_id != client.ig_user_id
            and (since is None or item.received_at > since)]


def moderate(client: GraphClient, item: InboxItemData, action: str) -> None:
    if action in ("hide", "unhide"):
        body = client.post(item.platform_id, {"hide": action == "hide"}, repeatable=True)
    elif action == "delete":
        try:
            body = client.delete(item.platform_id, repeatable=True)
        except ContentRejected as exc:
            if exc.platform_code == MISSING_OBJECT:
                return  # already deleted
            raise
    else:
        raise ContentRejected(f"Instagram cannot {action} a comment; it can hide, unhide or "
                              "delete one.")
    if body.get("success") is False:
        raise ContentRejected(f"Instagram did not {action} the comment.")


def reply(client: GraphClient, item: InboxItemData, text: str) -> str:
    """Reply under ``item``'s thread; a reply to a reply goes to its top-level comment."""
    if not text.strip():
        raise ContentRejected("A reply needs some text.")
    target = item.parent_id or item.platform_id
    if target == item.platform_id and item.extra.get("hidden"):
        raise ContentRejected("Instagram does not accept replies to a hidden comment; unhide it "
                              "first.")
    body = client.post(f"{target}/replies", {"message": text})
    reply_id = body.get("id")
    if not reply_id:
        raise ContentRejected("Instagram accepted the reply but returned no id.")
    return str(reply_id)
