"""Managing subscriptions, and turning a committed event into deliveries."""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow.auth.models import User
from smmflow.db import open_session, utcnow
from smmflow.errors import NotFound
from smmflow.outbound.models import DeliveryStatus, OutboundDelivery, OutboundWebhook
from smmflow.outbound.signing import new_secret

log = logging.getLogger("smmflow.outbound")
CACHE_KEY = "outbound_subscriptions"
CACHE_SECONDS = 2.0


def event_label(hook_name: str) -> str:
    """``on_post_published`` -> ``post_published`` (the name receivers see)."""
    return hook_name.removeprefix("on_")


# -- subscriptions ---------------------------------------------------------------------------
def get_webhook(db: Session, webhook_id: int) -> OutboundWebhook:
    row = db.get(OutboundWebhook, webhook_id)
    if row is None:
        raise NotFound("outbound webhook not found")
    return row


def forget_cache(app: Flask) -> None:
    app.extensions["smmflow"].extras.pop(CACHE_KEY, None)


def create_webhook(app: Flask, db: Session, data: dict[str, Any], user: User) -> tuple[OutboundWebhook, str]:
    """A new subscription and its signing secret (returned here only)."""
    secret = new_secret()
    row = OutboundWebhook(url=data["url"], description=data.get("description", ""),
                          events=sorted(set(data.get("events") or [])),
                          client_id=data.get("client_id"), is_active=data.get("is_active", True),
                          secret_encrypted=app.extensions["smmflow"].vault.encrypt({"secret": secret}),
                          created_by_id=user.id)
    db.add(row)
    db.flush()
    forget_cache(app)
    return row, secret


def update_webhook(app: Flask, db: Session, row: OutboundWebhook, changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        setattr(row, key, sorted(set(value)) if key == "events" else value)
    forget_cache(app)


def rotate_secret(app: Flask, row: OutboundWebhook) -> str:
    secret = new_secret()
    row.secret_encrypted = app.extensions["smmflow"].vault.encrypt({"secret": secret})
    return secret


def secret_of(app: Flask, row: OutboundWebhook) -> str:
    return str(app.extensions["smmflow"].vault.decrypt(row.secret_encrypted)["secret"])


# -- events -> deliveries --------------------------------------------------------------------
def _subscriptions(app: Flask, db: Session) -> list[tuple[int, frozenset[str], int | None]]:
    """Active subscriptions, cached for a moment (events are frequent, subscriptions rare)."""
    extras = app.extensions["smmflow"].extras
    cached = extras.get(CACHE_KEY)
    now = time.monotonic()
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    rows = [(r.id, frozenset(r.events or ()), r.client_id) for r in db.execute(
        select(OutboundWebhook.id, OutboundWebhook.events, OutboundWebhook.client_id)
        .where(OutboundWebhook.is_active))]
    extras[CACHE_KEY] = (now, rows)
    return rows


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def record_event(app: Flask, hook_name: str, kwargs: Mapping[str, Any]) -> list[int]:
    """Write one delivery per matching subscription and enqueue it; returns delivery ids."""
    label = event_label(hook_name)
    with open_session(app) as db:
        wanted = [wid for wid, events, client_id in _subscriptions(app, db)
                  if (not events or label in events)
                  and (client_id is None or client_id == kwargs.get("client_id"))]
        if not wanted:
            return []
        now = utcnow()
        payload = {"event": label, "occurred_at": now.isoformat(), "data": _jsonable(dict(kwargs))}
        rows = [OutboundDelivery(webhook_id=wid, event=label, payload=payload, next_attempt_at=now)
                for wid in wanted]
        db.add_all(rows)
        db.commit()
        ids = [row.id for row in rows]
    for delivery_id in ids:
        enqueue_delivery(app, delivery_id, 0)
    return ids


def enqueue_delivery(app: Flask, delivery_id: int, attempt: int,
                     at: dt.datetime | None = None) -> None:
    from smmflow.jobs.queues import enqueue

    try:
        enqueue(app, "smmflow.outbound.jobs.deliver", delivery_id, queue="default",
                job_id=f"outbound-{delivery_id}-{attempt}", at=at,
                description=f"outbound webhook delivery {delivery_id} (attempt {attempt + 1})")
    except Exception:  # Redis down: the recovery job re-derives it from the database
        log.exception("outbound delivery %s could not be enqueued; recovery will retry", delivery_id)


def backoff(app: Flask, attempts: int) -> float:
    """Seconds before attempt ``attempts + 1``: doubles from the setting, at most 6 hours."""
    first = app.extensions["smmflow"].settings.outbound_backoff_seconds
    return min(first * (2 ** max(attempts - 1, 0)), 6 * 3600.0)


def redeliver(app: Flask, db: Session, delivery: OutboundDelivery) -> None:
    """Send a delivery again (a person asked): back to pending, due now."""
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = utcnow()
    delivery.attempts = 0
    db.commit()
    enqueue_delivery(app, delivery.id, 0)
