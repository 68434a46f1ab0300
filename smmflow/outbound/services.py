"""Managing subscriptions, and turning a committed event into deliveries."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from flask import Flask
from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session

from smmflow.auth.models import User
from smmflow.db import utcnow
from smmflow.errors import NotFound
from smmflow.outbound.models import DeliveryStatus, OutboundDelivery, OutboundWebhook
from smmflow.outbound.signing import new_secret

log = logging.getLogger("smmflow.outbound")


def event_label(hook_name: str) -> str:
    """``on_post_published`` -> ``post_published`` (the name receivers see)."""
    return hook_name.removeprefix("on_")


# -- subscriptions ---------------------------------------------------------------------------
def get_webhook(db: Session, webhook_id: int) -> OutboundWebhook:
    row = db.get(OutboundWebhook, webhook_id)
    if row is None:
        raise NotFound("outbound webhook not found")
    return row


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
    return row, secret


def update_webhook(app: Flask, db: Session, row: OutboundWebhook, changes: dict[str, Any]) -> None:
    for key, value in changes.items():
        setattr(row, key, sorted(set(value)) if key == "events" else value)


def rotate_secret(app: Flask, row: OutboundWebhook) -> str:
    secret = new_secret()
    row.secret_encrypted = app.extensions["smmflow"].vault.encrypt({"secret": secret})
    return secret


def secret_of(app: Flask, row: OutboundWebhook) -> str:
    return str(app.extensions["smmflow"].vault.decrypt(row.secret_encrypted)["secret"])


# -- events -> deliveries --------------------------------------------------------------------
SUBSCRIPTIONS_KEY = "smmflow.outbound.subscriptions"
STAGED_KEY = "smmflow.outbound.staged"


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


def stage(db: Session, hook_name: str, kwargs: Mapping[str, Any]) -> list[OutboundDelivery]:
    """Add one delivery row per matching subscription to the transaction emitting the event.

    The rows commit (or roll back) with the change that caused the event, so
    an event is never lost between the commit and the queue; :func:`enqueue_staged`
    queues them after the commit. Subscriptions are read once per transaction.
    """
    subscriptions = db.info.get(SUBSCRIPTIONS_KEY)
    if subscriptions is None:
        with db.no_autoflush:  # reading subscriptions must not flush the caller's work early
            subscriptions = [(r.id, frozenset(r.events or ()), r.client_id) for r in db.execute(
                select(OutboundWebhook.id, OutboundWebhook.events, OutboundWebhook.client_id)
                .where(OutboundWebhook.is_active))]
        db.info[SUBSCRIPTIONS_KEY] = subscriptions
    label = event_label(hook_name)
    wanted = [wid for wid, events, client_id in subscriptions
              if (not events or label in events)
              and (client_id is None or client_id == kwargs.get("client_id"))]
    if not wanted:
        return []
    now = utcnow()
    payload = {"event": label, "occurred_at": now.isoformat(), "data": _jsonable(dict(kwargs))}
    rows = [OutboundDelivery(webhook_id=wid, event=label, payload=payload, next_attempt_at=now)
            for wid in wanted]
    db.add_all(rows)
    db.info.setdefault(STAGED_KEY, []).extend(rows)
    return rows


def enqueue_staged(app: Flask, db: Session) -> None:
    """After a commit: queue the deliveries it wrote (rolled-back savepoints' rows are gone)."""
    staged = db.info.pop(STAGED_KEY, [])
    for row in staged:
        state = inspect(row)
        if state.persistent and state.identity:
            enqueue_delivery(app, state.identity[0], 0)


def end_transaction(db: Session) -> None:
    """The transaction ended: forget its subscriptions and anything staged but not committed."""
    db.info.pop(SUBSCRIPTIONS_KEY, None)
    db.info.pop(STAGED_KEY, None)


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


REDELIVERABLE = (DeliveryStatus.FAILED, DeliveryStatus.SKIPPED, DeliveryStatus.DELIVERED)


def redeliver(app: Flask, db: Session, delivery: OutboundDelivery) -> None:
    """Send a finished delivery again (a person asked): back to pending, due now, audited."""
    from smmflow.audit.services import record
    from smmflow.errors import Conflict

    changed = db.execute(update(OutboundDelivery).where(
        OutboundDelivery.id == delivery.id, OutboundDelivery.status.in_(REDELIVERABLE))
        .values(status=DeliveryStatus.PENDING, next_attempt_at=utcnow(), attempts=0))
    if changed.rowcount != 1:
        db.rollback()
        raise Conflict("This delivery is still being sent; wait until it is delivered or failed.",
                       code="delivery_pending")
    record(db, "outbound.redeliver", delivery, webhook_id=delivery.webhook_id)
    db.commit()
    db.refresh(delivery)
    enqueue_delivery(app, delivery.id, 0)
