"""Assignments: offers, the state machine's transitions, overdue and listing rules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, select
from sqlalchemy.orm import Session, selectinload

from smmflow import events
from smmflow.assignments import states
from smmflow.assignments.access import side_of
from smmflow.assignments.models import Assignment, AssignmentState, Submission
from smmflow.audit import services as audit
from smmflow.auth.models import User
from smmflow.auth.permissions import visible_client_ids
from smmflow.briefs import services as briefs
from smmflow.briefs.models import Brief, TechSpecVersion
from smmflow.contractors.models import ContractorProfile
from smmflow.db import utcnow
from smmflow.errors import Conflict, Forbidden, NotFound, ValidationFailed

S = AssignmentState


def get_assignment(db: Session, assignment_id: int) -> Assignment:
    assignment = db.get(Assignment, assignment_id)
    if assignment is None:
        raise NotFound(f"No assignment {assignment_id}.")
    return assignment


def overdue_clause(now: dt.datetime) -> ColumnElement[bool]:
    """SQL: due date passed and nothing submitted (offered or accepted)."""
    return and_(Assignment.due_at < now, Assignment.first_submitted_at.is_(None),
                Assignment.state.in_([S.OFFERED, S.ACCEPTED]))


def is_overdue(assignment: Assignment, now: dt.datetime | None = None) -> bool:
    """The Python twin of :func:`overdue_clause`, for one loaded assignment."""
    now = now or utcnow()
    return assignment.due_at < now and assignment.first_submitted_at is None and \
        assignment.state in (S.OFFERED, S.ACCEPTED)


def visible_to(db: Session, user: User) -> Select[tuple[Assignment]]:
    """Assignments ``user`` may list: a contractor their own, a manager their clients', the owner all."""
    stmt = select(Assignment).options(selectinload(Assignment.submissions))
    if user.is_owner:
        return stmt
    if user.is_contractor:
        return stmt.where(Assignment.contractor_id == user.id)
    return stmt.where(Assignment.client_id.in_(visible_client_ids(db, user, ["manager"])))


def filter_list(stmt: Select[tuple[Assignment]], args: dict[str, Any]) -> Select[tuple[Assignment]]:
    for key in ("client_id", "brief_id", "contractor_id", "state"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(Assignment, key) == args[key])
    if args.get("overdue") is not None:
        clause = overdue_clause(utcnow())
        stmt = stmt.where(clause if args["overdue"] else ~clause)
    return stmt


def _emit_changed(db: Session, assignment: Assignment, old_state: str) -> None:
    events.emit(db, "on_assignment_changed", assignment_id=assignment.id,
                client_id=assignment.client_id, contractor_id=assignment.contractor_id,
                old_state=old_state, new_state=assignment.state)


def offer(db: Session, brief: Brief, data: dict[str, Any], actor: User) -> Assignment:
    """Offer one deliverable of the brief's current spec to a contractor."""
    version = briefs.current_version(db, brief) if brief.spec else None
    if version is None:
        raise Conflict("Write the brief's spec before offering work.", code="no_spec")
    deliverable = briefs.deliverable_of(version, data["deliverable_key"])
    if deliverable is None:
        keys = ", ".join(d["key"] for d in version.deliverables)
        raise ValidationFailed(f"deliverable_key must be one of: {keys}.",
                               fields={"deliverable_key": [f"Not in spec version {version.number}."]})
    contractor = db.get(User, data["contractor_id"])
    profile = db.scalar(select(ContractorProfile).where(ContractorProfile.user_id == data["contractor_id"]))
    if contractor is None or not contractor.is_contractor or not contractor.is_active or profile is None:
        raise ValidationFailed("contractor_id must name an active contractor with a profile.",
                               fields={"contractor_id": ["Not a contractor."]})
    if deliverable["role"] not in profile.skills:
        raise ValidationFailed(
            f"This deliverable needs a {deliverable['role']}; the contractor's skills are "
            f"{', '.join(profile.skills) or 'none'}.",
            fields={"contractor_id": [f"Lacks the role {deliverable['role']}."]})
    fee = data.get("fee_minor")
    if fee is None:
        fee = (profile.rates or {}).get(deliverable["kind"])
        if fee is None:
            raise ValidationFailed(
                f"fee_minor is required: the contractor has no rate for {deliverable['kind']}.",
                fields={"fee_minor": ["Missing data for required field."]})
    due_at = data.get("due_at") or brief.due_at
    if due_at is None:
        raise ValidationFailed("due_at is required (the brief has no due date).",
                               fields={"due_at": ["Missing data for required field."]})
    if due_at <= utcnow():
        raise ValidationFailed("due_at must be in the future.", fields={"due_at": ["In the past."]})
    duplicate = db.scalar(select(Assignment.id).where(
        Assignment.brief_id == brief.id, Assignment.contractor_id == contractor.id,
        Assignment.deliverable_key == deliverable["key"],
        Assignment.state.in_(briefs.LIVE_STATES)))
    if duplicate is not None:
        raise Conflict("This contractor already has this deliverable.", code="duplicate",
                       details={"assignment_id": duplicate})
    assignment = Assignment(
        client_id=brief.client_id, brief_id=brief.id, contractor_id=contractor.id,
        spec_version_id=version.id, deliverable_key=deliverable["key"], state=S.OFFERED,
        fee_minor=fee, currency=data.get("currency") or profile.currency, due_at=due_at,
        offered_by_id=actor.id, offered_at=utcnow())
    db.add(assignment)
    db.flush()
    audit.record(db, "assignment.offer", assignment, contractor_id=contractor.id,
                 deliverable=deliverable["key"], spec_version=version.number,
                 fee_minor=fee, currency=assignment.currency)
    events.emit(db, "on_assignment_offered", assignment_id=assignment.id,
                client_id=assignment.client_id, contractor_id=assignment.contractor_id)
    return assignment


