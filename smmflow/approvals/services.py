"""Approval requests: one run of a chain over one subject at one content hash.

States of a request::

    pending ─approve (last step complete)→ approved ─content edited→ voided
       ├─request_changes→ changes_requested
       ├─reject→ rejected
       └─content edited / withdrawn→ voided

A step in ``any`` mode completes with one approval; in ``all`` mode every
approver of the step must approve. Nobody decides on their own work (the
post's creator, the submission's contractor). Every decision is audited and
fires ``on_approval_decided`` after the commit.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow import events
from smmflow.approvals import chains, subjects
from smmflow.approvals.models import (
    ApprovalChain,
    ApprovalDecision,
    ApprovalRequest,
    Decision,
    RequestStatus,
    StepMode,
)
from smmflow.approvals.subjects import Subject
from smmflow.assignments.models import Assignment, AssignmentState, Submission
from smmflow.audit import services as audit
from smmflow.auth.models import User, UserRole
from smmflow.clients.models import Client, Membership
from smmflow.db import utcnow
from smmflow.errors import Conflict, Forbidden, NotFound, ValidationFailed
from smmflow.posts import services as posts
from smmflow.posts.models import Post, PostStatus

CLOSED = (RequestStatus.APPROVED, RequestStatus.CHANGES_REQUESTED, RequestStatus.REJECTED,
          RequestStatus.VOIDED)
REVIEWABLE_ASSIGNMENTS = (AssignmentState.SUBMITTED, AssignmentState.DONE)


def get_request(db: Session, request_id: int) -> ApprovalRequest:
    row = db.get(ApprovalRequest, request_id)
    if row is None:
        raise NotFound(f"No approval request {request_id}.")
    return row


def lock_for_decision(db: Session, request_id: int) -> ApprovalRequest:
    """Hold the subject post's row, then the request's, until commit.

    Always in this order (post, then request), the order edits take too, so a
    decision and an edit of the same post serialise instead of deadlocking.
    """
    found = db.execute(select(ApprovalRequest.subject_type, ApprovalRequest.subject_id)
                       .where(ApprovalRequest.id == request_id)).first()
    if found is None:
        raise NotFound(f"No approval request {request_id}.")
    if found.subject_type == subjects.POST:
        db.get(Post, found.subject_id, with_for_update=True, populate_existing=True)
    row = db.get(ApprovalRequest, request_id, with_for_update=True, populate_existing=True)
    if row is None:
        raise NotFound(f"No approval request {request_id}.")
    return row


def current_step(request: ApprovalRequest) -> dict[str, Any]:
    return request.steps[request.current_step - 1]


def step_approvers(db: Session, client_id: int, step: dict[str, Any]) -> set[int]:
    """Active users who may decide at ``step`` (authors of the subject not removed yet)."""
    ids: set[int] = set()
    named = set(step.get("approver_user_ids") or [])
    if named:
        ids |= set(db.scalars(select(Membership.user_id).join(User, User.id == Membership.user_id)
                              .where(Membership.client_id == client_id,
                                     Membership.user_id.in_(named), User.is_active)))
        ids |= set(db.scalars(select(User.id).where(User.id.in_(named), User.is_active,
                                                    User.role == UserRole.OWNER)))
    role = step.get("approver_role")
    if role == "owner":
        ids |= set(db.scalars(select(User.id).where(User.role == UserRole.OWNER, User.is_active)))
    elif role:
        ids |= set(db.scalars(select(Membership.user_id).join(User, User.id == Membership.user_id)
                              .where(Membership.client_id == client_id, Membership.role == role,
                                     User.is_active, User.role != UserRole.CONTRACTOR)))
    return ids


def deciders(db: Session, request: ApprovalRequest, subject: Subject) -> set[int]:
    """Who can decide at the request's current step: its approvers minus the authors."""
    return step_approvers(db, request.client_id, current_step(request)) - set(subject.authors)


def sla_due_at(request: ApprovalRequest) -> dt.datetime | None:
    if request.status != RequestStatus.PENDING or not request.steps:
        return None
    hours = current_step(request).get("sla_hours")
    return request.step_started_at + dt.timedelta(hours=hours) if hours else None


# -- starting ---------------------------------------------------------------------------------
def _chain_for(db: Session, client_id: int, chain_id: int | None) -> ApprovalChain:
    if chain_id is None:
        chain_id = db.scalar(select(Client.default_chain_id).where(Client.id == client_id))
        if chain_id is None:
            raise ValidationFailed("The client has no default approval chain; name one.",
                                   fields={"chain_id": ["Required: no default chain."]})
    chain = db.get(ApprovalChain, chain_id)
    if chain is None or chain.client_id != client_id:
        raise ValidationFailed(f"No approval chain {chain_id} for this client.",
                               fields={"chain_id": ["No such chain for this client."]})
    if not chain.steps:
        raise ValidationFailed("The chain has no steps.", fields={"chain_id": ["Empty chain."]})
    return chain


