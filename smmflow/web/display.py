"""How pages show values: times in a client's timezone, money, the week of the calendar."""

from __future__ import annotations

import datetime as dt
import zoneinfo

from smmflow.errors import ValidationFailed
from smmflow.money import format_money


def local_time(value: dt.datetime | None, timezone: str, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """``value`` (aware, UTC) on the wall clock of ``timezone``, with the zone's abbreviation."""
    if value is None:
        return "—"
    local = value.astimezone(zoneinfo.ZoneInfo(timezone))
    return f"{local.strftime(fmt)} {local.tzname()}"


def money(minor: int | None, currency: str) -> str:
    """An amount in minor units with the currency's own decimals (JPY none, KWD three)."""
    if minor is None:
        return "—"
    return format_money(minor, currency)


def week_start(value: str | None, today: dt.date) -> dt.date:
    """The Monday of the week holding ``value`` (``YYYY-MM-DD``), or of ``today``."""
    day = today
    if value:
        try:
            day = dt.date.fromisoformat(value)
        except ValueError as exc:
            raise ValidationFailed("week: give a date such as 2026-03-02.",
                                   fields={"week": ["Not a YYYY-MM-DD date."]}) from exc
        if not 1970 <= day.year <= 9998:
            raise ValidationFailed("week: give a date between 1970 and 9998.",
                                   fields={"week": ["Out of range."]})
    return day - dt.timedelta(days=day.weekday())
