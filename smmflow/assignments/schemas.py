"""Schemas of assignments and submissions."""

from __future__ import annotations

from typing import Any

from flask import url_for
from marshmallow import Schema, fields, validate

from smmflow.api.fields import Currency, Money, Str
from smmflow.assignments import states
from smmflow.assignments.models import Assignment, AssignmentState, Submission
from smmflow.briefs.schemas import EffectiveDeliverableSchema


def _allowed_actions(assignment: Assignment) -> list[str]:
    from smmflow import db as database
    from smmflow.assignments.access import side_of
    from smmflow.auth.guard import current_user

    side = side_of(database.session(), current_user(), assignment)
    return states.allowed_actions(assignment, side) if side else []


def _overdue(assignment: Assignment) -> bool:
    from smmflow.assignments.services import is_overdue

    return is_overdue(assignment)


class OfferSchema(Schema):
    contractor_id = fields.Integer(required=True, strict=True,
                                   metadata={"description": "User id of the contractor."})
    deliverable_key = Str(80, required=True, min_length=1,
                          metadata={"description": "Key of a deliverable of the current spec."})
    fee_minor = Money(metadata={"description": "Default: the contractor's rate for the kind."})
    currency = Currency(metadata={"description": "Default: the contractor's currency."})
    due_at = fields.AwareDateTime(metadata={"description": "Default: the brief's due date."})


class AssignmentUpdateSchema(Schema):
    due_at = fields.AwareDateTime()
    fee_minor = Money()
    currency = Currency()


class DeclineSchema(Schema):
    reason = Str(1000, required=True, min_length=1)


class RevisionSchema(Schema):
    comment = Str(5000, required=True, min_length=1,
                  metadata={"description": "What to change; shown to the contractor."})


class CancelSchema(Schema):
    reason = Str(1000, load_default="")


class SubmissionSummarySchema(Schema):
    id = fields.Integer()
    number = fields.Integer()
    check_passed = fields.Boolean()
    created_at = fields.DateTime()


class AssignmentSchema(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    brief_id = fields.Integer()
    contractor_id = fields.Integer()
    deliverable_key = fields.String()
    state = fields.String(metadata={"enum": [s.value for s in AssignmentState]})
    fee_minor = fields.Integer()
    currency = fields.String()
    due_at = fields.DateTime()
    overdue = fields.Function(_overdue, metadata={"description": "Due date passed, nothing submitted."})
    spec_version = fields.Function(lambda a: a.spec_version.number if a.spec_version else None)
    acknowledged_spec_version = fields.Function(
        lambda a: a.acknowledged_spec_version.number if a.acknowledged_spec_version else None)
    pending_acknowledgement = fields.Function(states.pending_acknowledgement, metadata={
        "description": "The spec changed after acceptance; the contractor must acknowledge it."})
    allowed_actions = fields.Function(_allowed_actions, metadata={
        "description": "Actions you may take now (POST /assignments/<id>/<action with - for _>)."})
    decline_reason = fields.String(allow_none=True)
    revision_rounds = fields.Integer()
    offered_by_id = fields.Integer(allow_none=True)
    offered_at = fields.DateTime()
    accepted_at = fields.DateTime(allow_none=True)
    first_submitted_at = fields.DateTime(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    done_at = fields.DateTime(allow_none=True)
    cancelled_at = fields.DateTime(allow_none=True)
    latest_submission = fields.Function(
        lambda a: SubmissionSummarySchema().dump(a.submissions[-1]) if a.submissions else None)
    version = fields.Integer()


def _deliverable(assignment: Assignment) -> dict[str, Any] | None:
    from flask import current_app

    from smmflow import db as database
    from smmflow.assignments.submissions import deliverable_for

    found = deliverable_for(current_app, database.session(), assignment)
    return EffectiveDeliverableSchema().dump(found) if found else None


class AssignmentDetailSchema(AssignmentSchema):
    deliverable = fields.Function(_deliverable, allow_none=True, metadata={
        "description": "The deliverable at the assignment's spec version, with effective "
                       "requirements (see EffectiveDeliverable)."})


class AssignmentListArgs(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None, validate=validate.Length(max=100))
    client_id = fields.Integer()
    brief_id = fields.Integer()
    contractor_id = fields.Integer()
    state = fields.String(validate=validate.OneOf([s.value for s in AssignmentState]))
    overdue = fields.Boolean()


class CheckResultSchema(Schema):
    requirement = fields.String()
    passed = fields.Boolean()
    reason = fields.String()
    source = fields.String(metadata={"description": '"spec", "default", a platform, or a plugin.'})
    item = fields.Integer(allow_none=True, metadata={"description": "Index of the file, if any."})
    expected = fields.Raw(allow_none=True)
    actual = fields.Raw(allow_none=True)


def _media(submission: Submission) -> list[dict[str, Any]]:
    out = []
    for item in submission.media:
        shown = {k: item.get(k) for k in ("kind", "mime_type", "size_bytes", "sha256", "filename",
                                          "width", "height", "duration_seconds", "format")}
        shown["download_url"] = url_for("submissions.download_file", submission_id=submission.id,
                                        sha256=item["sha256"])
        out.append(shown)
    return out


class SubmissionSchema(Schema):
    id = fields.Integer()
    assignment_id = fields.Integer()
    number = fields.Integer()
    spec_version_id = fields.Integer(allow_none=True)
    text = fields.String()
    note = fields.String()
    media = fields.Function(_media)
    check_passed = fields.Boolean()
    check_result = fields.List(fields.Nested(CheckResultSchema))
    feedback = fields.String(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    created_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


class SubmissionJsonSchema(Schema):
    """A text-only submission sent as JSON."""

    text = Str(100_000, load_default="")
    note = Str(5_000, load_default="")
