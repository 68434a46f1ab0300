"""``/api/v1/outbound-webhooks``: event subscriptions of other systems (owner only)."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import select

from smmflow import db as database
from smmflow.api import Blueprint
from smmflow.api.pagination import PageArgs, page_of, paginate
from smmflow.auth.guard import current_user
from smmflow.auth.permissions import OWNER, requires
from smmflow.clients.models import Client
from smmflow.errors import NotFound, ValidationFailed
from smmflow.outbound import services
from smmflow.outbound.models import OutboundDelivery, OutboundWebhook
from smmflow.outbound.schemas import (
    DeliveryQuerySchema,
    DeliverySchema,
    OutboundWebhookCreatedSchema,
    OutboundWebhookSchema,
    OutboundWebhookUpdateSchema,
)

blp = Blueprint("outbound", __name__, description="Outbound webhooks: events POSTed to other "
                "systems, signed with HMAC-SHA256 (X-Smmflow-Signature)")


def _with_secret(row: OutboundWebhook, secret: str) -> dict[str, Any]:
    """The subscription as the created/rotated answer shows it: once with its secret."""
    shown = OutboundWebhookSchema().fields
    return {name: getattr(row, name) for name in shown} | {"secret": secret}


def _check_client(db: Any, client_id: int | None) -> None:
    if client_id is not None and db.get(Client, client_id) is None:
        raise ValidationFailed("Unknown client", fields={"client_id": ["No such client."]})


@blp.route("/outbound-webhooks", methods=["GET"])
@requires(OWNER)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(OutboundWebhookSchema))
def list_outbound_webhooks(args: dict[str, Any]) -> dict[str, Any]:
    """Every subscription (secrets are never shown again)."""
    return paginate(database.session(), select(OutboundWebhook), OutboundWebhook.id, args)


@blp.route("/outbound-webhooks", methods=["POST"])
@requires(OWNER)
@blp.arguments(OutboundWebhookSchema)
@blp.response(201, OutboundWebhookCreatedSchema)
def create_outbound_webhook(data: dict[str, Any]) -> dict[str, Any]:
    """Subscribe a URL; the answer holds the signing ``secret``, shown this once."""
    db = database.session()
    _check_client(db, data.get("client_id"))
    row, secret = services.create_webhook(current_app, db, data, current_user())
    db.commit()
    return _with_secret(row, secret)


@blp.route("/outbound-webhooks/<int:webhook_id>", methods=["GET"])
@requires(OWNER)
@blp.response(200, OutboundWebhookSchema)
def get_outbound_webhook(webhook_id: int) -> OutboundWebhook:
    """One subscription."""
    return services.get_webhook(database.session(), webhook_id)


@blp.route("/outbound-webhooks/<int:webhook_id>", methods=["PATCH"])
@requires(OWNER)
@blp.arguments(OutboundWebhookUpdateSchema)
@blp.response(200, OutboundWebhookSchema)
def update_outbound_webhook(data: dict[str, Any], webhook_id: int) -> OutboundWebhook:
    """Change the URL, events, client filter or pause it (``is_active: false``)."""
    db = database.session()
    row = services.get_webhook(db, webhook_id)
    if "client_id" in data:
        _check_client(db, data["client_id"])
    services.update_webhook(current_app, db, row, data)
    db.commit()
    return row


@blp.route("/outbound-webhooks/<int:webhook_id>", methods=["DELETE"])
@requires(OWNER)
@blp.response(204)
def delete_outbound_webhook(webhook_id: int) -> None:
    """Remove a subscription and its delivery history."""
    db = database.session()
    db.delete(services.get_webhook(db, webhook_id))
    db.commit()


@blp.route("/outbound-webhooks/<int:webhook_id>/rotate-secret", methods=["POST"])
@requires(OWNER)
@blp.response(200, OutboundWebhookCreatedSchema)
def rotate_outbound_webhook_secret(webhook_id: int) -> dict[str, Any]:
    """A new signing secret (shown this once); the old one stops working at once."""
    db = database.session()
    row = services.get_webhook(db, webhook_id)
    secret = services.rotate_secret(current_app, row)
    db.commit()
    return _with_secret(row, secret)


@blp.route("/outbound-webhooks/<int:webhook_id>/deliveries", methods=["GET"])
@requires(OWNER)
@blp.arguments(DeliveryQuerySchema, location="query")
@blp.response(200, page_of(DeliverySchema))
def list_deliveries(args: dict[str, Any], webhook_id: int) -> dict[str, Any]:
    """Deliveries of one subscription, oldest first: status, attempts, last answer."""
    db = database.session()
    services.get_webhook(db, webhook_id)
    stmt = select(OutboundDelivery).where(OutboundDelivery.webhook_id == webhook_id)
    if args.get("status"):
        stmt = stmt.where(OutboundDelivery.status == args["status"])
    return paginate(db, stmt, OutboundDelivery.id, args)


@blp.route("/outbound-webhooks/<int:webhook_id>/deliveries/<int:delivery_id>/redeliver",
           methods=["POST"])
@requires(OWNER)
@blp.response(202, DeliverySchema)
def redeliver(webhook_id: int, delivery_id: int) -> OutboundDelivery:
    """Send one delivery again (after fixing the receiver)."""
    db = database.session()
    row = db.get(OutboundDelivery, delivery_id)
    if row is None or row.webhook_id != webhook_id:
        raise NotFound("delivery not found")
    services.redeliver(current_app, db, row)
    return row
