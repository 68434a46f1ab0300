"""Contractor profiles: skills and rates of a contractor user."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smmflow.auth.models import User
from smmflow.db import Base, JSONType, utcnow


class ContractorProfile(Base):
    """Skills (contractor roles) and rates per deliverable kind, in minor units."""

    __tablename__ = "contractor_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    skills: Mapped[list[str]] = mapped_column(JSONType, default=list)
    rates: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    currency: Mapped[str] = mapped_column(String(3))
    bio: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
