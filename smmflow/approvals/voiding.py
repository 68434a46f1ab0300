"""Voiding approvals: an approval is for one exact content version.

Kept apart from :mod:`smmflow.approvals.services` so that the posts domain
can void approvals when content changes without importing the whole workflow.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow.approvals.models import ApprovalRequest, RequestStatus
from smmflow.audit import services as audit
from smmflow.db import utcnow

OPEN_OR_APPROVED = (RequestStatus.PENDING, RequestStatus.APPROVED)


def void_requests(db: Session, subject_type: str, subject_id: int, reason: str) -> list[ApprovalRequest]:
    """Void every pending or approved request on one subject; each void is audited."""
    rows = list(db.scalars(
        select(ApprovalRequest).where(
            ApprovalRequest.subject_type == subject_type,
            ApprovalRequest.subject_id == subject_id,
            ApprovalRequest.status.in_([s.value for s in OPEN_OR_APPROVED]),
        ).order_by(ApprovalRequest.id).with_for_update()
    ))
    now = utcnow()
    for row in rows:
        previous = row.status
        row.status = RequestStatus.VOIDED
        row.closed_at = now
        audit.record(db, "approval.void", row, reason=reason, previous_status=previous,
                     content_hash=row.content_hash)
    return rows
