"""Schemas of audit events."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class AuditEventSchema(Schema):
    id = fields.Integer()
    actor_id = fields.Integer(allow_none=True)
    action = fields.String()
    object_type = fields.String()
    object_id = fields.String(allow_none=True)
    client_id = fields.Integer(allow_none=True)
    details = fields.Dict()
    remote_addr = fields.String(allow_none=True)
    created_at = fields.DateTime()


class AuditQuerySchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None, validate=validate.Length(max=100))
    object_type = fields.String(validate=validate.Length(max=50))
    object_id = fields.String(validate=validate.Length(max=50))
    client_id = fields.Integer()
    action = fields.String(validate=validate.Length(max=100))