def _start(db: Session, subject: Subject, chain: ApprovalChain, user: User) -> ApprovalRequest:
    open_ = db.scalar(select(ApprovalRequest.id).where(
        ApprovalRequest.subject_type == subject.type, ApprovalRequest.subject_id == subject.id,
        ApprovalRequest.status == RequestStatus.PENDING))
    if open_ is not None:
        raise Conflict(f"Approval request {open_} is already running for this {subject.type}.",
                       code="already_in_approval", details={"request_id": open_})
    steps = chains.step_dicts(chain)
    for step in steps:
        if not step_approvers(db, subject.client_id, step) - set(subject.authors):
            raise ValidationFailed(
                f"Step {step['position']} ({step['name']}) has nobody who may decide: its "
                "approvers are missing or are the authors of this work.",
                fields={"chain_id": [f"Step {step['position']} has no eligible approver."]})
    now = utcnow()
    request = ApprovalRequest(
        client_id=subject.client_id, chain_id=chain.id, subject_type=subject.type,
        subject_id=subject.id, content_hash=subject.content_hash, snapshot=subject.snapshot,
        steps=steps, status=RequestStatus.PENDING, current_step=1, step_started_at=now,
        created_by_id=user.id, created_at=now)
    db.add(request)
    db.flush()
    audit.record(db, "approval.request", request, subject_type=subject.type,
                 subject_id=subject.id, chain_id=chain.id, content_hash=subject.content_hash)
    events.emit(db, "on_approval_requested", request_id=request.id, client_id=request.client_id,
                subject_type=subject.type, subject_id=subject.id, step_position=1)
    return request


def request_post_approval(app: Flask, db: Session, post: Post, chain_id: int | None,
                          user: User) -> ApprovalRequest:
    """Send a draft post through a chain; its preflight must be clean."""
    if post.status not in (PostStatus.DRAFT, PostStatus.CHANGES_REQUESTED):
        raise Conflict(f"The post is {post.status}; only a draft goes into approval.",
                       code="invalid_state", details={"status": post.status})
    report = posts.preflight(app, db, post)
    if not report["ok"]:
        raise ValidationFailed(
            "The post does not pass its preflight checks; fix the problems first.",
            details={"preflight": {str(r["target_id"]): [p.message for p in r["problems"]]
                                   for r in report["targets"] if r["problems"]}
                     | {"content": [p.message for p in report["content_problems"]]}})
    chain = _chain_for(db, post.client_id, chain_id)
    request = _start(db, subjects.load(db, subjects.POST, post.id), chain, user)
    post.status = PostStatus.IN_APPROVAL
    post.approved_hash = None
    return request


def request_submission_approval(db: Session, submission: Submission, chain_id: int | None,
                                user: User) -> ApprovalRequest:
    """Run a chain over a contractor's submission (the latest one of its assignment)."""
    assignment = db.get(Assignment, submission.assignment_id)
    assert assignment is not None
    if assignment.state not in REVIEWABLE_ASSIGNMENTS:
        raise Conflict(f"The assignment is {assignment.state}; only submitted work is reviewed.",
                       code="invalid_state", details={"state": assignment.state})
    latest = max(s.number for s in assignment.submissions)
    if submission.number != latest:
        raise Conflict(f"Submission {submission.id} was replaced by version {latest}.",
                       code="superseded", details={"latest_number": latest})
    chain = _chain_for(db, assignment.client_id, chain_id)
    return _start(db, subjects.load(db, subjects.SUBMISSION, submission.id), chain, user)


# -- deciding ---------------------------------------------------------------------------------
def _close(db: Session, request: ApprovalRequest, status: RequestStatus, subject: Subject) -> None:
    request.status = status
    request.closed_at = utcnow()
    if subject.type != subjects.POST:
        return
    post = subject.obj
    assert isinstance(post, Post)
    if status == RequestStatus.APPROVED:
        post.status = PostStatus.APPROVED
        post.approved_hash = request.content_hash
    elif status == RequestStatus.CHANGES_REQUESTED:
        post.status = PostStatus.CHANGES_REQUESTED
    else:
        post.status = PostStatus.DRAFT
    audit.record(db, f"post.{status}", post, request_id=request.id, post_status=post.status,
                 approved_hash=post.approved_hash)


