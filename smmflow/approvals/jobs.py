"""Periodic job: SLA of approval steps.

A pending request whose current step has ``sla_hours`` and has waited longer
is escalated once per step: ``escalated_at`` is set, the breach is audited and
``on_approval_sla_breached`` fires after the commit (notification channels
remind the step's approvers and alert the client's managers). Moving to the
next step clears ``escalated_at``, so each step gets its own SLA.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow import db as database
from smmflow import events
from smmflow.approvals.models import ApprovalRequest, RequestStatus
from smmflow.audit import services as audit
from smmflow.db import utcnow
from smmflow.jobs.periodic import PeriodicJob

SLA_JOB = "smmflow.approvals.jobs.check_approval_sla"
SLA_EVERY_SECONDS = 300

PERIODIC = [PeriodicJob(name="approvals.sla", func=SLA_JOB, every_seconds=SLA_EVERY_SECONDS,
                        queue="default")]


def escalate_breaches(db: Session, now: dt.datetime | None = None) -> list[int]:
    """Escalate every breached step once; returns the request ids (caller commits)."""
    now = now or utcnow()
    breached = []
    rows = db.scalars(select(ApprovalRequest).where(
        ApprovalRequest.status == RequestStatus.PENDING, ApprovalRequest.escalated_at.is_(None))
        .order_by(ApprovalRequest.id).with_for_update(skip_locked=True))
    for request in rows:
        step = request.steps[request.current_step - 1] if request.steps else {}
        hours = step.get("sla_hours")
        if not hours or request.step_started_at + dt.timedelta(hours=hours) > now:
            continue
        request.escalated_at = now
        steps = [dict(s) for s in request.steps]
        steps[request.current_step - 1]["breached_at"] = now.isoformat()
        request.steps = steps
        audit.record(db, "approval.sla_breached", request, step_position=request.current_step,
                     sla_hours=hours, waiting_since=request.step_started_at.isoformat())
        events.emit(db, "on_approval_sla_breached", request_id=request.id,
                    client_id=request.client_id, step_position=request.current_step)
        breached.append(request.id)
    return breached


def check_approval_sla() -> int:
    """RQ job (run in an app context): escalate breached approval steps."""
    db = database.session()
    db.info["actor_id"] = None
    breached = escalate_breaches(db)
    db.commit()
    return len(breached)
