"""Storing metric samples, and the engagement-rate formulas of PRODUCT.md.

ER by reach     = (likes + comments + shares + saves) / reach
ER by followers = (likes + comments + shares + saves) / followers at publish time
A metric a platform lacks is absent (never stored as zero); a rate whose
denominator is absent is absent too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import insert
from sqlalchemy.orm import Session

from smmflow.metrics.models import MetricSample
from smmflow.platforms.content import METRICS

ENGAGEMENT_METRICS = ("likes", "comments", "shares", "saves")
ER_BY_REACH_FORMULA = "ER by reach = (likes + comments + shares + saves) / reach"
ER_BY_FOLLOWERS_FORMULA = ("ER by followers = (likes + comments + shares + saves) / followers "
                           "of the account at publish time")


def engagement(values: Mapping[str, int | None]) -> int | None:
    """Sum of the engagement metrics present; None when none is present."""
    present = [values[m] for m in ENGAGEMENT_METRICS if values.get(m) is not None]
    return sum(v for v in present if v is not None) if present else None


def rate(numerator: int | None, denominator: int | None) -> float | None:
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def sample_rows(*, client_id: int, account_id: int, target_id: int | None,
                values: Mapping[str, int], measured_at: dt.datetime) -> list[dict[str, object]]:
    """One sample row per canonical metric in ``values`` (others are ignored)."""
    return [
        {"client_id": client_id, "social_account_id": account_id, "post_target_id": target_id,
         "metric": name, "value": int(value), "measured_at": measured_at}
        for name, value in values.items()
        if name in METRICS and value is not None and not isinstance(value, bool)
    ]


def store_samples(db: Session, rows: list[dict[str, object]]) -> int:
    """Insert ``rows`` in one statement."""
    if rows:
        db.execute(insert(MetricSample), rows)
    return len(rows)
