"""Schemas of reports and report schedules."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class ReportRequestSchema(Schema):
    period = fields.String(required=True, validate=validate.OneOf(["week", "month", "custom"]))
    starts_on = fields.Date(load_default=None)
    ends_on = fields.Date(load_default=None)


class ReportSchema(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    period = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    created_at = fields.DateTime()
    data = fields.Dict(metadata={"description": "Every figure of the report."})


class ReportSummarySchema(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    period = fields.String()
    starts_on = fields.Date()
    ends_on = fields.Date()
    created_at = fields.DateTime()


class ReportScheduleSchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    period = fields.String(required=True, validate=validate.OneOf(["week", "month"]))
    recipients = fields.List(fields.Email(validate=validate.Length(max=254)), load_default=list,
                             validate=validate.Length(max=50))
    enabled = fields.Boolean(load_default=True)
    last_period_start = fields.Date(dump_only=True, allow_none=True)
