"""Schemas of budgets and revenue."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from smmflow.api.fields import Currency, Money, Str


class BudgetQuerySchema(Schema):
    month = fields.String(load_default=None, validate=validate.Regexp(
        r"^\d{4}-(0[1-9]|1[0-2])$", error="A month as YYYY-MM."))


class BudgetStatusSchema(Schema):
    client_id = fields.Integer()
    month = fields.String()
    currency = fields.String()
    budget_minor = fields.Integer()
    spent_minor = fields.Integer()
    remaining_minor = fields.Integer()
    percent_used = fields.Float(allow_none=True)
    by_kind = fields.Dict(keys=fields.String(), values=fields.Integer())
    alerts = fields.List(fields.Integer())


class RevenueSchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    campaign_id = fields.Integer(allow_none=True, load_default=None, strict=True)
    amount_minor = Money(required=True)
    currency = Currency(required=True)
    received_on = fields.Date(required=True)
    description = Str(500, load_default="")
    created_at = fields.DateTime(dump_only=True)
