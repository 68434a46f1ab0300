"""The contractor scorecard: computed in SQL, never typed.

For a period ``[start, end)``:

- offers: assignments *offered* in the period; ``acceptance_rate`` =
  accepted / (accepted + declined) among them;
- completed: assignments *done* (work accepted) in the period;
  ``on_time_rate`` = first submission at or before the due date, among them;
  ``avg_revision_rounds``; ``avg_turnaround_hours`` = acceptance to first
  submission;
- ``fees_earned``: fees of the completed work, per currency;
- ``overdue_now``: assignments overdue at the time of the request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from smmflow.assignments.models import Assignment, AssignmentState
from smmflow.assignments.services import overdue_clause
from smmflow.db import utcnow


def _seconds_between(dialect: str, later: Any, earlier: Any) -> ColumnElement[float]:
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier)
    return (func.julianday(later) - func.julianday(earlier)) * 86400.0


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def scorecard(db: Session, contractor_id: int, start: dt.datetime, end: dt.datetime,
              client_ids: Sequence[int] | None = None) -> dict[str, Any]:
    """The scorecard of contractor user ``contractor_id`` (optionally within ``client_ids``)."""
    a = Assignment
    dialect = db.get_bind().dialect.name
    offered = and_(a.offered_at >= start, a.offered_at < end)
    done = and_(a.done_at >= start, a.done_at < end)
    one = case((offered & a.accepted_at.is_not(None), 1), else_=0)
    scope = [a.contractor_id == contractor_id]
    if client_ids is not None:
        scope.append(a.client_id.in_(list(client_ids)))
    row = db.execute(select(
        func.coalesce(func.sum(case((offered, 1), else_=0)), 0).label("offered"),
        func.coalesce(func.sum(one), 0).label("accepted"),
        func.coalesce(func.sum(case((offered & (a.state == AssignmentState.DECLINED), 1), else_=0)),
                      0).label("declined"),
        func.coalesce(func.sum(case((done, 1), else_=0)), 0).label("completed"),
        func.coalesce(func.sum(case((done & (a.first_submitted_at <= a.due_at), 1), else_=0)),
                      0).label("on_time"),
        func.avg(case((done, a.revision_rounds), else_=None)).label("avg_rounds"),
        func.avg(case((done, _seconds_between(dialect, a.first_submitted_at, a.accepted_at)),
                      else_=None)).label("avg_turnaround"),
        func.coalesce(func.sum(case((overdue_clause(utcnow()), 1), else_=0)), 0).label("overdue"),
    ).where(*scope)).one()
    fees = db.execute(
        select(a.currency, func.sum(a.fee_minor)).where(*scope, done)
        .group_by(a.currency).order_by(a.currency)).all()
    answered = int(row.accepted) + int(row.declined)
    return {
        "contractor_id": contractor_id,
        "from": start, "to": end,
        "offers": int(row.offered),
        "accepted": int(row.accepted),
        "declined": int(row.declined),
        "acceptance_rate": _rate(int(row.accepted), answered),
        "completed": int(row.completed),
        "on_time": int(row.on_time),
        "on_time_rate": _rate(int(row.on_time), int(row.completed)),
        "avg_revision_rounds": round(float(row.avg_rounds), 2) if row.avg_rounds is not None else None,
        "avg_turnaround_hours": round(float(row.avg_turnaround) / 3600, 2)
        if row.avg_turnaround is not None else None,
        "fees_earned": [{"currency": c, "amount_minor": int(total)} for c, total in fees],
        "overdue_now": int(row.overdue),
    }
