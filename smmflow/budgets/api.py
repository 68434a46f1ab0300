"""``/api/v1`` monthly budget status and revenue entries of a client."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from typing import Any

from sqlalchemy import select

from smmflow import db as database
from smmflow.api import Blueprint
from smmflow.api.pagination import PageArgs, page_of, paginate
from smmflow.auth.permissions import client_role, requires
from smmflow.budgets import services
from smmflow.budgets.models import Revenue
from smmflow.budgets.schemas import BudgetQuerySchema, BudgetStatusSchema, RevenueSchema
from smmflow.clients.services import get_client
from smmflow.errors import ValidationFailed

blp = Blueprint("budgets", __name__, description="Budgets against actual spend, and revenue")

MANAGERS = client_role("manager")


@blp.route("/clients/<int:client_id>/budget", methods=["GET"])
@requires(MANAGERS)
@blp.arguments(BudgetQuerySchema, location="query")
@blp.response(200, BudgetStatusSchema)
def budget_status(args: dict[str, Any], client_id: int) -> dict[str, Any]:
    """Monthly budget against actual spend (default: this month in the client's timezone)."""
    db = database.session()
    client = get_client(db, client_id)
    if args.get("month"):
        month = dt.date.fromisoformat(args["month"] + "-01")
    else:
        month = dt.datetime.now(zoneinfo.ZoneInfo(client.timezone)).date()
    return services.status(db, client, month)


@blp.route("/clients/<int:client_id>/revenues", methods=["GET"])
@requires(MANAGERS)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(RevenueSchema))
def list_revenues(args: dict[str, Any], client_id: int) -> dict[str, Any]:
    """Revenue entered for ROI."""
    stmt = select(Revenue).where(Revenue.client_id == client_id)
    return paginate(database.session(), stmt, Revenue.id, args)


@blp.route("/clients/<int:client_id>/revenues", methods=["POST"])
@requires(MANAGERS)
@blp.arguments(RevenueSchema)
@blp.response(201, RevenueSchema)
def create_revenue(data: dict[str, Any], client_id: int) -> Revenue:
    """Enter revenue attributed to the agency's work (used for ROI in reports)."""
    db = database.session()
    client = get_client(db, client_id)
    if data["currency"] != client.currency:
        raise ValidationFailed(f"Revenue must be in the client's currency ({client.currency}).",
                               fields={"currency": [f"Expected {client.currency}."]})
    if data.get("campaign_id") is not None:
        from smmflow.campaigns.models import Campaign

        campaign = db.get(Campaign, data["campaign_id"])
        if campaign is None or campaign.client_id != client_id:
            raise ValidationFailed("campaign_id names no campaign of this client.",
                                   fields={"campaign_id": ["Unknown campaign."]})
    revenue = Revenue(client_id=client_id, **data)
    db.add(revenue)
    db.commit()
    return revenue
