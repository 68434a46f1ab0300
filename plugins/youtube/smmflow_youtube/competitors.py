"""Public statistics of a competitor's channel, read with the client's own channel's credentials.

One ``channels.list(part=statistics, id=<channel id> | forHandle=<@handle>)`` call, 1 unit,
charged to the project's pool and to the competitor allowance of :mod:`smmflow_youtube.quota`.
"""

from __future__ import annotations

import re
from typing import Any

from smmflow.plugin_api import Account, ContentRejected
from smmflow_youtube.client import YouTubeClient
from smmflow_youtube.resources import counts

CHANNEL_ID = re.compile(r"^UC[A-Za-z0-9_-]{22}$")
HANDLE = re.compile(r"^@?[A-Za-z0-9._-]{3,100}$")
COMPETITOR_METRICS = {"subscriberCount": "followers", "viewCount": "views"}
"""channels.list statistics -> canonical metrics of a competitor (hidden counts stay absent)."""


def channel_filter(account: Account) -> dict[str, str]:
    """``{"id": ...}`` when the competitor's external id is a channel id, else ``{"forHandle": ...}``.

    The credentials are the lender's: their channel is never the one asked for.
    """
    external = (account.external_id or "").strip()
    if CHANNEL_ID.match(external):
        return {"id": external}
    handle = account.handle.strip()
    for prefix in ("https://", "http://", "www.", "m.", "youtube.com/"):
        handle = handle.removeprefix(prefix)
    handle = handle.strip("/")
    if CHANNEL_ID.match(handle.removeprefix("channel/")):
        return {"id": handle.removeprefix("channel/")}
    if not HANDLE.match(handle):
        raise ContentRejected(f"{account.handle!r} is neither a YouTube handle (@name) nor a channel "
                              "id (UC...); fix the competitor's handle or external id.")
    return {"forHandle": handle if handle.startswith("@") else f"@{handle}"}


def competitor_metrics(client: YouTubeClient, account: Account) -> dict[str, int]:
    """``followers`` (absent when the channel hides its subscriber count) and ``views``."""
    wanted = channel_filter(account)
    client.quota.charge_competitor_read("channels.list")
    page = client.get("channels.list", "/youtube/v3/channels", part="statistics", **wanted)
    items: list[Any] = page.get("items") or []
    if not items or not isinstance(items[0], dict):
        what = wanted.get("id") or wanted.get("forHandle")
        raise ContentRejected(f"YouTube has no channel {what}; check the competitor's handle or "
                              "channel id.", platform_code="channelNotFound")
    statistics = items[0].get("statistics") or {}
    names = dict(COMPETITOR_METRICS)
    if statistics.get("hiddenSubscriberCount"):
        names.pop("subscriberCount")
    return counts(statistics, names)
