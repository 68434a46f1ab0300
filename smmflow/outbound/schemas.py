"""Schemas of outbound webhook subscriptions and deliveries."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

from smmflow.api.fields import Str
from smmflow.api.pagination import PageArgs
from smmflow.outbound.models import DeliveryStatus


def event_choices() -> list[str]:
    from smmflow.events import event_names

    return [name.removeprefix("on_") for name in event_names()]


def check_events(value: list[str]) -> None:
    known = set(event_choices())
    unknown = sorted(set(value) - known)
    if unknown:
        raise ValidationError(f"Unknown event(s): {', '.join(unknown)}. "
                              f"Known: {', '.join(sorted(known))}.")


class OutboundWebhookSchema(Schema):
    id = fields.Integer(dump_only=True)
    url = fields.Url(required=True, schemes={"http", "https"}, require_tld=False,
                     validate=validate.Length(max=2000),
                     metadata={"description": "Where events are POSTed (http or https)."})
    description = Str(500, load_default="")
    events = fields.List(fields.String(validate=validate.Length(max=100)), load_default=list,
                         validate=validate.Length(max=100),
                         metadata={"description": "Event names (e.g. post_published); "
                                                  "empty: every event."})
    client_id = fields.Integer(strict=True, allow_none=True, load_default=None,
                               metadata={"description": "Only events of this client; "
                                                        "null: every client."})
    is_active = fields.Boolean(load_default=True)
    created_by_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)

    @validates("events")
    def _known_events(self, value: list[str], **_: Any) -> None:
        check_events(value)


class OutboundWebhookUpdateSchema(Schema):
    """Only the fields sent change."""

    url = fields.Url(schemes={"http", "https"}, require_tld=False, validate=validate.Length(max=2000))
    description = Str(500)
    events = fields.List(fields.String(validate=validate.Length(max=100)),
                         validate=validate.Length(max=100))
    client_id = fields.Integer(strict=True, allow_none=True)
    is_active = fields.Boolean()

    @validates("events")
    def _known_events(self, value: list[str], **_: Any) -> None:
        check_events(value)


class OutboundWebhookCreatedSchema(OutboundWebhookSchema):
    secret = fields.String(dump_only=True, metadata={
        "description": "Signing secret for X-Smmflow-Signature; shown only in this answer."})


class DeliverySchema(Schema):
    id = fields.Integer(dump_only=True)
    webhook_id = fields.Integer(dump_only=True)
    event = fields.String(dump_only=True)
    payload = fields.Dict(dump_only=True)
    status = fields.String(dump_only=True, metadata={"enum": [s.value for s in DeliveryStatus]})
    attempts = fields.Integer(dump_only=True)
    next_attempt_at = fields.DateTime(dump_only=True)
    last_status_code = fields.Integer(dump_only=True, allow_none=True)
    last_error = fields.String(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    delivered_at = fields.DateTime(dump_only=True, allow_none=True)


class DeliveryQuerySchema(PageArgs):
    status = fields.String(validate=validate.OneOf([s.value for s in DeliveryStatus]))
