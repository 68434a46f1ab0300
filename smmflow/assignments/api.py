"""``/api/v1/assignments``: offers, the state machine's actions, submissions of work.

Every transition is ``POST /assignments/<id>/<action>`` (``request-revision``,
``accept-work`` with dashes). An action the state does not allow answers 409
with ``details.state`` and ``details.allowed_actions``; an action of the other
side answers 403.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request
from marshmallow import ValidationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload
from sqlalchemy.orm.exc import StaleDataError

from smmflow import db as database
from smmflow.api import Blueprint
from smmflow.api.etag import check_if_match, etag_header
from smmflow.api.pagination import page_of, paginate
from smmflow.assignments import services, submissions
from smmflow.assignments.access import AGENCY_ONE, CONTRACTOR_ONE, LISTER, PARTY_ONE
from smmflow.assignments.models import Assignment
from smmflow.assignments.schemas import (
    AssignmentDetailSchema,
    AssignmentListArgs,
    AssignmentSchema,
    AssignmentUpdateSchema,
    CancelSchema,
    DeclineSchema,
    OfferSchema,
    RevisionSchema,
    SubmissionJsonSchema,
    SubmissionSchema,
)
from smmflow.assignments.submissions_api import blp as submissions_blp
from smmflow.auth.guard import current_user
from smmflow.auth.permissions import requires
from smmflow.briefs import services as briefs
from smmflow.briefs.api import WRITE_ONE as BRIEF_MANAGER
from smmflow.errors import Conflict, UnsupportedMediaType, ValidationFailed

blp = Blueprint("assignments", __name__, description="Assignments of briefs to contractors")
extra_blueprints = [submissions_blp]


def commit(db: Session) -> None:
    """Commit (then reload, so derived fields are fresh); a concurrent change answers 409."""
    try:
        db.commit()
        db.expire_all()
    except (StaleDataError, IntegrityError) as exc:
        db.rollback()
        raise Conflict("The assignment changed at the same time; fetch it and try again.",
                       code="concurrent_change") from exc


def detail(assignment: Assignment) -> tuple[Assignment, dict[str, str]]:
    return assignment, etag_header(assignment)


@blp.route("/assignments", methods=["GET"])
@requires(LISTER)
@blp.arguments(AssignmentListArgs, location="query")
@blp.response(200, page_of(AssignmentSchema))
def list_assignments(args: dict[str, Any]) -> dict[str, Any]:
    """Assignments you may see: a contractor their own, a manager their clients', the owner all."""
    db = database.session()
    stmt = services.filter_list(services.visible_to(db, current_user()), args)
    return paginate(db, stmt, Assignment.id, args)


@blp.route("/briefs/<int:brief_id>/assignments", methods=["GET"])
@requires(BRIEF_MANAGER)
@blp.response(200, AssignmentSchema(many=True))
def list_brief_assignments(brief_id: int) -> list[Assignment]:
    """Every assignment of one brief."""
    db = database.session()
    return list(db.scalars(select(Assignment).where(Assignment.brief_id == brief_id)
                           .options(selectinload(Assignment.submissions)).order_by(Assignment.id)))


@blp.route("/briefs/<int:brief_id>/assignments", methods=["POST"])
@requires(BRIEF_MANAGER)
@blp.arguments(OfferSchema)
@blp.response(201, AssignmentDetailSchema)
def offer(data: dict[str, Any], brief_id: int) -> tuple[Assignment, dict[str, str]]:
    """Offer a deliverable of the brief's current spec to a contractor (state ``offered``)."""
    db = database.session()
    assignment = services.offer(db, briefs.get_brief(db, brief_id), data, current_user())
    commit(db)
    return detail(assignment)


@blp.route("/assignments/<int:assignment_id>", methods=["GET"])
@requires(PARTY_ONE)
@blp.response(200, AssignmentDetailSchema)
def get_assignment(assignment_id: int) -> tuple[Assignment, dict[str, str]]:
    """One assignment, its deliverable with effective requirements, and your allowed actions."""
    return detail(services.get_assignment(database.session(), assignment_id))


@blp.route("/assignments/<int:assignment_id>", methods=["PATCH"])
@requires(AGENCY_ONE)
@blp.arguments(AssignmentUpdateSchema)
@blp.response(200, AssignmentDetailSchema)
def update_assignment(data: dict[str, Any], assignment_id: int) -> tuple[Assignment, dict[str, str]]:
    """Move the due date, or change the fee while the offer is open; stale ``If-Match`` is 409."""
    db = database.session()
    assignment = services.get_assignment(db, assignment_id)
    check_if_match(assignment)
    services.update(db, assignment, data)
    commit(db)
    return detail(assignment)


def _act(assignment_id: int, action: Any, *args: Any) -> tuple[Assignment, dict[str, str]]:
    db = database.session()
    assignment = services.get_assignment(db, assignment_id)
    action(db, assignment, current_user(), *args)
    commit(db)
    return detail(assignment)


@blp.route("/assignments/<int:assignment_id>/accept", methods=["POST"])
@requires(CONTRACTOR_ONE)
@blp.response(200, AssignmentDetailSchema)
def accept(assignment_id: int) -> tuple[Assignment, dict[str, str]]:
    """The contractor accepts the offer (``offered`` → ``accepted``)."""
    return _act(assignment_id, services.accept)


@blp.route("/assignments/<int:assignment_id>/decline", methods=["POST"])
@requires(CONTRACTOR_ONE)
@blp.arguments(DeclineSchema)
@blp.response(200, AssignmentDetailSchema)
def decline(data: dict[str, Any], assignment_id: int) -> tuple[Assignment, dict[str, str]]:
    """The contractor declines the offer with a reason (``offered`` → ``declined``)."""
    return _act(assignment_id, services.decline, data["reason"])


