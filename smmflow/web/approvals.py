"""``/approvals``: my approval queue with each item's diff, and the decision form.

Decisions go through :func:`smmflow.approvals.services.decide`, which enforces
who may decide (nobody approves their own work) and when; its refusals are
shown as flash messages.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from smmflow import db as database
from smmflow.approvals import diffs, services, subjects
from smmflow.approvals.models import ApprovalRequest, RequestStatus
from smmflow.auth.models import User
from smmflow.auth.permissions import requires
from smmflow.errors import NotFound
from smmflow.web import access, queries
from smmflow.web.blueprint import blp, flash_form_errors, me, perform, safe_next
from smmflow.web.forms import DecisionForm


def _diff_lines(text_diff: str) -> list[tuple[str, str]]:
    """Each line of a unified diff with its kind: ``add``, ``del``, ``hunk`` or ``same``."""
    out = []
    for line in text_diff.splitlines():
        if line.startswith(("+++", "---")):
            kind = "file"
        elif line.startswith("@@"):
            kind = "hunk"
        elif line.startswith("+"):
            kind = "add"
        elif line.startswith("-"):
            kind = "del"
        else:
            kind = "same"
        out.append((kind, line))
    return out


def _may_decide(db: Session, user: User, request_row: ApprovalRequest) -> bool:
    """The rule :func:`services.waiting_for` applies, for one request."""
    if request_row.status != RequestStatus.PENDING:
        return False
    try:
        subject = subjects.load(db, request_row.subject_type, request_row.subject_id)
    except NotFound:
        return False
    return user.id in services.deciders(db, request_row, subject) and not any(
        d.step_position == request_row.current_step and d.author_id == user.id
        for d in request_row.decisions)


def _items(db: Session, user: User, rows: list[ApprovalRequest], *,
           queue: bool = False) -> list[dict[str, Any]]:
    """What each request shows; ``queue``: the rows come from my queue, so I may decide them."""
    clients = queries.clients_by_id(db, (r.client_id for r in rows))
    authors = queries.users_by_id(db, [d.author_id for r in rows for d in r.decisions]
                                  + [r.created_by_id for r in rows])
    items = []
    for row in rows:
        diff = diffs.subject_diff(db, row.subject_type, row.subject_id, request=row)
        step = services.current_step(row) if row.steps and row.current_step else None
        items.append({"r": row, "client": clients[row.client_id], "step": step,
                      "snapshot": row.snapshot, "diff": diff,
                      "diff_lines": _diff_lines(diff["text_diff"]),
                      "sla_due_at": services.sla_due_at(row), "authors": authors,
                      "may_decide": queue or _may_decide(db, user, row)})
    return items


@blp.route("/approvals")
@requires(access.APPROVAL_QUEUE)
def approvals() -> str:
    """Requests waiting for my decision at their current step, oldest first."""
    db = database.session()
    user = me()
    rows = services.waiting_for(db, user)
    return render_template("web/approvals.html", items=_items(db, user, rows, queue=True), single=False,
                           form=DecisionForm())


@blp.route("/approvals/<int:approval_request_id>")
@requires(access.APPROVAL_READ)
def approval(approval_request_id: int) -> str:
    """One request, decided or not (the page notifications link to)."""
    db = database.session()
    row = services.get_request(db, approval_request_id)
    return render_template("web/approvals.html", items=_items(db, me(), [row]), single=True,
                           form=DecisionForm())


@blp.route("/approvals/<int:approval_request_id>/decide", methods=["POST"])
@requires(access.APPROVAL_DECIDE)
def decide_approval(approval_request_id: int) -> Response:
    """Approve, request changes or reject at the request's current step."""
    form = DecisionForm()
    back = safe_next(request.form.get("next"), "web.approvals")
    if not form.validate():
        flash_form_errors(form.errors)
        return redirect(back)
    decision = form.decision.data or ""
    comment = (form.comment.data or "").strip()

    def act(db: Session) -> str:
        row = services.lock_for_decision(db, approval_request_id)
        services.decide(db, row, me(), decision, comment)
        db.commit()
        return f"Decision recorded on request #{approval_request_id}: {decision.replace('_', ' ')}."

    return perform(act, back)
