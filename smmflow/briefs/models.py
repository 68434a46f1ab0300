"""Briefs and their versioned technical specifications (ТЗ)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smmflow.db import Base, JSONType, utcnow


class Brief(Base):
    __tablename__ = "briefs"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    objective: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[str] = mapped_column(Text, default="")
    key_message: Mapped[str] = mapped_column(Text, default="")
    tone_of_voice: Mapped[str] = mapped_column(Text, default="")
    target_platforms: Mapped[list[str]] = mapped_column(JSONType, default=list)
    references: Mapped[list[str]] = mapped_column(JSONType, default=list)
    due_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    spec: Mapped[TechSpec | None] = relationship(back_populates="brief", uselist=False,
                                                 cascade="all, delete-orphan")


class TechSpec(Base):
    """The spec of one brief; its content lives in numbered :class:`TechSpecVersion` rows."""

    __tablename__ = "tech_specs"

    id: Mapped[int] = mapped_column(primary_key=True)
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id", ondelete="CASCADE"), unique=True)
    current_number: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    brief: Mapped[Brief] = relationship(back_populates="spec")
    versions: Mapped[list[TechSpecVersion]] = relationship(
        back_populates="spec", order_by="TechSpecVersion.number", cascade="all, delete-orphan"
    )

    @property
    def version(self) -> int:
        """The current version number; drives the spec's ETag."""
        return self.current_number


class TechSpecVersion(Base):
    """One immutable version of a spec: a list of deliverables with requirements.

    ``platforms`` snapshots the brief's target platforms when the version was
    made; their declared limits are merged into the effective requirements.
    """

    __tablename__ = "tech_spec_versions"
    __table_args__ = (UniqueConstraint("spec_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    spec_id: Mapped[int] = mapped_column(ForeignKey("tech_specs.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    deliverables: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    platforms: Mapped[list[str]] = mapped_column(JSONType, default=list)
    change_note: Mapped[str] = mapped_column(String(500), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    spec: Mapped[TechSpec] = relationship(back_populates="versions")
