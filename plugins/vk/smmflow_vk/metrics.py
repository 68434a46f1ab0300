"""Post metrics (wall counters + ``stats.getPostReach``), account metrics (members count) and
competitor metrics (a public community's members count, read with the own account's token)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from smmflow.plugin_api import Account, AuthExpired, ContentRejected, JobContext
from smmflow_vk.client import Credentials, VKClient
from smmflow_vk.publishing import external_id, parse_external_id

GET_BY_ID_CHUNK = 100   # posts per wall.getById call
REACH_CHUNK = 30        # post_ids per stats.getPostReach call (schema maxItems)

# VK post counter -> canonical metric name.
COUNTERS = {"likes": "likes", "comments": "comments", "reposts": "shares", "views": "views"}


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _items(answer: Any) -> list[dict[str, Any]]:
    """5.199 wraps lists in ``{"items": [...]}``; older versions answered a bare list."""
    if isinstance(answer, dict):
        answer = answer.get("items", [])
    return [item for item in answer or [] if isinstance(item, dict)]


def counters_of(post: Mapping[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    for vk_name, metric in COUNTERS.items():
        block = post.get(vk_name)
        if isinstance(block, dict) and isinstance(block.get("count"), int):
            out[metric] = block["count"]
    return out


def post_metrics(ctx: JobContext, client: VKClient, creds: Credentials,
                 external_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    """Counters per post; ``reach`` from stats when VK gives it. Unknown posts are left out."""
    wanted = [str(e) for e in external_ids]
    result: dict[str, dict[str, int]] = {}
    for chunk in _chunks(wanted, GET_BY_ID_CHUNK):
        for post in _items(client.call("wall.getById", {"posts": list(chunk)})):
            key = external_id(int(post.get("owner_id", 0)), int(post.get("id", 0)))
            if key in wanted:
                result[key] = counters_of(post)
    own_posts = [parse_external_id(e)[1] for e in result if parse_external_id(e)[0] == creds.owner_id]
    for chunk in _chunks(own_posts, REACH_CHUNK):
        try:
            stats = client.call("stats.getPostReach", {"owner_id": creds.owner_id, "post_ids": list(chunk)})
        except (ContentRejected, AuthExpired) as exc:
            # Stats need an admin token with the stats right; counters stay useful without them.
            ctx.log.warning("VK post reach unavailable (%s); reach left absent", exc.platform_code)
            break
        rows = stats if isinstance(stats, list) else _items(stats)
        for position, row in enumerate(rows):
            if not isinstance(row, dict):
                continue
            post_id = row.get("post_id", chunk[position] if position < len(chunk) else None)
            key = external_id(creds.owner_id, int(post_id)) if post_id is not None else None
            if key in result and isinstance(row.get("reach_total"), int):
                result[key]["reach"] = row["reach_total"]
    return result


def account_metrics(client: VKClient, creds: Credentials) -> dict[str, int]:
    answer = client.call("groups.getById", {"group_id": creds.group_id, "fields": "members_count"})
    groups = answer.get("groups", []) if isinstance(answer, dict) else answer or []
    for group in groups:
        if isinstance(group, dict) and abs(int(group.get("id", 0))) == creds.group_id:
            count = group.get("members_count")
            return {"followers": count} if isinstance(count, int) else {}
    return {}


# -- competitors ----------------------------------------------------------------------------
SCREEN_NAME = re.compile(r"^[A-Za-z0-9_.]{2,64}$")
GROUP_PREFIXES = ("club", "public", "event")
NOT_A_COMMUNITY = frozenset({"40", "125"})  # "Unknown group", "Invalid group id": about the target


def competitor_ref(account: Account) -> str:
    """The community to read: the competitor's numeric id (``external_id``), else its screen name.

    ``account.credentials`` belong to the client's own community: their ``group_id`` is never
    the competitor's.
    """
    raw_id = (account.external_id or "").strip().lstrip("-")
    if raw_id.isdigit() and int(raw_id) > 0:
        return raw_id
    handle = account.handle.strip()
    for prefix in ("https://", "http://", "m.vk.com/", "vk.com/", "@"):
        handle = handle.removeprefix(prefix)
    handle = handle.strip("/")
    for prefix in GROUP_PREFIXES:
        if handle.startswith(prefix) and handle[len(prefix):].isdigit():
            return handle[len(prefix):]
    if not SCREEN_NAME.match(handle):
        raise ContentRejected(f"{account.handle!r} is not a VK community screen name or id; set the "
                              "competitor's handle to its vk.com/<name> or its numeric id.")
    return handle


def borrowed_credentials(account: Account) -> Credentials:
    """Only the token of the lending account matters for public reads (group_id unused)."""
    token = str((account.credentials or {}).get("access_token") or "").strip()
    if not token:
        raise AuthExpired("The client's own VK account has no access_token to read the competitor "
                          "with; reconnect it.")
    return Credentials(access_token=token, group_id=0)


def competitor_metrics(ctx: JobContext, client: VKClient, account: Account) -> dict[str, int]:
    """``groups.getById(group_ids=<ref>, fields=members_count)``: public, any user token.

    A banned or deleted community (``deactivated``) shows no ``members_count``: followers
    stay absent.
    """
    ref = competitor_ref(account)
    try:
        answer = client.call("groups.getById", {"group_ids": ref, "fields": "members_count"})
    except AuthExpired as exc:
        if exc.platform_code in NOT_A_COMMUNITY:
            raise ContentRejected(f"{exc.message} (competitor {ref!r}): no such VK community.",
                                  platform_code=exc.platform_code) from None
        raise
    groups = _groups(answer)
    if not groups:
        raise ContentRejected(f"VK knows no community {ref!r}; check the competitor's handle.")
    group = groups[0]
    if group.get("deactivated"):
        ctx.log.info("vk: competitor community %s is %s; no member count", ref, group["deactivated"])
    count = group.get("members_count")
    if isinstance(count, int) and not isinstance(count, bool):
        return {"followers": count}
    return {}


def _groups(answer: Any) -> list[dict[str, Any]]:
    """5.199 answers ``{"groups": [...], "profiles": [...]}``; older versions a bare list."""
    groups = answer.get("groups", []) if isinstance(answer, dict) else answer or []
    return [g for g in groups if isinstance(g, dict)]
