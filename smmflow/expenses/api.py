"""``/api/v1/clients/<id>/expenses`` and ``/api/v1/expenses/<id>``."""

from __future__ import annotations

from typing import Any

from smmflow import db as database
from smmflow.api import Blueprint
from smmflow.api.pagination import page_of, paginate
from smmflow.auth.guard import current_user
from smmflow.auth.permissions import client_role, requires, via_model
from smmflow.expenses import services
from smmflow.expenses.models import Expense
from smmflow.expenses.schemas import ExpenseListArgs, ExpenseSchema

blp = Blueprint("expenses", __name__, description="Money spent for a client")

MANAGE = client_role("manager")
MANAGE_ONE = client_role("manager", resolver=via_model(Expense, "expense_id"))


@blp.route("/clients/<int:client_id>/expenses", methods=["GET"])
@requires(MANAGE)
@blp.arguments(ExpenseListArgs, location="query")
@blp.response(200, page_of(ExpenseSchema))
def list_expenses(args: dict[str, Any], client_id: int) -> dict[str, Any]:
    """The client's expenses (filter by kind, campaign, ``from``/``to`` days)."""
    return paginate(database.session(), services.list_stmt(client_id, args), Expense.id, args)


@blp.route("/clients/<int:client_id>/expenses", methods=["POST"])
@requires(MANAGE)
@blp.arguments(ExpenseSchema)
@blp.response(201, ExpenseSchema)
def create_expense(data: dict[str, Any], client_id: int) -> Expense:
    """Record ad spend, tools or other costs; contractor fees are recorded automatically."""
    db = database.session()
    expense = services.create_expense(db, client_id, data, current_user())
    db.commit()
    return expense


@blp.route("/expenses/<int:expense_id>", methods=["GET"])
@requires(MANAGE_ONE)
@blp.response(200, ExpenseSchema)
def get_expense(expense_id: int) -> Expense:
    """One expense."""
    return services.get_expense(database.session(), expense_id)


@blp.route("/expenses/<int:expense_id>", methods=["DELETE"])
@requires(MANAGE_ONE)
@blp.response(204)
def delete_expense(expense_id: int) -> None:
    """Delete a manual expense (contractor fees answer 409)."""
    db = database.session()
    services.delete_expense(db, services.get_expense(db, expense_id))
    db.commit()
