"""Schemas of contractor profiles."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from smmflow.api.fields import Currency, Money, Str

CONTRACTOR_ROLES = ["copywriter", "designer", "photographer", "videographer", "targetologist"]
DELIVERABLE_KINDS = ["text", "image", "video", "carousel"]


class ContractorProfileSchema(Schema):
    id = fields.Integer(dump_only=True)
    user_id = fields.Integer(required=True, strict=True)
    name = fields.Function(lambda p: p.user.name, dump_only=True)
    email = fields.Function(lambda p: p.user.email, dump_only=True)
    skills = fields.List(fields.String(validate=validate.OneOf(CONTRACTOR_ROLES)),
                         load_default=list, validate=validate.Length(max=10))
    rates = fields.Dict(keys=fields.String(validate=validate.OneOf(DELIVERABLE_KINDS)),
                        values=Money(), load_default=dict,
                        metadata={"description": "Rate per deliverable kind, in minor units."})
    currency = Currency(required=True)
    bio = Str(5000, allow_none=True, load_default=None)
    created_at = fields.DateTime(dump_only=True)


class ContractorProfileUpdateSchema(Schema):
    skills = fields.List(fields.String(validate=validate.OneOf(CONTRACTOR_ROLES)),
                         validate=validate.Length(max=10))
    rates = fields.Dict(keys=fields.String(validate=validate.OneOf(DELIVERABLE_KINDS)),
                        values=Money())
    currency = Currency()
    bio = Str(5000, allow_none=True)
