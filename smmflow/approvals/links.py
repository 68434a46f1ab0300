"""Signed, expiring, single-use links through which one approver decides on one subject.

The token is an itsdangerous ``URLSafeTimedSerializer`` signature (app secret,
salt :data:`SALT`) over the request id, the approver, the step, the content
hash and a random nonce. It expires after ``approval_link_ttl_hours``; it is
used up when a decision stores its nonce (``ApprovalDecision.link_nonce`` is
unique, so two clicks at once cannot both decide); it stops working when the
request has moved on or its content changed.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from typing import Any

from flask import Flask
from itsdangerous import BadData, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow.approvals import services, subjects
from smmflow.approvals.models import ApprovalDecision, ApprovalRequest, RequestStatus
from smmflow.audit import services as audit
from smmflow.auth.models import User
from smmflow.db import utcnow
from smmflow.errors import Conflict, NotFound, ValidationFailed

SALT = "smmflow.approval-link.v1"
LINK_PATH = "/approve/"


class LinkError(Exception):
    """A link that cannot be used; ``status`` is the HTTP status of its error page."""

    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.title = title
        self.message = message


@dataclass
class OpenLink:
    request: ApprovalRequest
    user: User
    subject: subjects.Subject
    nonce: str
    expires_at: dt.datetime


def _serializer(app: Flask) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(app.extensions["smmflow"].settings.secret_key, salt=SALT)


def _ttl(app: Flask) -> dt.timedelta:
    return dt.timedelta(hours=app.extensions["smmflow"].settings.approval_link_ttl_hours)


def sign(app: Flask, request: ApprovalRequest, user_id: int) -> str:
    payload = {"r": request.id, "u": user_id, "s": request.current_step,
               "h": request.content_hash, "n": secrets.token_urlsafe(18)}
    return _serializer(app).dumps(payload)


def issue(app: Flask, db: Session, request: ApprovalRequest, user_id: int) -> dict[str, Any]:
    """A link for approver ``user_id`` at the request's current step."""
    if request.status != RequestStatus.PENDING:
        raise Conflict(f"The request is {request.status}; links are only for pending requests.",
                       code="invalid_state", details={"status": request.status})
    subject = subjects.load(db, request.subject_type, request.subject_id)
    if user_id not in services.deciders(db, request, subject):
        raise ValidationFailed(
            f"User {user_id} cannot decide at step {request.current_step}: not an approver of "
            "it, or the author of this work.",
            fields={"user_id": ["Not an approver of the current step."]})
    token = sign(app, request, user_id)
    base = app.extensions["smmflow"].settings.base_url.rstrip("/")
    expires_at = utcnow() + _ttl(app)
    audit.record(db, "approval.link_issue", request, user_id=user_id,
                 step_position=request.current_step, expires_at=expires_at.isoformat())
    return {"url": f"{base}{LINK_PATH}{token}", "token": token, "user_id": user_id,
            "step_position": request.current_step, "expires_at": expires_at}


def _load(db: Session, request_id: Any, lock: bool) -> ApprovalRequest | None:
    if not isinstance(request_id, int):
        return None
    if not lock:
        return db.get(ApprovalRequest, request_id)
    try:
        return services.lock_for_decision(db, request_id)
    except NotFound:
        return None


def open_link(app: Flask, db: Session, token: str, *, lock: bool = False) -> OpenLink:
    """Check a token; raise :class:`LinkError` for a tampered, expired or used link.

    With ``lock`` the request (and its post) stay locked until commit, so the
    checks hold while the decision is written.
    """
    serializer = _serializer(app)
    try:
        payload, signed_at = serializer.loads(token, max_age=int(_ttl(app).total_seconds()),
                                              return_timestamp=True)
    except SignatureExpired as exc:
        raise LinkError(400, "This link has expired",
                        "Approval links are valid for a limited time. Ask your account manager "
                        "for a new link.") from exc
    except BadData as exc:
        raise LinkError(403, "This link is not valid",
                        "The link was changed or is incomplete. Open the link exactly as you "
                        "received it, or ask for a new one.") from exc
    if not isinstance(payload, dict) or not {"r", "u", "s", "h", "n"} <= set(payload):
        raise LinkError(403, "This link is not valid", "The link is incomplete; ask for a new one.")
    request = _load(db, payload["r"], lock)
    used = db.scalar(select(ApprovalDecision.id).where(ApprovalDecision.link_nonce == payload["n"]))
    if used is not None:
        raise LinkError(410, "This link has already been used",
                        "A decision was already made with this link; each link works once.")
    user = db.get(User, payload["u"])
    if request is None or user is None or not user.is_active:
        raise LinkError(410, "This request no longer exists",
                        "The approval request or your access to it was removed.")
    if (request.status != RequestStatus.PENDING or request.current_step != payload["s"]
            or request.content_hash != payload["h"]):
        raise LinkError(410, "This request has moved on",
                        f"The approval request is now {request.status.replace('_', ' ')}"
                        f"{' at another step' if request.status == RequestStatus.PENDING else ''}; "
                        "nothing is waiting for you through this link.")
    subject = subjects.load(db, request.subject_type, request.subject_id)
    return OpenLink(request, user, subject, payload["n"], signed_at + _ttl(app))


def decide(app: Flask, db: Session, token: str, decision: str, comment: str) -> ApprovalDecision:
    """Decide through a link, as the approver the link was made for."""
    link = open_link(app, db, token, lock=True)
    db.info["actor_id"] = link.user.id
    return services.decide(db, link.request, link.user, decision, comment, via_link=True,
                           link_nonce=link.nonce)
