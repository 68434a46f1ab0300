"""What changed since the last decision: a unified diff of the text and the changed fields."""

from __future__ import annotations

import datetime as dt
import difflib
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow.approvals import subjects
from smmflow.approvals.models import ApprovalDecision, ApprovalRequest
from smmflow.posts.content import media_identity

COMPARED = ("title", "media", "options", "targets", "note")


def _comparable(snapshot: dict[str, Any], name: str) -> Any:
    value = snapshot.get(name)
    if name == "media":
        return [media_identity(m) for m in value or []]
    if name == "targets":
        return [{"platform": t.get("platform"), "handle": t.get("handle"),
                 "options": t.get("options") or {}} for t in value or []]
    return value


def last_decided(db: Session, subject_type: str, subject_id: int,
                 before_id: int | None = None) -> tuple[ApprovalRequest, dt.datetime] | None:
    """The latest request on the subject that someone decided on (before ``before_id``)."""
    stmt = (select(ApprovalRequest, ApprovalDecision.created_at)
            .join(ApprovalDecision, ApprovalDecision.request_id == ApprovalRequest.id)
            .where(ApprovalRequest.subject_type == subject_type,
                   ApprovalRequest.subject_id == subject_id)
            .order_by(ApprovalDecision.id.desc()).limit(1))
    if before_id is not None:
        stmt = stmt.where(ApprovalRequest.id < before_id)
    row = db.execute(stmt).first()
    return (row[0], row[1]) if row else None


def compare(old: dict[str, Any], new: dict[str, Any], old_label: str, new_label: str) -> dict[str, Any]:
    """Changed field names, a unified diff of the texts, old/new values of other fields."""
    text_diff = "".join(difflib.unified_diff(
        (old.get("text") or "").splitlines(keepends=True),
        (new.get("text") or "").splitlines(keepends=True),
        fromfile=old_label, tofile=new_label))
    changed = ["text"] if (old.get("text") or "") != (new.get("text") or "") else []
    fields: dict[str, Any] = {}
    for name in COMPARED:
        before, after = _comparable(old, name), _comparable(new, name)
        if before != after:
            changed.append(name)
            fields[name] = {"from": before, "to": after}
    return {"changed_fields": changed, "text_diff": text_diff, "fields": fields}


def subject_diff(db: Session, subject_type: str, subject_id: int, *,
                 request: ApprovalRequest | None = None) -> dict[str, Any]:
    """Last decided version of a subject against the current one.

    With ``request``, "current" is the version that request is about and the
    base is the last version decided before it.
    """
    if request is not None:
        new_snapshot, new_hash = request.snapshot, request.content_hash
        label = f"request {request.id}"
        base = last_decided(db, subject_type, subject_id, before_id=request.id)
    else:
        subject = subjects.load(db, subject_type, subject_id)
        new_snapshot, new_hash, label = subject.snapshot, subject.content_hash, "current"
        base = last_decided(db, subject_type, subject_id)
    out: dict[str, Any] = {"subject_type": subject_type, "subject_id": subject_id,
                           "to": {"content_hash": new_hash, "label": label}}
    if base is None:
        return out | {"from": None, "changed_fields": [], "text_diff": "", "fields": {}}
    old, decided_at = base
    out["from"] = {"request_id": old.id, "content_hash": old.content_hash, "status": old.status,
                   "decided_at": decided_at, "label": f"request {old.id}"}
    return out | compare(old.snapshot, new_snapshot, f"request {old.id}", label)
