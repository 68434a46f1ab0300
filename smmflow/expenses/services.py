"""Expenses: manual ones (ad spend, tools, other) and contractor fees recorded on accepted work."""

from __future__ import annotations

import zoneinfo
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from smmflow.assignments.models import Assignment
from smmflow.audit import services as audit
from smmflow.auth.models import User
from smmflow.briefs.models import Brief
from smmflow.campaigns.models import Campaign
from smmflow.clients.models import Client
from smmflow.errors import Conflict, NotFound, ValidationFailed
from smmflow.expenses.models import Expense, ExpenseKind


def get_expense(db: Session, expense_id: int) -> Expense:
    expense = db.get(Expense, expense_id)
    if expense is None:
        raise NotFound(f"No expense {expense_id}.")
    return expense


def list_stmt(client_id: int, args: dict[str, Any]) -> Select[tuple[Expense]]:
    stmt = select(Expense).where(Expense.client_id == client_id)
    if args.get("kind"):
        stmt = stmt.where(Expense.kind == args["kind"])
    if args.get("campaign_id") is not None:
        stmt = stmt.where(Expense.campaign_id == args["campaign_id"])
    if args.get("from_"):
        stmt = stmt.where(Expense.incurred_on >= args["from_"])
    if args.get("to"):
        stmt = stmt.where(Expense.incurred_on <= args["to"])
    return stmt


def create_expense(db: Session, client_id: int, data: dict[str, Any], actor: User) -> Expense:
    """Record a manual expense (never a contractor fee: those come from accepted work)."""
    client = db.get(Client, client_id)
    if client is None:
        raise NotFound(f"No client {client_id}.")
    if data.get("campaign_id") is not None and db.scalar(
            select(Campaign.client_id).where(Campaign.id == data["campaign_id"])) != client_id:
        raise ValidationFailed("campaign_id must name a campaign of this client.",
                               fields={"campaign_id": ["No such campaign for this client."]})
    expense = Expense(client_id=client_id, created_by_id=actor.id,
                      **{**data, "currency": data.get("currency") or client.currency})
    db.add(expense)
    db.flush()
    audit.record(db, "expense.add", expense, kind=expense.kind, amount_minor=expense.amount_minor,
                 currency=expense.currency)
    return expense


def delete_expense(db: Session, expense: Expense) -> None:
    if expense.kind == ExpenseKind.CONTRACTOR_FEE:
        raise Conflict("Contractor fees follow accepted work and cannot be deleted by hand.",
                       code="automatic_expense", details={"assignment_id": expense.assignment_id})
    audit.record(db, "expense.remove", expense, kind=expense.kind, amount_minor=expense.amount_minor,
                 currency=expense.currency)
    db.delete(expense)


def record_contractor_fee(db: Session, assignment: Assignment) -> Expense:
    """The fee of accepted work as an expense: one per assignment, dated in the client's timezone."""
    existing = db.scalar(select(Expense).where(Expense.assignment_id == assignment.id))
    if existing is not None:
        return existing
    client = db.get(Client, assignment.client_id)
    brief = db.get(Brief, assignment.brief_id)
    assert client is not None and assignment.done_at is not None
    day = assignment.done_at.astimezone(zoneinfo.ZoneInfo(client.timezone)).date()
    expense = Expense(client_id=assignment.client_id, campaign_id=brief.campaign_id if brief else None,
                      assignment_id=assignment.id, kind=ExpenseKind.CONTRACTOR_FEE,
                      amount_minor=assignment.fee_minor, currency=assignment.currency,
                      description=f"Fee: {brief.title if brief else 'brief'} / "
                                  f"{assignment.deliverable_key}"[:500],
                      incurred_on=day, created_by_id=db.info.get("actor_id"))
    db.add(expense)
    db.flush()
    audit.record(db, "expense.record_fee", expense, assignment_id=assignment.id,
                 amount_minor=expense.amount_minor, currency=expense.currency)
    return expense