def decide(db: Session, request: ApprovalRequest, user: User, decision: str, comment: str = "",
           *, via_link: bool = False, link_nonce: str | None = None) -> ApprovalDecision:
    """Record one decision at the current step and move the request on."""
    if request.status != RequestStatus.PENDING:
        raise Conflict(f"The request is {request.status}; there is nothing left to decide.",
                       code="invalid_state", details={"status": request.status})
    subject = subjects.load(db, request.subject_type, request.subject_id)
    if subject.content_hash != request.content_hash:
        raise Conflict("The content changed after this request started; start a new request.",
                       code="content_changed", details={"content_hash": subject.content_hash})
    if user.id in subject.authors:
        raise Forbidden("Nobody approves their own work; ask another approver.", code="own_work")
    step = current_step(request)
    position = request.current_step
    allowed = deciders(db, request, subject)
    if user.id not in allowed:
        raise Forbidden(f"You are not an approver of step {position} ({step['name']}).",
                        code="not_an_approver")
    if any(d.step_position == position and d.author_id == user.id for d in request.decisions):
        raise Conflict(f"You already decided at step {position}.", code="already_decided")
    if decision != Decision.APPROVE and not comment.strip():
        raise ValidationFailed("Say what to change: a comment is required.",
                               fields={"comment": ["Required for this decision."]})
    row = ApprovalDecision(step_position=position, decision=decision, comment=comment,
                           author_id=user.id, via_link=via_link, link_nonce=link_nonce)
    request.decisions.append(row)
    final = False
    if decision == Decision.APPROVE:
        approved = {d.author_id for d in request.decisions
                    if d.step_position == position and d.decision == Decision.APPROVE}
        if step.get("mode") != StepMode.ALL or allowed <= approved:
            if position >= len(request.steps):
                _close(db, request, RequestStatus.APPROVED, subject)
                final = True
            else:
                request.current_step = position + 1
                request.step_started_at = utcnow()
                request.escalated_at = None
    else:
        status = RequestStatus.CHANGES_REQUESTED if decision == Decision.REQUEST_CHANGES \
            else RequestStatus.REJECTED
        _close(db, request, status, subject)
        final = True
    db.flush()
    audit.record(db, "approval.decide", request, decision=decision, step_position=position,
                 decision_id=row.id, via_link=via_link, final=final, status=request.status,
                 subject_type=request.subject_type, subject_id=request.subject_id,
                 content_hash=request.content_hash)
    events.emit(db, "on_approval_decided", request_id=request.id, client_id=request.client_id,
                subject_type=request.subject_type, subject_id=request.subject_id,
                decision=decision, step_position=position, author_id=user.id, final=final)
    if request.status == RequestStatus.PENDING and request.current_step != position:
        events.emit(db, "on_approval_requested", request_id=request.id,
                    client_id=request.client_id, subject_type=request.subject_type,
                    subject_id=request.subject_id, step_position=request.current_step)
    return row


def withdraw(db: Session, request: ApprovalRequest) -> ApprovalRequest:
    """Stop a pending request; the post goes back to draft."""
    if request.status != RequestStatus.PENDING:
        raise Conflict(f"The request is {request.status}; only a pending one can be withdrawn.",
                       code="invalid_state", details={"status": request.status})
    request.status = RequestStatus.VOIDED
    request.closed_at = utcnow()
    audit.record(db, "approval.withdraw", request)
    if request.subject_type == subjects.POST:
        post = db.get(Post, request.subject_id)
        if post is not None and post.status == PostStatus.IN_APPROVAL:
            post.status = PostStatus.DRAFT
    return request


# -- reading ----------------------------------------------------------------------------------
def waiting_for(db: Session, user: User, limit: int = 200) -> list[ApprovalRequest]:
    """Pending requests whose current step ``user`` may decide, oldest first."""
    stmt = select(ApprovalRequest).where(ApprovalRequest.status == RequestStatus.PENDING)
    if not user.is_owner:
        stmt = stmt.where(ApprovalRequest.client_id.in_(
            select(Membership.client_id).where(Membership.user_id == user.id)))
    found = []
    for request in db.scalars(stmt.order_by(ApprovalRequest.id)):
        try:
            subject = subjects.load(db, request.subject_type, request.subject_id)
        except NotFound:
            continue
        if user.id in deciders(db, request, subject) and not any(
                d.step_position == request.current_step and d.author_id == user.id
                for d in request.decisions):
            found.append(request)
            if len(found) >= limit:
                break
    return found


def submission_client_id(db: Session, submission_id: int) -> int | None:
    return db.scalar(select(Assignment.client_id).join(
        Submission, Submission.assignment_id == Assignment.id).where(Submission.id == submission_id))
