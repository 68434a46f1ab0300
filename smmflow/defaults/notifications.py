"""Default plugin: turns events into notifications for the people who must act.

Each ``on_*`` implementation below decides who hears about the event and
what they read; delivery goes through :func:`smmflow.notifications.services.notify`.
Events run after the commit, in their own app context.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from flask import Flask, current_app
from sqlalchemy.orm import Session

from smmflow import hookimpl
from smmflow.approvals.models import ApprovalRequest
from smmflow.assignments.models import Assignment, Submission
from smmflow.auth.models import User, UserRole
from smmflow.clients.models import Client
from smmflow.db import open_session
from smmflow.money import format_money
from smmflow.notifications.services import members, notify, owners
from smmflow.posts.models import Post

DECISION_WORDS = {"approve": "approved", "request_changes": "needs changes", "reject": "rejected"}


def _app() -> Flask:
    return current_app._get_current_object()  # type: ignore[attr-defined]


def _client_name(db: Session, client_id: int) -> str:
    client = db.get(Client, client_id)
    return client.name if client is not None else f"client {client_id}"


def _when(value: dt.datetime | None) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M UTC") if value else "no date"


def _send(user_ids: Iterable[int | None], kind: str, title: str, body: str,
          link: str | None) -> None:
    notify(_app(), user_ids, kind, title, body, link)


# -- assignments ---------------------------------------------------------------------------
@hookimpl
def on_assignment_offered(assignment_id: int, client_id: int, contractor_id: int) -> None:
    """Tell the contractor about the offer."""
    with open_session(_app()) as db:
        assignment = db.get(Assignment, assignment_id)
        client = _client_name(db, client_id)
        due = _when(assignment.due_at if assignment else None)
    _send([contractor_id], "assignment_offered", f"New assignment for {client}",
          f"You are offered assignment #{assignment_id} for {client}, due {due}. "
          "Accept or decline it.", f"/assignments/{assignment_id}")


@hookimpl
def on_assignment_changed(assignment_id: int, client_id: int, contractor_id: int,
                          old_state: str, new_state: str) -> None:
    """Managers hear accept/decline; the contractor hears revision requests, done, cancelled."""
    link = f"/assignments/{assignment_id}"
    with open_session(_app()) as db:
        client = _client_name(db, client_id)
        contractor = db.get(User, contractor_id)
        who = contractor.name if contractor is not None else "The contractor"
        managers = members(db, client_id, "manager")
    if new_state in ("accepted", "declined"):
        _send(managers, f"assignment_{new_state}", f"{who} {new_state} assignment #{assignment_id}",
              f"{who} {new_state} assignment #{assignment_id} for {client}.", link)
    elif new_state in ("revision_requested", "done", "cancelled"):
        words = {"revision_requested": "needs a revision", "done": "is done",
                 "cancelled": "was cancelled"}[new_state]
        _send([contractor_id], f"assignment_{new_state}", f"Assignment #{assignment_id} {words}",
              f"Assignment #{assignment_id} for {client} {words}.", link)


@hookimpl
def on_assignment_overdue(assignment_id: int, client_id: int, contractor_id: int,
                          due_at: dt.datetime, kind: str) -> None:
    """Due soon: the contractor; overdue: the contractor and the managers."""
    with open_session(_app()) as db:
        client = _client_name(db, client_id)
        managers = members(db, client_id, "manager") if kind == "overdue" else set()
    words = "is overdue" if kind == "overdue" else "is due soon"
    _send({contractor_id, *managers}, f"assignment_{kind}",
          f"Assignment #{assignment_id} {words}",
          f"Assignment #{assignment_id} for {client} {words} (due {_when(due_at)}).",
          f"/assignments/{assignment_id}")


@hookimpl
def on_submission_received(submission_id: int, assignment_id: int, client_id: int,
                           check_passed: bool) -> None:
    """Tell the client's managers that work arrived, and whether it passed the check."""
    with open_session(_app()) as db:
        client = _client_name(db, client_id)
        managers = members(db, client_id, "manager")
    check = "passed" if check_passed else "did not pass"
    _send(managers, "submission_received", f"New submission for {client}",
          f"Assignment #{assignment_id} has a new submission; it {check} the automatic check.",
          f"/assignments/{assignment_id}")


# -- approvals -----------------------------------------------------------------------------
def _subject_authors(db: Session, subject_type: str, subject_id: int) -> set[int]:
    if subject_type == "post":
        post = db.get(Post, subject_id)
        return {post.created_by_id} if post is not None and post.created_by_id else set()
    submission = db.get(Submission, subject_id)
    if submission is None:
        return set()
    assignment = db.get(Assignment, submission.assignment_id)
    return {assignment.contractor_id} if assignment is not None else set()


