"""Campaigns: the business rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from smmflow.campaigns.models import Campaign
from smmflow.errors import NotFound, ValidationFailed


def get_campaign(db: Session, campaign_id: int) -> Campaign:
    campaign = db.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"No campaign {campaign_id}.")
    return campaign


def create_campaign(db: Session, client_id: int, data: dict[str, Any]) -> Campaign:
    campaign = Campaign(client_id=client_id, **data)
    db.add(campaign)
    db.flush()
    return campaign


def update_campaign(db: Session, campaign: Campaign, changes: dict[str, Any]) -> Campaign:
    starts = changes.get("starts_on", campaign.starts_on)
    ends = changes.get("ends_on", campaign.ends_on)
    if ends < starts:
        raise ValidationFailed("ends_on must not be before starts_on.",
                               fields={"ends_on": ["Before starts_on."]})
    for key, value in changes.items():
        setattr(campaign, key, value)
    campaign.version += 1
    return campaign
