"""``/api/v1/contractors/<profile_id>/scorecard``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validates_schema
from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow import db as database
from smmflow.api import Blueprint
from smmflow.auth.guard import current_user
from smmflow.auth.permissions import Principal, custom, is_manager_anywhere, requires, visible_client_ids
from smmflow.contractors.models import ContractorProfile
from smmflow.errors import NotFound
from smmflow.scorecards import services

blp = Blueprint("scorecards", __name__, description="Contractor scorecards")


def _may_read(db: Session, p: Principal, args: Mapping[str, Any]) -> bool:
    if p is None:
        return False
    if p.is_owner or (not p.is_contractor and is_manager_anywhere(db, p)):
        return True
    owner = db.scalar(select(ContractorProfile.user_id).where(
        ContractorProfile.id == args.get("profile_id")))
    return owner == p.id


READ = custom("owner, any manager (their clients only), or the contractor", _may_read)


class ScorecardArgs(Schema):
    from_ = fields.Date(data_key="from", metadata={"description": "First day (UTC); default 90 days ago."})
    to = fields.Date(metadata={"description": "Last day, inclusive (UTC); default today."})

    @validates_schema
    def _order(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("from_") and data.get("to") and data["to"] < data["from_"]:
            raise ValidationError("Must not be before from.", field_name="to")


class FeeSchema(Schema):
    currency = fields.String()
    amount_minor = fields.Integer()


class ScorecardSchema(Schema):
    contractor_id = fields.Integer(metadata={"description": "User id of the contractor."})
    profile_id = fields.Integer()
    from_ = fields.DateTime(data_key="from")
    to = fields.DateTime()
    scope = fields.String(metadata={"description": '"all" clients or "managed" ones only.'})
    offers = fields.Integer(metadata={"description": "Offered in the period."})
    accepted = fields.Integer()
    declined = fields.Integer()
    acceptance_rate = fields.Float(allow_none=True)
    completed = fields.Integer(metadata={"description": "Work accepted in the period."})
    on_time = fields.Integer()
    on_time_rate = fields.Float(allow_none=True)
    avg_revision_rounds = fields.Float(allow_none=True)
    avg_turnaround_hours = fields.Float(allow_none=True,
                                        metadata={"description": "Acceptance to first submission."})
    fees_earned = fields.List(fields.Nested(FeeSchema))
    overdue_now = fields.Integer()


@blp.route("/contractors/<int:profile_id>/scorecard", methods=["GET"])
@requires(READ)
@blp.arguments(ScorecardArgs, location="query")
@blp.response(200, ScorecardSchema)
def get_scorecard(args: dict[str, Any], profile_id: int) -> dict[str, Any]:
    """On-time rate, revision rounds, acceptance rate, turnaround and fees for a period.

    Managers see the work done for the clients they manage; the owner and the
    contractor see all of it.
    """
    db = database.session()
    profile = db.get(ContractorProfile, profile_id)
    if profile is None:
        raise NotFound(f"No contractor profile {profile_id}.")
    today = dt.datetime.now(dt.UTC).date()
    last = args.get("to") or today
    first = args.get("from_") or last - dt.timedelta(days=89)
    start = dt.datetime.combine(first, dt.time(), dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(), dt.UTC)
    user = current_user()
    assert user is not None
    client_ids = None if user.is_owner or user.id == profile.user_id else \
        visible_client_ids(db, user, ["manager"])
    card = services.scorecard(db, profile.user_id, start, end, client_ids)
    card["from_"] = card.pop("from")
    return {**card, "profile_id": profile.id, "scope": "all" if client_ids is None else "managed"}
