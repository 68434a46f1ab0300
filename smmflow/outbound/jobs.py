"""Sending outbound webhook deliveries, and re-deriving the ones Redis lost."""

from __future__ import annotations

import datetime as dt
import json
import logging
import time

import httpx
from flask import Flask, current_app
from sqlalchemy import func, select, update

from smmflow import __version__
from smmflow import db as database
from smmflow.db import utcnow
from smmflow.jobs.periodic import PeriodicJob
from smmflow.outbound import services
from smmflow.outbound.models import DeliveryStatus, OutboundDelivery, OutboundWebhook
from smmflow.outbound.signing import sign

PERIODIC = [PeriodicJob(name="outbound.recover", func="smmflow.outbound.jobs.recover",
                        every_seconds=60)]

log = logging.getLogger("smmflow.outbound")
OVERDUE = dt.timedelta(seconds=30)
RECOVER_BATCH = 500


def _app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined]


def _post(app: Flask, url: str, secret: str, delivery: OutboundDelivery) -> tuple[int | None, str | None]:
    """Send one request; returns (status code, error text or None when it was a 2xx)."""
    body = json.dumps({"id": delivery.id, **delivery.payload}, separators=(",", ":"),
                      ensure_ascii=False).encode()
    stamp = int(time.time())
    headers = {"Content-Type": "application/json", "User-Agent": f"smmflow-webhooks/{__version__}",
               "X-Smmflow-Event": delivery.event, "X-Smmflow-Delivery": str(delivery.id),
               "X-Smmflow-Timestamp": str(stamp), "X-Smmflow-Signature": sign(secret, stamp, body)}
    timeout = app.extensions["smmflow"].settings.http_timeout
    try:
        with httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False) as http:
            response = http.post(url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return None, f"{type(exc).__name__}: {exc}"[:500]
    if 200 <= response.status_code < 300:
        return response.status_code, None
    # the receiver's body is not kept: it could hold whatever an internal address answers
    return response.status_code, f"HTTP {response.status_code}"


def deliver(delivery_id: int) -> str:
    """Send one delivery (claimed by compare-and-set, so two jobs never both send it)."""
    app = _app()
    db = database.session()
    row = db.get(OutboundDelivery, delivery_id)
    if row is None or row.status != DeliveryStatus.PENDING:
        return "nothing to do"
    now = utcnow()
    if row.next_attempt_at > now + dt.timedelta(seconds=1):
        return "not due"  # an old job: the one for the current attempt is scheduled
    hook = db.get(OutboundWebhook, row.webhook_id)
    if hook is None or not hook.is_active:
        row.status = DeliveryStatus.SKIPPED
        row.last_error = "the subscription was disabled before sending"
        db.commit()
        return "skipped"
    seen = row.attempts
    window = dt.timedelta(seconds=app.extensions["smmflow"].settings.http_timeout + 60)
    claimed = db.execute(update(OutboundDelivery).where(
        OutboundDelivery.id == delivery_id, OutboundDelivery.status == DeliveryStatus.PENDING,
        OutboundDelivery.attempts == seen).values(attempts=seen + 1, next_attempt_at=now + window))
    db.commit()
    if claimed.rowcount != 1:
        return "claimed elsewhere"
    db.refresh(row)
    try:
        code, error = _post(app, hook.url, services.secret_of(app, hook), row)
    except Exception as exc:  # e.g. the secret no longer decrypts: record it, never leave it claimed
        log.exception("outbound delivery %s could not be sent", row.id)
        code, error = None, f"{type(exc).__name__}: could not send ({exc})"[:500]
    row.last_status_code = code
    row.last_error = error
    if error is None:
        row.status = DeliveryStatus.DELIVERED
        row.delivered_at = utcnow()
        db.commit()
        return "delivered"
    if row.attempts >= app.extensions["smmflow"].settings.outbound_max_attempts:
        row.status = DeliveryStatus.FAILED
        db.commit()
        log.warning("outbound delivery %s to webhook %s failed for good after %s attempts: %s",
                    row.id, hook.id, row.attempts, error)
        return "failed"
    delay = services.backoff(app, row.attempts)
    row.next_attempt_at = utcnow() + dt.timedelta(seconds=delay)
    db.commit()
    services.enqueue_delivery(app, row.id, row.attempts,
                              at=row.next_attempt_at if delay > 0 else None)
    return "retrying"


def recover() -> int:
    """Periodic: enqueue pending deliveries that are overdue (their job was lost); a delivery
    that already used every attempt (its worker died mid-send) is marked failed."""
    app = _app()
    db = database.session()
    most = app.extensions["smmflow"].settings.outbound_max_attempts
    due = utcnow() - OVERDUE
    db.execute(update(OutboundDelivery).where(
        OutboundDelivery.status == DeliveryStatus.PENDING, OutboundDelivery.attempts >= most,
        OutboundDelivery.next_attempt_at <= due).values(
        status=DeliveryStatus.FAILED,
        last_error=func.coalesce(OutboundDelivery.last_error, "no answer recorded for the last attempt")))
    db.commit()
    overdue = db.execute(select(OutboundDelivery.id, OutboundDelivery.attempts).where(
        OutboundDelivery.status == DeliveryStatus.PENDING, OutboundDelivery.next_attempt_at <= due)
        .order_by(OutboundDelivery.next_attempt_at).limit(RECOVER_BATCH)).all()
    for delivery_id, attempts in overdue:
        services.enqueue_delivery(app, delivery_id, attempts)
    return len(overdue)
