"""Schemas of clients and memberships."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from smmflow.api.fields import Currency, Money, Slug, Str, Timezone
from smmflow.clients.models import MemberRole


class ClientSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = Str(200, required=True, min_length=1)
    slug = Slug(required=True)
    timezone = Timezone(load_default="UTC")
    currency = Currency(load_default="USD")
    monthly_budget_minor = Money(load_default=0)
    default_chain_id = fields.Integer(allow_none=True, load_default=None)
    inbox_sla_minutes = fields.Integer(strict=True, load_default=60,
                                       validate=validate.Range(min=1, max=60 * 24 * 14))
    budget_alert_percents = fields.List(fields.Integer(strict=True, validate=validate.Range(1, 1000)),
                                        load_default=lambda: [80, 100],
                                        validate=validate.Length(max=10))
    created_at = fields.DateTime(dump_only=True)


class ClientUpdateSchema(Schema):
    name = Str(200, min_length=1)
    slug = Slug()
    timezone = Timezone()
    currency = Currency()
    monthly_budget_minor = Money()
    default_chain_id = fields.Integer(allow_none=True)
    inbox_sla_minutes = fields.Integer(strict=True, validate=validate.Range(min=1, max=60 * 24 * 14))
    budget_alert_percents = fields.List(fields.Integer(strict=True, validate=validate.Range(1, 1000)),
                                        validate=validate.Length(max=10))


class MembershipSchema(Schema):
    id = fields.Integer(dump_only=True)
    user_id = fields.Integer(required=True, strict=True)
    client_id = fields.Integer(dump_only=True)
    role = fields.String(required=True, validate=validate.OneOf([r.value for r in MemberRole]))
    created_at = fields.DateTime(dump_only=True)
