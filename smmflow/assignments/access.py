"""Who stands on which side of an assignment, and the route rules built on it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow.assignments.models import Assignment, Submission
from smmflow.assignments.states import AGENCY, CONTRACTOR
from smmflow.auth.models import User
from smmflow.auth.permissions import (
    Principal,
    any_of,
    client_role,
    custom,
    is_manager_anywhere,
    member_roles,
    via_model,
)


def side_of(db: Session, user: User | None, assignment: Assignment) -> str | None:
    """``"contractor"``, ``"agency"`` (owner or manager of the client) or None."""
    if user is None:
        return None
    if user.id == assignment.contractor_id:
        return CONTRACTOR
    if user.is_owner:
        return AGENCY
    if user.is_contractor:
        return None
    cache: dict[tuple[int, int], bool] = db.info.setdefault("smmflow_manager_of", {})
    key = (user.id, assignment.client_id)
    if key not in cache:
        cache[key] = "manager" in member_roles(db, user, assignment.client_id)
    return AGENCY if cache[key] else None


def _contractor_of(model: Any, arg: str, column: Any) -> Any:
    def check(db: Session, p: Principal, args: Mapping[str, Any]) -> bool:
        if p is None or not p.is_contractor:
            return False
        stmt = select(Assignment.contractor_id)
        if model is Submission:
            stmt = stmt.join(Submission, Submission.assignment_id == Assignment.id)
        return db.scalar(stmt.where(column == args.get(arg))) == p.id

    return check


def _submission_client(db: Session, args: Mapping[str, Any]) -> int | None:
    return db.scalar(select(Assignment.client_id).join(
        Submission, Submission.assignment_id == Assignment.id).where(
        Submission.id == args.get("submission_id")))


AGENCY_ONE = client_role("manager", resolver=via_model(Assignment, "assignment_id"),
                         name="owner or manager of the assignment's client")
CONTRACTOR_ONE = custom("the assignment's contractor",
                        _contractor_of(Assignment, "assignment_id", Assignment.id))
PARTY_ONE = any_of(AGENCY_ONE, CONTRACTOR_ONE, name="the assignment's contractor or agency")
SUBMISSION_PARTY = any_of(
    client_role("manager", resolver=_submission_client),
    custom("the submission's contractor", _contractor_of(Submission, "submission_id", Submission.id)),
    name="the submission's contractor or agency",
)
LISTER = custom("owner, a manager, or a contractor",
                lambda db, p, a: p is not None and (p.is_owner or p.is_contractor
                                                    or is_manager_anywhere(db, p)))
