"""Schemas of notifications."""

from __future__ import annotations

from marshmallow import Schema, fields

from smmflow.api.pagination import PageArgs


class NotificationSchema(Schema):
    id = fields.Integer(dump_only=True)
    kind = fields.String(dump_only=True)
    title = fields.String(dump_only=True)
    body = fields.String(dump_only=True)
    link = fields.String(dump_only=True, allow_none=True)
    created_at = fields.DateTime(dump_only=True)
    read_at = fields.DateTime(dump_only=True, allow_none=True)


class NotificationQuerySchema(PageArgs):
    unread = fields.Boolean(load_default=False,
                            metadata={"description": "Only notifications not read yet."})
