"""Monthly budget against actual spend, threshold alerts, and revenue for ROI."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smmflow.budgets.models import BudgetAlert
from smmflow.clients.models import Client
from smmflow.expenses.models import Expense


def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    first = month.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def status(db: Session, client: Client, month: dt.date) -> dict[str, Any]:
    """Budget, spend by kind (SQL aggregate), remaining and percent used for one month."""
    first, last = month_bounds(month)
    rows = db.execute(
        select(Expense.kind, func.sum(Expense.amount_minor))
        .where(Expense.client_id == client.id, Expense.currency == client.currency,
               Expense.incurred_on >= first, Expense.incurred_on <= last)
        .group_by(Expense.kind)).all()
    by_kind = {kind: int(total) for kind, total in rows}
    spent = sum(by_kind.values())
    budget = client.monthly_budget_minor
    return {
        "client_id": client.id, "month": first.isoformat(), "currency": client.currency,
        "budget_minor": budget, "spent_minor": spent, "remaining_minor": budget - spent,
        "percent_used": round(spent * 100 / budget, 2) if budget else None,
        "by_kind": by_kind,
        "alerts": [a.threshold_percent for a in db.scalars(select(BudgetAlert).where(
            BudgetAlert.client_id == client.id, BudgetAlert.month == first))],
    }


def check_thresholds(db: Session, client: Client, month: dt.date) -> list[int]:
    """Record (once per month) every alert threshold the spend has crossed; returns new ones."""
    current = status(db, client, month)
    if not current["budget_minor"]:
        return []
    crossed = [t for t in sorted(client.budget_alert_percents or [])
               if current["spent_minor"] * 100 >= t * current["budget_minor"]
               and t not in current["alerts"]]
    for threshold in crossed:
        db.add(BudgetAlert(client_id=client.id, month=month.replace(day=1),
                           threshold_percent=threshold, spent_minor=current["spent_minor"],
                           budget_minor=current["budget_minor"]))
        from smmflow.events import emit

        emit(db, "on_budget_threshold_crossed", client_id=client.id, threshold_percent=threshold,
             spent_minor=current["spent_minor"], budget_minor=current["budget_minor"])
    return crossed
