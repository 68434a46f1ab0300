"""Insights of Instagram media and of the account, and competitors' public counts (Business
Discovery), under smmflow's canonical metric names.

Only current Graph API metric names are requested: ``views``, ``reach``, ``likes``,
``comments``, ``saved`` and ``shares``. The metrics removed in v22.0 (``impressions``,
``plays``, ``clips_replays_count``, ``ig_reels_aggregated_all_plays_count``) and the
deprecated ``video_views`` are never asked for. A metric Instagram does not return stays
absent, never zero.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from typing import Any

from smmflow.plugin_api import Account, AuthExpired, ContentRejected, JobContext
from smmflow_instagram.client import GraphClient
from smmflow_instagram.errors import MISSING_OBJECT, NOT_DISCOVERABLE, NotEnoughViewers

INSIGHT_METRICS: dict[str, str] = {
    "views": "views",
    "reach": "reach",
    "likes": "likes",
    "comments": "comments",
    "saved": "saves",
    "shares": "shares",
}
"""Graph API metric name -> canonical smmflow name."""

REMOVED_METRICS = frozenset({"impressions", "plays", "clips_replays_count",
                             "ig_reels_aggregated_all_plays_count", "video_views"})


def _value(entry: dict[str, Any]) -> int | None:
    values = entry.get("values")
    value: Any = None
    if isinstance(values, list) and values and isinstance(values[0], dict):
        value = values[0].get("value")
    if value is None and isinstance(entry.get("total_value"), dict):
        value = entry["total_value"].get("value")
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return None


def _parse(body: dict[str, Any]) -> dict[str, int]:
    out: dict[str, int] = {}
    data = body.get("data")
    for entry in data if isinstance(data, list) else []:
        if not isinstance(entry, dict):
            continue
        name = INSIGHT_METRICS.get(str(entry.get("name")))
        value = _value(entry)
        if name is not None and value is not None:
            out[name] = value
    return out


def media_insights(client: GraphClient, ctx: JobContext, media_id: str) -> dict[str, int] | None:
    """Canonical metrics of one media; None when the media no longer exists."""
    path = f"{media_id}/insights"
    try:
        return _parse(client.get(path, {"metric": ",".join(INSIGHT_METRICS)}))
    except NotEnoughViewers:
        return {}
    except ContentRejected as exc:
        if exc.platform_code == MISSING_OBJECT:
            ctx.log.info("instagram: media %s no longer exists; no insights", media_id)
            return None
        # Some metrics are not offered for some media types: ask for each one alone.
        ctx.log.info("instagram: insights of %s refused as a set (%s); asking one by one",
                     media_id, exc.platform_code)
    values: dict[str, int] = {}
    for metric in INSIGHT_METRICS:
        try:
            values.update(_parse(client.get(path, {"metric": metric})))
        except NotEnoughViewers:
            return values
        except ContentRejected:
            continue
    return values


def post_metrics(client: GraphClient, ctx: JobContext,
                 external_ids: Sequence[str]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for media_id in external_ids:
        values = media_insights(client, ctx, str(media_id))
        if values is not None:
            out[str(media_id)] = values
    return out


def account_metrics(client: GraphClient) -> dict[str, int]:
    body = client.get(client.ig_user_id, {"fields": "followers_count"})
    followers = body.get("followers_count")
    if isinstance(followers, int) and not isinstance(followers, bool):
        return {"followers": followers}
    return {}


# -- competitors (Business Discovery) --------------------------------------------------------
USERNAME = re.compile(r"^[A-Za-z0-9._]{1,30}$")
DISCOVERY_FIELDS = "followers_count,media_count"
"""Public fields asked of the competitor; ``media_count`` has no canonical name and is not kept."""


def competitor_username(account: Account) -> str:
    """The competitor's Instagram username from its handle (``name``, ``@name`` or a profile URL)."""
    handle = account.handle.strip()
    for prefix in ("https://", "http://", "www.", "instagram.com/", "@"):
        handle = handle.removeprefix(prefix)
    handle = handle.strip("/").split("/")[0].split("?")[0]
    if not USERNAME.match(handle):
        raise ContentRejected(f"{account.handle!r} is not an Instagram username; set the "
                              "competitor's handle to its username (letters, digits, '.', '_').")
    return handle.lower()


def lender_client(ctx: JobContext, account: Account) -> GraphClient:
    """A client on the lending account: Business Discovery runs on *its* IG user id.

    The competitor's ``external_id`` must never stand in for it (GraphClient's fallback).
    """
    if not (account.credentials or {}).get("ig_user_id"):
        raise AuthExpired("Business Discovery runs on the client's own Instagram account, and its "
                          "credentials have no ig_user_id: add it (the professional account's id) "
                          "to that account's credentials.")
    return GraphClient(ctx, dataclasses.replace(account, external_id=None))


def competitor_metrics(client: GraphClient, account: Account) -> dict[str, int]:
    """``GET /{own-ig-user-id}?fields=business_discovery.username(<name>){followers_count,...}``.

    Needs a Facebook Login token with instagram_basic, instagram_manage_insights and
    pages_read_engagement (missing ones: code 10/200+ -> AuthExpired). A personal or unknown
    username answers 110/2207013 -> ContentRejected.
    """
    username = competitor_username(account)
    field = f"business_discovery.username({username}){{{DISCOVERY_FIELDS}}}"
    try:
        body = client.get(client.ig_user_id, {"fields": field})
    except ContentRejected as exc:
        if exc.platform_code == NOT_DISCOVERABLE:
            raise ContentRejected(f"Instagram finds no professional account {username!r} (personal "
                                  "accounts, unknown and age-gated ones cannot be read): "
                                  f"{exc.message}", platform_code=exc.platform_code) from None
        raise
    discovery = body.get("business_discovery")
    if not isinstance(discovery, dict):
        return {}
    followers = discovery.get("followers_count")
    if isinstance(followers, int) and not isinstance(followers, bool):
        return {"followers": followers}
    return {}
