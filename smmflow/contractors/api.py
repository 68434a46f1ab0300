"""``/api/v1/contractors``: contractor profiles."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from smmflow import db as database
from smmflow.api import Blueprint
from smmflow.api.etag import check_if_match, etag_header
from smmflow.api.pagination import PageArgs, page_of, paginate
from smmflow.auth.permissions import OWNER, Principal, custom, is_manager_anywhere, requires
from smmflow.contractors import services
from smmflow.contractors.models import ContractorProfile
from smmflow.contractors.schemas import ContractorProfileSchema, ContractorProfileUpdateSchema

blp = Blueprint("contractors", __name__, description="Contractor profiles")


def _owner_or_manager(db: Session, p: Principal, args: Mapping[str, Any]) -> bool:
    return p is not None and (p.is_owner or (not p.is_contractor and is_manager_anywhere(db, p)))


def _is_self(db: Session, p: Principal, args: Mapping[str, Any]) -> bool:
    owner = db.scalar(select(ContractorProfile.user_id).where(
        ContractorProfile.id == args.get("profile_id")))
    return p is not None and owner == p.id


OWNER_OR_MANAGER = custom("owner or any manager", _owner_or_manager)
READ_ONE = custom("owner, any manager, or the contractor",
                  lambda db, p, a: _owner_or_manager(db, p, a) or _is_self(db, p, a))
WRITE_ONE = custom("owner or the contractor",
                   lambda db, p, a: (p is not None and p.is_owner) or _is_self(db, p, a))


@blp.route("/contractors", methods=["GET"])
@requires(OWNER_OR_MANAGER)
@blp.arguments(PageArgs, location="query")
@blp.response(200, page_of(ContractorProfileSchema))
def list_contractors(args: dict[str, Any]) -> dict[str, Any]:
    """Contractor profiles, to choose whom to offer work."""
    stmt = select(ContractorProfile).options(joinedload(ContractorProfile.user))
    return paginate(database.session(), stmt, ContractorProfile.id, args)


@blp.route("/contractors", methods=["POST"])
@requires(OWNER)
@blp.arguments(ContractorProfileSchema)
@blp.response(201, ContractorProfileSchema)
def create_contractor(data: dict[str, Any]) -> tuple[ContractorProfile, dict[str, str]]:
    """Create the profile of a contractor user (owner only)."""
    db = database.session()
    profile = services.create_profile(db, data)
    db.commit()
    return profile, etag_header(profile)


@blp.route("/contractors/<int:profile_id>", methods=["GET"])
@requires(READ_ONE)
@blp.response(200, ContractorProfileSchema)
def get_contractor(profile_id: int) -> tuple[ContractorProfile, dict[str, str]]:
    """One contractor profile."""
    profile = services.get_profile(database.session(), profile_id)
    return profile, etag_header(profile)


@blp.route("/contractors/<int:profile_id>", methods=["PATCH"])
@requires(WRITE_ONE)
@blp.arguments(ContractorProfileUpdateSchema)
@blp.response(200, ContractorProfileSchema)
def update_contractor(data: dict[str, Any], profile_id: int) -> tuple[ContractorProfile, dict[str, str]]:
    """Change skills, rates or bio (owner or the contractor)."""
    db = database.session()
    profile = services.get_profile(db, profile_id)
    check_if_match(profile)
    services.update_profile(db, profile, data)
    db.commit()
    return profile, etag_header(profile)
