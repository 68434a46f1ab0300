"""Jobs of assignments: reminders before the due date and when overdue.

:func:`send_reminders` is a plain job function: the worker runs it inside an
app context. Each reminder is claimed with a compare-and-set UPDATE, so two
schedulers running at once never send one twice.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import and_, select, update

from smmflow import db as database
from smmflow import events
from smmflow.assignments.models import Assignment, AssignmentState
from smmflow.assignments.services import overdue_clause
from smmflow.audit import services as audit
from smmflow.db import utcnow

DUE_SOON_HOURS = 24
REMINDER_INTERVAL_SECONDS = 15 * 60


def send_reminders(due_soon_hours: int = DUE_SOON_HOURS) -> dict[str, int]:
    """Fire ``on_assignment_overdue`` once per assignment for ``due_soon`` and for ``overdue``.

    Due soon: offered or accepted, nothing submitted, due within
    ``due_soon_hours``. Overdue: due date passed, nothing submitted.
    Returns how many of each kind went out.
    """
    db = database.session()
    now = utcnow()
    sent = {"due_soon": 0, "overdue": 0}
    waiting = and_(Assignment.first_submitted_at.is_(None),
                   Assignment.state.in_([AssignmentState.OFFERED, AssignmentState.ACCEPTED]))
    kinds = (
        ("due_soon", Assignment.reminded_at,
         and_(waiting, Assignment.due_at >= now,
              Assignment.due_at <= now + dt.timedelta(hours=due_soon_hours))),
        ("overdue", Assignment.overdue_reminded_at, overdue_clause(now)),
    )
    for kind, column, condition in kinds:
        candidates = db.execute(select(Assignment.id).where(condition, column.is_(None))
                                .order_by(Assignment.id)).scalars().all()
        for assignment_id in candidates:
            claimed = db.execute(
                update(Assignment).where(Assignment.id == assignment_id, column.is_(None), condition)
                .values({column.key: now}).execution_options(synchronize_session=False))
            if claimed.rowcount != 1:
                continue  # another run took it
            row = db.get(Assignment, assignment_id)
            assert row is not None
            db.refresh(row)
            audit.record(db, f"assignment.remind_{kind}", row, due_at=row.due_at.isoformat())
            events.emit(db, "on_assignment_overdue", assignment_id=row.id, client_id=row.client_id,
                        contractor_id=row.contractor_id, due_at=row.due_at, kind=kind)
            sent[kind] += 1
            db.commit()
    return sent
