"""``/assignments``: a contractor's own assignments, a manager's clients' ones; accept and decline.

Transitions go through :mod:`smmflow.assignments.services` with the API's
rules: a state that does not allow the action comes back as a flash message.
"""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from smmflow import db as database
from smmflow.assignments import services, states
from smmflow.assignments.access import side_of
from smmflow.assignments.api import commit
from smmflow.assignments.models import Assignment, AssignmentState
from smmflow.auth.models import User
from smmflow.auth.permissions import requires
from smmflow.briefs.models import Brief
from smmflow.web import access, queries
from smmflow.web.blueprint import blp, flash_form_errors, me, perform, safe_next
from smmflow.web.forms import BackForm, DeclineForm

STATES = [s.value for s in AssignmentState]


def _deliverable(assignment: Assignment) -> dict[str, Any] | None:
    version = assignment.spec_version
    if version is None:
        return None
    return next((d for d in version.deliverables if d["key"] == assignment.deliverable_key), None)


def _rows(db: Session, user: User, found: list[Assignment]) -> list[dict[str, Any]]:
    """What a row shows: the assignment, its client and brief, overdue, the checks of its work."""
    clients = queries.clients_by_id(db, (a.client_id for a in found))
    briefs = {b.id: b for b in db.scalars(select(Brief).where(
        Brief.id.in_({a.brief_id for a in found})))} if found else {}
    contractors = queries.users_by_id(db, (a.contractor_id for a in found))
    rows = []
    for a in found:
        side = side_of(db, user, a)
        rows.append({
            "a": a, "client": clients[a.client_id], "brief": briefs.get(a.brief_id),
            "contractor": contractors.get(a.contractor_id), "deliverable": _deliverable(a),
            "overdue": services.is_overdue(a), "side": side,
            "actions": states.allowed_actions(a, side) if side else [],
            "pending_acknowledgement": states.pending_acknowledgement(a),
            "submissions": [{"s": s, "failed": [c for c in s.check_result or [] if not c.get("passed")]}
                            for s in a.submissions],
        })
    return rows


def _page(rows: list[dict[str, Any]], **context: Any) -> str:
    return render_template("web/assignments.html", rows=rows, action_form=BackForm(),
                           decline_form=DeclineForm(), states=STATES, **context)


@blp.route("/assignments")
@requires(access.ASSIGNMENT_LIST)
def assignments() -> str:
    """``?state=`` filters; newest first."""
    db = database.session()
    user = me()
    state = request.args.get("state") or None
    if state is not None and state not in STATES:
        abort(400, f"state must be one of: {', '.join(STATES)}.")
    stmt = services.filter_list(services.visible_to(db, user), {"state": state})
    found = queries.page(db, stmt, Assignment.id, request.args.get("before", type=int))
    return _page(_rows(db, user, found.rows), page=found, state=state, single=False)


@blp.route("/assignments/<int:assignment_id>")
@requires(access.ASSIGNMENT_READ)
def assignment(assignment_id: int) -> str:
    """One assignment (the page notifications link to)."""
    db = database.session()
    found = services.get_assignment(db, assignment_id)
    return _page(_rows(db, me(), [found]), page=None, state=None, single=True)


def _back() -> str:
    return safe_next(request.form.get("next"), "web.assignments")


@blp.route("/assignments/<int:assignment_id>/accept", methods=["POST"])
@requires(access.ASSIGNMENT_CONTRACTOR)
def accept_assignment(assignment_id: int) -> Response:
    """The contractor takes the offer (``offered`` → ``accepted``)."""

    def act(db: Session) -> str:
        found = services.get_assignment(db, assignment_id)
        services.accept(db, found, me())
        commit(db)
        return f"You accepted assignment #{assignment_id}."

    return perform(act, _back())


@blp.route("/assignments/<int:assignment_id>/decline", methods=["POST"])
@requires(access.ASSIGNMENT_CONTRACTOR)
def decline_assignment(assignment_id: int) -> Response:
    """The contractor declines the offer with a reason (``offered`` → ``declined``)."""
    form = DeclineForm()
    if not form.validate():
        flash_form_errors(form.errors)
        return redirect(_back())
    reason = (form.reason.data or "").strip()

    def act(db: Session) -> str:
        found = services.get_assignment(db, assignment_id)
        services.decline(db, found, me(), reason)
        commit(db)
        return f"You declined assignment #{assignment_id}."

    return perform(act, _back())
