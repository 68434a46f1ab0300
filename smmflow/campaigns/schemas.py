"""Schemas of campaigns."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from smmflow.api.fields import Currency, Money, Str


class CampaignSchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    name = Str(200, required=True, min_length=1)
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    target_reach = fields.Integer(strict=True, allow_none=True, load_default=None,
                                  validate=validate.Range(min=0))
    target_er_bp = fields.Integer(strict=True, allow_none=True, load_default=None,
                                  validate=validate.Range(min=0, max=10000),
                                  metadata={"description": "ER target in basis points (1% = 100)."})
    target_follower_growth = fields.Integer(strict=True, allow_none=True, load_default=None)
    budget_minor = Money(allow_none=True, load_default=None)
    currency = Currency(required=True)
    created_at = fields.DateTime(dump_only=True)

    @validates_schema
    def _period(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            raise ValidationError("ends_on must not be before starts_on.", field_name="ends_on")


class CampaignUpdateSchema(Schema):
    name = Str(200, min_length=1)
    starts_on = fields.Date()
    ends_on = fields.Date()
    target_reach = fields.Integer(strict=True, allow_none=True, validate=validate.Range(min=0))
    target_er_bp = fields.Integer(strict=True, allow_none=True,
                                  validate=validate.Range(min=0, max=10000))
    target_follower_growth = fields.Integer(strict=True, allow_none=True)
    budget_minor = Money(allow_none=True)
    currency = Currency()
