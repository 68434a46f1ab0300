"""Insights of Instagram media and of the account, under smmflow's canonical metric names.

Only current Graph API metric names are requested: ``views``, ``reach``, ``likes``,
``comments``, ``saved`` and ``shares``. The metrics removed in v22.0 (``impressions``,
``plays``, ``clips_replays_count``, ``ig_reels_aggregated_all_plays_count``) and the
deprecated ``video_views`` are never asked for. A metric Instagram does not return stays
absent, never zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from smmflow.plugin_api import ContentRejected, JobContext
from smmflow_instagram.client import GraphClient
from smmflow_instagram.errors import MISSING_OBJECT, NotEnoughViewers

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