def _step_approvers(db: Session, client_id: int, step: dict[str, Any]) -> set[int]:
    ids = {int(uid) for uid in step.get("approver_user_ids") or []}
    role = step.get("approver_role")
    if role == UserRole.OWNER:
        ids |= owners(db)
    elif role:
        ids |= members(db, client_id, str(role))
    return ids


@hookimpl
def on_approval_requested(request_id: int, client_id: int, subject_type: str, subject_id: int,
                          step_position: int) -> None:
    """Tell the approvers of the step (never the subject's own authors)."""
    with open_session(_app()) as db:
        request = db.get(ApprovalRequest, request_id)
        if request is None or not 1 <= step_position <= len(request.steps or []):
            return
        step = request.steps[step_position - 1]
        approvers = _step_approvers(db, client_id, step) - _subject_authors(db, subject_type,
                                                                            subject_id)
        client = _client_name(db, client_id)
    _send(approvers, "approval_requested", f"Approval needed: {subject_type} #{subject_id}",
          f"{client}: {subject_type} #{subject_id} waits for your decision "
          f"(step {step_position}: {step.get('name', '')}).", f"/approvals/{request_id}")


@hookimpl
def on_approval_decided(request_id: int, client_id: int, subject_type: str, subject_id: int,
                        decision: str, step_position: int, author_id: int | None,
                        final: bool) -> None:
    """Tell the requester, the subject's authors and the managers when a request closes."""
    if not final and decision == "approve":
        return  # the next step's approvers hear on_approval_requested
    with open_session(_app()) as db:
        request = db.get(ApprovalRequest, request_id)
        people = members(db, client_id, "manager") | _subject_authors(db, subject_type, subject_id)
        if request is not None and request.created_by_id:
            people.add(request.created_by_id)
        decider = db.get(User, author_id) if author_id else None
    people.discard(author_id)  # type: ignore[arg-type]
    words = DECISION_WORDS.get(decision, decision)
    by = f" by {decider.name}" if decider is not None else ""
    _send(people, "approval_decided", f"{subject_type.capitalize()} #{subject_id} {words}",
          f"{subject_type.capitalize()} #{subject_id} {words}{by} at step {step_position}.",
          f"/approvals/{request_id}")


@hookimpl
def on_approval_sla_breached(request_id: int, client_id: int, step_position: int) -> None:
    """Tell the managers and the owners that a step is late."""
    with open_session(_app()) as db:
        people = members(db, client_id, "manager") | owners(db)
        client = _client_name(db, client_id)
    _send(people, "approval_sla_breached", f"Approval #{request_id} is late",
          f"{client}: step {step_position} of approval #{request_id} is past its SLA.",
          f"/approvals/{request_id}")


# -- publishing and inbox ------------------------------------------------------------------
@hookimpl
def on_post_failed(target_id: int, post_id: int, client_id: int, platform: str, state: str,
                   reason: str) -> None:
    """Tell the managers a target needs a person (failed, or unknown outcome)."""
    with open_session(_app()) as db:
        people = members(db, client_id, "manager")
        client = _client_name(db, client_id)
    if state == "unknown":
        title = f"Check post #{post_id} on {platform}"
        body = (f"{client}: we cannot tell whether post #{post_id} went out on {platform} "
                f"({reason}). Look at the account, then mark it published or retry.")
    else:
        title = f"Post #{post_id} failed on {platform}"
        body = f"{client}: post #{post_id} was not published on {platform}: {reason}"
    _send(people, f"post_{state}", title, body, f"/posts/{post_id}")


@hookimpl
def on_inbox_sla_breached(item_id: int, client_id: int) -> None:
    """Tell the managers, moderators and owners that a message waits too long."""
    with open_session(_app()) as db:
        people = members(db, client_id, "manager", "moderator") | owners(db)
        client = _client_name(db, client_id)
    _send(people, "inbox_sla_breached", f"Unanswered message for {client}",
          f"{client}: inbox item #{item_id} waits longer than the answer SLA.",
          f"/inbox/{item_id}")


# -- budgets -------------------------------------------------------------------------------
@hookimpl
def on_budget_threshold_crossed(client_id: int, threshold_percent: int, spent_minor: int,
                                budget_minor: int) -> None:
    """Tell the client's managers and the owners that spend reached a budget threshold."""
    with open_session(_app()) as db:
        people = members(db, client_id, "manager") | owners(db)
        client = db.get(Client, client_id)
        name = client.name if client is not None else f"client {client_id}"
        currency = client.currency if client is not None else ""
    _send(people, "budget_threshold_crossed",
          f"{name} used {threshold_percent}% of this month's budget",
          f"{name}: spent {format_money(spent_minor, currency)} of the monthly budget of "
          f"{format_money(budget_minor, currency)} (alert at {threshold_percent}%).",
          f"/api/v1/clients/{client_id}/budget")