@blp.route("/assignments/<int:assignment_id>/acknowledge", methods=["POST"])
@requires(CONTRACTOR_ONE)
@blp.response(200, AssignmentDetailSchema)
def acknowledge(assignment_id: int) -> tuple[Assignment, dict[str, str]]:
    """The contractor confirms the spec version that changed after they accepted."""
    return _act(assignment_id, services.acknowledge)


def _read_submission() -> tuple[str, str, list[submissions.Upload]]:
    """Text, note and files from a multipart form, or text and note from JSON."""
    if request.mimetype == "multipart/form-data":
        form, files = request.form, request.files
        unknown = sorted((set(form) - {"text", "note"}) | (set(files) - {"files"}))
        if unknown:
            raise ValidationFailed(f"Unknown field(s): {', '.join(unknown)}",
                                   fields={name: ["Unknown field."] for name in unknown})
        uploads = [submissions.Upload(f.stream, f.filename or "", f.mimetype or "")
                   for f in files.getlist("files") if f.filename or f.mimetype]
        return form.get("text", ""), form.get("note", ""), uploads
    if request.mimetype == "application/json":
        try:
            data = SubmissionJsonSchema().load(request.get_json())  # malformed JSON: 400
        except ValidationError as exc:
            fields = exc.normalized_messages()
            raise ValidationFailed(f"Invalid input in field(s): {', '.join(sorted(fields))}",
                                   fields=fields) from exc
        return data["text"], data["note"], []
    raise UnsupportedMediaType(
        "Send multipart/form-data (fields text, note and files) or application/json "
        "(text and note).", details={"content_type": request.mimetype})


def _submit(assignment_id: int, action: str) -> tuple[Any, int, dict[str, str]]:
    db = database.session()
    assignment = services.get_assignment(db, assignment_id)
    text, note, uploads = _read_submission()  # 413/415/422 on the request itself
    submissions.validate_fields(text, note, uploads)
    services.require_action(db, assignment, current_user(), action)  # before staging any file
    stored = submissions.store_of(current_app)
    try:
        submission = submissions.create(current_app, db, assignment, current_user(), action,
                                        text=text, note=note, uploads=uploads, stored=stored)
        commit(db)
    except BaseException:
        db.rollback()
        submissions.discard_new_blobs(stored)
        raise
    return submission, 201, etag_header(assignment)


SUBMIT_DOC = {"requestBody": {"content": {
    "multipart/form-data": {"schema": {"type": "object", "properties": {
        "text": {"type": "string", "maxLength": 100_000}, "note": {"type": "string", "maxLength": 5_000},
        "files": {"type": "array", "items": {"type": "string", "format": "binary"}}}}},
    "application/json": {"schema": {"type": "object", "properties": {
        "text": {"type": "string", "maxLength": 100_000}, "note": {"type": "string", "maxLength": 5_000}}}},
}}}


@blp.route("/assignments/<int:assignment_id>/submit", methods=["POST"])
@requires(CONTRACTOR_ONE)
@blp.doc(**SUBMIT_DOC)
@blp.response(201, SubmissionSchema)
def submit(assignment_id: int) -> tuple[Any, int, dict[str, str]]:
    """Submit the work (``accepted`` → ``submitted``); it is checked against the spec at once.

    Images are checked with Pillow (format, size, aspect), videos with PyAV
    (format, duration). Too large a file answers 413, a file that is no
    supported image or video 415, a corrupt one 422; nothing is stored then.
    """
    return _submit(assignment_id, "submit")


@blp.route("/assignments/<int:assignment_id>/resubmit", methods=["POST"])
@requires(CONTRACTOR_ONE)
@blp.doc(**SUBMIT_DOC)
@blp.response(201, SubmissionSchema)
def resubmit(assignment_id: int) -> tuple[Any, int, dict[str, str]]:
    """Submit the revised work (``revision_requested`` → ``submitted``), checked like the first."""
    return _submit(assignment_id, "resubmit")


@blp.route("/assignments/<int:assignment_id>/request-revision", methods=["POST"])
@requires(AGENCY_ONE)
@blp.arguments(RevisionSchema)
@blp.response(200, AssignmentDetailSchema)
def request_revision(data: dict[str, Any], assignment_id: int) -> tuple[Assignment, dict[str, str]]:
    """Send the work back with a comment (``submitted`` → ``revision_requested``)."""
    return _act(assignment_id, services.request_revision, data["comment"])


@blp.route("/assignments/<int:assignment_id>/accept-work", methods=["POST"])
@requires(AGENCY_ONE)
@blp.response(200, AssignmentDetailSchema)
def accept_work(assignment_id: int) -> tuple[Assignment, dict[str, str]]:
    """Accept the submitted work (``submitted`` → ``done``); the fee becomes an expense."""
    return _act(assignment_id, services.accept_work)


@blp.route("/assignments/<int:assignment_id>/cancel", methods=["POST"])
@requires(AGENCY_ONE)
@blp.arguments(CancelSchema)
@blp.response(200, AssignmentDetailSchema)
def cancel(data: dict[str, Any], assignment_id: int) -> tuple[Assignment, dict[str, str]]:
    """Cancel the assignment from any state before ``done``."""
    return _act(assignment_id, services.cancel, data["reason"])


@blp.route("/assignments/<int:assignment_id>/submissions", methods=["GET"])
@requires(PARTY_ONE)
@blp.response(200, SubmissionSchema(many=True))
def list_submissions(assignment_id: int) -> list[Any]:
    """Every submission of the assignment with its check result, oldest first."""
    db = database.session()
    return list(services.get_assignment(db, assignment_id).submissions)
