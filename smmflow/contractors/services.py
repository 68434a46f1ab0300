"""Contractor profiles: the business rules."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow.auth.models import User
from smmflow.contractors.models import ContractorProfile
from smmflow.errors import Conflict, NotFound, ValidationFailed


def get_profile(db: Session, profile_id: int) -> ContractorProfile:
    profile = db.get(ContractorProfile, profile_id)
    if profile is None:
        raise NotFound(f"No contractor profile {profile_id}.")
    return profile


def create_profile(db: Session, data: dict[str, Any]) -> ContractorProfile:
    user = db.get(User, data["user_id"])
    if user is None or not user.is_contractor:
        raise ValidationFailed("user_id must name a user with the contractor role.",
                               fields={"user_id": ["Not a contractor user."]})
    if db.scalar(select(ContractorProfile.id).where(ContractorProfile.user_id == user.id)):
        raise Conflict("This contractor already has a profile.", code="duplicate")
    profile = ContractorProfile(**data)
    db.add(profile)
    db.flush()
    return profile


def update_profile(db: Session, profile: ContractorProfile,
                   changes: dict[str, Any]) -> ContractorProfile:
    for key, value in changes.items():
        setattr(profile, key, value)
    profile.version += 1
    return profile
