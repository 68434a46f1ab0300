"""``/api/v1/clients/<id>/campaigns`` and ``/api/v1/campaigns/<id>``."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from smmflow import db as database
from smmflow.api import Blueprint
from smmflow.api.etag import check_if_match, etag_header
from smmflow.api.pagination import PageArgs, page_of, paginate
from smmflow.auth.permissions import client_role, requires, via_model
from smmflow.campaigns import services
from smmflow.campaigns.models import Campaign
from smmflow.campaigns.schemas import CampaignSchema, CampaignUpdateSchema

blp = Blueprint("campaigns", __name__, description="Campaigns with KPI targets")

_campaign_client = via_model(Campaign, "campaign_id")
READ = client_role("manager", "client")
WRITE = client_role("manager")
READ_ONE = client_role("manager", "client", resolver=_campaign_client)
WRITE_ONE = client_role("manager", resolver=_campaign_client)


@blp.route("/clients/<int:client_id>/campaigns", methods=["GET"])
@requires(READ)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(CampaignSchema))
def list_campaigns(args: dict[str, Any], client_id: int) -> dict[str, Any]:
    """The client's campaigns."""
    stmt = select(Campaign).where(Campaign.client_id == client_id)
    return paginate(database.session(), stmt, Campaign.id, args)


@blp.route("/clients/<int:client_id>/campaigns", methods=["POST"])
@requires(WRITE)
@blp.arguments(CampaignSchema)
@blp.response(201, CampaignSchema)
def create_campaign(data: dict[str, Any], client_id: int) -> tuple[Campaign, dict[str, str]]:
    """Create a campaign with KPI targets."""
    db = database.session()
    campaign = services.create_campaign(db, client_id, data)
    db.commit()
    return campaign, etag_header(campaign)


@blp.route("/campaigns/<int:campaign_id>", methods=["GET"])
@requires(READ_ONE)
@blp.response(200, CampaignSchema)
def get_campaign(campaign_id: int) -> tuple[Campaign, dict[str, str]]:
    """One campaign."""
    campaign = services.get_campaign(database.session(), campaign_id)
    return campaign, etag_header(campaign)


@blp.route("/campaigns/<int:campaign_id>", methods=["PATCH"])
@requires(WRITE_ONE)
@blp.arguments(CampaignUpdateSchema)
@blp.response(200, CampaignSchema)
def update_campaign(data: dict[str, Any], campaign_id: int) -> tuple[Campaign, dict[str, str]]:
    """Change a campaign; a stale ``If-Match`` answers 409."""
    db = database.session()
    campaign = services.get_campaign(db, campaign_id)
    check_if_match(campaign)
    services.update_campaign(db, campaign, data)
    db.commit()
    return campaign, etag_header(campaign)


@blp.route("/campaigns/<int:campaign_id>", methods=["DELETE"])
@requires(WRITE_ONE)
@blp.response(204)
def delete_campaign(campaign_id: int) -> None:
    """Delete a campaign (its posts, briefs and expenses stay, unlinked)."""
    db = database.session()
    db.delete(services.get_campaign(db, campaign_id))
    db.commit()
