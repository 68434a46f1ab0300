"""Schemas of approval chains, requests, decisions, links and diffs."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from smmflow.api.fields import Str
from smmflow.approvals.chains import STEP_ROLES
from smmflow.approvals.models import Decision, RequestStatus, StepMode
from smmflow.approvals.services import sla_due_at
from smmflow.approvals.subjects import SUBJECT_TYPES


class ApprovalStepSchema(Schema):
    position = fields.Integer(dump_only=True)
    name = Str(200, required=True, min_length=1)
    approver_role = fields.String(allow_none=True, load_default=None,
                                  validate=validate.OneOf(STEP_ROLES))
    approver_user_ids = fields.List(fields.Integer(strict=True), load_default=list,
                                    validate=validate.Length(max=50))
    mode = fields.String(load_default=StepMode.ANY.value,
                         validate=validate.OneOf([m.value for m in StepMode]))
    sla_hours = fields.Integer(strict=True, allow_none=True, load_default=None,
                               validate=validate.Range(min=1, max=24 * 365))

    @validates_schema
    def _approvers(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("approver_role") and not data.get("approver_user_ids"):
            raise ValidationError("Name the approvers: a role or a list of users.",
                                  field_name="approver_role")


class ApprovalChainSchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    name = Str(200, required=True, min_length=1)
    steps = fields.List(fields.Nested(ApprovalStepSchema), required=True,
                        validate=validate.Length(min=1, max=20))
    is_default = fields.Boolean(load_default=False,
                                metadata={"description": "The client's default chain."})
    version = fields.Integer(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


class ApprovalChainUpdateSchema(Schema):
    name = Str(200, min_length=1)
    steps = fields.List(fields.Nested(ApprovalStepSchema), validate=validate.Length(min=1, max=20))
    is_default = fields.Boolean()


class ApprovalRequestCreateSchema(Schema):
    chain_id = fields.Integer(strict=True, allow_none=True, load_default=None,
                              metadata={"description": "Default: the client's default chain."})


class ApprovalDecisionSchema(Schema):
    id = fields.Integer(dump_only=True)
    step_position = fields.Integer(dump_only=True)
    decision = fields.String(required=True, validate=validate.OneOf([d.value for d in Decision]))
    comment = Str(5000, load_default="", metadata={
        "description": "Required for request_changes and reject."})
    author_id = fields.Integer(dump_only=True)
    via_link = fields.Boolean(dump_only=True)
    created_at = fields.DateTime(dump_only=True)


def _sla_due_at(request: Any) -> str | None:
    due = sla_due_at(request)
    return due.isoformat() if due else None


class ApprovalRequestSchema(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    chain_id = fields.Integer(allow_none=True)
    subject_type = fields.String()
    subject_id = fields.Integer()
    content_hash = fields.String()
    snapshot = fields.Dict(metadata={"description": "The content under approval."})
    steps = fields.List(fields.Dict())
    status = fields.String()
    current_step = fields.Integer()
    step_started_at = fields.DateTime()
    sla_due_at = fields.Function(_sla_due_at, metadata={
        "type": "string", "format": "date-time", "nullable": True,
        "description": "When the current step breaches its SLA (null: no SLA or closed)."})
    escalated_at = fields.DateTime(allow_none=True)
    created_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    closed_at = fields.DateTime(allow_none=True)
    decisions = fields.List(fields.Nested(ApprovalDecisionSchema))


class ApprovalRequestListArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None, validate=validate.Length(max=100))
    status = fields.String(load_default=None,
                           validate=validate.OneOf([s.value for s in RequestStatus]))
    subject_type = fields.String(load_default=None, validate=validate.OneOf(SUBJECT_TYPES))
    subject_id = fields.Integer(load_default=None)


class ApprovalRequestListSchema(Schema):
    items = fields.List(fields.Nested(ApprovalRequestSchema), required=True)


class ApprovalLinkCreateSchema(Schema):
    user_id = fields.Integer(strict=True, required=True,
                             metadata={"description": "The approver who decides through the link."})


class ApprovalLinkSchema(Schema):
    url = fields.String()
    user_id = fields.Integer()
    step_position = fields.Integer()
    expires_at = fields.DateTime()


class ContentVersionSchema(Schema):
    request_id = fields.Integer()
    content_hash = fields.String()
    status = fields.String()
    decided_at = fields.DateTime()
    label = fields.String()


class ContentDiffSchema(Schema):
    subject_type = fields.String()
    subject_id = fields.Integer()
    from_ = fields.Nested(ContentVersionSchema, data_key="from", attribute="from", allow_none=True)
    to = fields.Nested(ContentVersionSchema)
    changed_fields = fields.List(fields.String())
    text_diff = fields.String(metadata={"description": "Unified diff of the text."})
    fields_ = fields.Dict(data_key="fields", attribute="fields", metadata={
        "description": "Old and new value of every other changed field."})
