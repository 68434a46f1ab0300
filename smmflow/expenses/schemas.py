"""Schemas of expenses."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from smmflow.api.fields import Currency, Str
from smmflow.expenses.models import ExpenseKind

MANUAL_KINDS = [ExpenseKind.AD_SPEND.value, ExpenseKind.TOOLS.value, ExpenseKind.OTHER.value]


class ExpenseSchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    campaign_id = fields.Integer(strict=True, allow_none=True, load_default=None)
    assignment_id = fields.Integer(dump_only=True, allow_none=True)
    kind = fields.String(required=True, validate=validate.OneOf(
        MANUAL_KINDS, error="One of ad_spend, tools, other; contractor fees are recorded "
                            "automatically when work is accepted."),
        metadata={"enum": [k.value for k in ExpenseKind]})
    amount_minor = fields.Integer(required=True, strict=True,
                                  validate=validate.Range(min=1, max=10**15),
                                  metadata={"description": "Amount in integer minor units."})
    currency = Currency(load_default=None, metadata={"description": "Default: the client's."})
    description = Str(500, load_default="")
    incurred_on = fields.Date(required=True)
    created_by_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)


class ExpenseListArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None, validate=validate.Length(max=100))
    kind = fields.String(validate=validate.OneOf([k.value for k in ExpenseKind]))
    campaign_id = fields.Integer()
    from_ = fields.Date(data_key="from", metadata={"description": "First day (incurred_on)."})
    to = fields.Date(metadata={"description": "Last day, inclusive."})
