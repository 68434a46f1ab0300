"""Comments on the community's wall posts: read, delete, restore, reply.

A comment's platform id is ``<owner_id>_<comment_id>`` (comment ids are unique
per wall). VK has no "hidden" state for wall comments, so the moderation
actions are ``delete`` and ``restore`` (VK allows restoring a deleted comment
for a while).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from smmflow.plugin_api import ContentRejected, InboxItemData, JobContext, TransientError
from smmflow_vk.client import Credentials, VKClient
from smmflow_vk.publishing import external_id, parse_external_id, reply_guid

PAGE = 100                # wall.getComments maximum count
THREAD_ITEMS = 10         # replies returned inline per comment (maximum)
MAX_PER_POST = 1000       # comments read per post and run
DEFAULT_SCAN_POSTS = 20   # latest posts whose comments are read
SETTING_SCAN_POSTS = "VK_COMMENT_SCAN_POSTS"


def _names(page: Mapping[str, Any]) -> dict[int, str]:
    names: dict[int, str] = {}
    for profile in page.get("profiles") or []:
        names[int(profile["id"])] = f"{profile.get('first_name', '')} {profile.get('last_name', '')}".strip()
    for group in page.get("groups") or []:
        names[-abs(int(group["id"]))] = str(group.get("name", ""))
    return names


def fetch(ctx: JobContext, client: VKClient, creds: Credentials,
          since: dt.datetime | None) -> list[InboxItemData]:
    """Comments and replies newer than ``since`` on the latest posts, oldest first."""
    try:
        scan = max(1, min(100, int(ctx.setting(SETTING_SCAN_POSTS) or DEFAULT_SCAN_POSTS)))
    except ValueError:
        scan = DEFAULT_SCAN_POSTS
    cutoff = int(since.timestamp()) if since else None
    wall = client.call("wall.get", {"owner_id": creds.owner_id, "filter": "owner", "count": scan})
    out: list[InboxItemData] = []
    for post in wall.get("items", []) if isinstance(wall, dict) else []:
        if not (post.get("comments") or {}).get("count"):
            continue
        out.extend(_post_comments(client, creds, int(post["id"]), cutoff))
    out.sort(key=lambda item: item.received_at)
    return out


def _post_comments(client: VKClient, creds: Credentials, post_id: int,
                   cutoff: int | None, parent: int | None = None) -> list[InboxItemData]:
    items: list[InboxItemData] = []
    offset = 0
    while offset < MAX_PER_POST:
        page = client.call("wall.getComments", {
            "owner_id": creds.owner_id, "post_id": post_id, "comment_id": parent, "count": PAGE,
            "offset": offset, "sort": "asc", "preview_length": 0, "extended": True,
            "thread_items_count": None if parent else THREAD_ITEMS,
        })
        names = _names(page)
        batch = page.get("items") or []
        for comment in batch:
            items.extend(_convert(creds, post_id, comment, names, cutoff, parent))
            thread = comment.get("thread") or {}
            inline = thread.get("items") or []
            if parent is None and int(thread.get("count") or 0) > len(inline):
                items.extend(_post_comments(client, creds, post_id, cutoff, parent=int(comment["id"])))
            elif parent is None:
                for reply in inline:
                    items.extend(_convert(creds, post_id, reply, names, cutoff, int(comment["id"])))
        offset += len(batch)
        if not batch or offset >= int(page.get("count") or 0):
            break
    return items


def _convert(creds: Credentials, post_id: int, comment: Mapping[str, Any], names: Mapping[int, str],
             cutoff: int | None, parent: int | None) -> list[InboxItemData]:
    from_id = int(comment.get("from_id", 0))
    date = int(comment.get("date", 0))
    if comment.get("deleted") or from_id == creds.owner_id or (cutoff is not None and date <= cutoff):
        return []
    cid = int(comment["id"])
    reply_to = comment.get("reply_to_comment") or parent
    return [InboxItemData(
        platform_id=external_id(creds.owner_id, cid),
        text=str(comment.get("text", "")),
        author_id=str(from_id),
        author_name=names.get(from_id, str(from_id)),
        received_at=dt.datetime.fromtimestamp(date, dt.UTC),
        kind="reply" if reply_to else "comment",
        post_external_id=external_id(creds.owner_id, post_id),
        parent_id=external_id(creds.owner_id, int(reply_to)) if reply_to else None,
        extra={"post_id": post_id, "comment_id": cid,
               "likes": int((comment.get("likes") or {}).get("count") or 0)},
    )]


def moderate(client: VKClient, item: InboxItemData, action: str) -> None:
    owner_id, comment_id = parse_external_id(item.platform_id)
    params = {"owner_id": owner_id, "comment_id": comment_id}
    if action == "delete":
        client.call("wall.deleteComment", params)
    elif action == "restore":
        try:
            client.call("wall.restoreComment", params)
        except ContentRejected as exc:
            if exc.platform_code != "243":  # "Comment has not been deleted": already visible
                raise
    else:
        raise ContentRejected(f"VK comments cannot be {action!r}ed: VK has no hidden state for wall "
                              "comments; use delete (and restore to undo it).")


def reply(client: VKClient, creds: Credentials, item: InboxItemData, text: str) -> str:
    owner_id, comment_id = parse_external_id(item.platform_id)
    post_id = _post_id_of(client, item, owner_id, comment_id)
    answer = client.call("wall.createComment", {
        "owner_id": owner_id, "post_id": post_id, "from_group": creds.group_id, "message": text,
        "reply_to_comment": comment_id, "guid": reply_guid(item.platform_id, text),
    }, write=True)
    try:
        return external_id(owner_id, int(answer["comment_id"]))
    except (KeyError, TypeError, ValueError):
        raise TransientError("VK accepted wall.createComment without a comment_id.") from None


def _post_id_of(client: VKClient, item: InboxItemData, owner_id: int, comment_id: int) -> int:
    if item.extra.get("post_id"):
        return int(item.extra["post_id"])
    if item.post_external_id:
        return parse_external_id(item.post_external_id)[1]
    answer = client.call("wall.getComment", {"owner_id": owner_id, "comment_id": comment_id})
    found = answer.get("items") if isinstance(answer, dict) else answer
    if not found or not found[0].get("post_id"):
        raise ContentRejected(f"VK comment {item.platform_id} was not found; it may have been deleted.")
    return int(found[0]["post_id"])