def require_action(db: Session, assignment: Assignment, actor: User, action: str) -> str:
    """Refuse ``action`` now: 403 for the wrong side, 409 when the state does not allow it."""
    side = side_of(db, actor, assignment)
    needed = states.action_side(action)
    if side != needed:
        who = "contractor" if needed == states.CONTRACTOR else "agency (owner or client manager)"
        raise Forbidden(f"Only the {who} of this assignment can {action.replace('_', ' ')}.")
    if action not in states.allowed_actions(assignment, side):
        details = {"state": assignment.state, "action": action,
                   "allowed_actions": states.allowed_actions(assignment, side),
                   "pending_acknowledgement": states.pending_acknowledgement(assignment)}
        if action in states.SUBMIT_ACTIONS and states.pending_acknowledgement(assignment) and \
                assignment.state in states.TRANSITIONS[action].sources:
            raise Conflict("The spec changed since you accepted; acknowledge the new version "
                           "before submitting.", code="acknowledgement_required", details=details)
        raise Conflict(f"Cannot {action.replace('_', ' ')} an assignment that is {assignment.state}.",
                       code="illegal_transition", details=details)
    return side


def _move(db: Session, assignment: Assignment, actor: User, action: str, **details: Any) -> None:
    require_action(db, assignment, actor, action)
    old = assignment.state
    assignment.state = states.TRANSITIONS[action].target
    audit.record(db, f"assignment.{action}", assignment, from_state=old, to_state=assignment.state,
                 **details)
    _emit_changed(db, assignment, old)


def accept(db: Session, assignment: Assignment, actor: User) -> Assignment:
    """The contractor takes the offer, and with it the spec version it shows."""
    _move(db, assignment, actor, "accept")
    assignment.accepted_at = utcnow()
    assignment.acknowledged_spec_version_id = assignment.spec_version_id
    return assignment


def decline(db: Session, assignment: Assignment, actor: User, reason: str) -> Assignment:
    _move(db, assignment, actor, "decline", reason=reason)
    assignment.decline_reason = reason
    return assignment


def acknowledge(db: Session, assignment: Assignment, actor: User) -> Assignment:
    """The contractor confirms the spec version that changed after they accepted."""
    require_action(db, assignment, actor, states.ACKNOWLEDGE)
    assignment.acknowledged_spec_version_id = assignment.spec_version_id
    number = db.get(TechSpecVersion, assignment.spec_version_id).number
    audit.record(db, "assignment.acknowledge", assignment, spec_version=number)
    return assignment


def mark_submitted(db: Session, assignment: Assignment, actor: User, action: str,
                   submission: Submission) -> None:
    """The transition of ``submit``/``resubmit`` (the upload is in :mod:`.submissions`)."""
    _move(db, assignment, actor, action, submission_number=submission.number,
          check_passed=submission.check_passed)
    now = utcnow()
    assignment.submitted_at = now
    if assignment.first_submitted_at is None:
        assignment.first_submitted_at = now


def latest_submission(db: Session, assignment: Assignment) -> Submission | None:
    return db.scalar(select(Submission).where(Submission.assignment_id == assignment.id)
                     .order_by(Submission.number.desc()).limit(1))


def request_revision(db: Session, assignment: Assignment, actor: User, comment: str) -> Assignment:
    """Send the work back with a comment (stored on the latest submission)."""
    _move(db, assignment, actor, "request_revision", comment=comment)
    assignment.revision_rounds += 1
    submission = latest_submission(db, assignment)
    if submission is not None:
        submission.feedback = comment
        submission.reviewed_at = utcnow()
    return assignment


def accept_work(db: Session, assignment: Assignment, actor: User) -> Assignment:
    """Accept the submitted work; the fee is recorded as an expense of the client."""
    from smmflow.expenses import services as expenses

    _move(db, assignment, actor, "accept_work")
    assignment.done_at = utcnow()
    submission = latest_submission(db, assignment)
    if submission is not None:
        submission.reviewed_at = assignment.done_at
    db.flush()
    expenses.record_contractor_fee(db, assignment)
    return assignment


def cancel(db: Session, assignment: Assignment, actor: User, reason: str = "") -> Assignment:
    _move(db, assignment, actor, "cancel", reason=reason)
    assignment.cancelled_at = utcnow()
    return assignment


def update(db: Session, assignment: Assignment, changes: dict[str, Any]) -> Assignment:
    """Change the due date (any live state) or the fee (only while offered)."""
    if assignment.state in states.TERMINAL:
        raise Conflict(f"The assignment is {assignment.state}; it can no longer change.",
                       code="illegal_transition",
                       details={"state": assignment.state, "allowed_actions": []})
    if ({"fee_minor", "currency"} & set(changes)) and assignment.state != S.OFFERED:
        raise Conflict("The fee is agreed once the offer is accepted; cancel and offer again.",
                       code="fee_agreed", details={"state": assignment.state})
    if "due_at" in changes and changes["due_at"] != assignment.due_at:
        if changes["due_at"] <= utcnow():
            raise ValidationFailed("due_at must be in the future.", fields={"due_at": ["In the past."]})
        assignment.reminded_at = None
        assignment.overdue_reminded_at = None
    for key, value in changes.items():
        setattr(assignment, key, value)
    audit.record(db, "assignment.edit", assignment, fields=sorted(changes))
    return assignment
