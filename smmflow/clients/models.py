"""Clients (brands) and per-client memberships."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smmflow.auth.models import User
from smmflow.db import Base, JSONType, utcnow


class MemberRole(enum.StrEnum):
    """What a user does for one client."""

    MANAGER = "manager"
    MODERATOR = "moderator"
    CLIENT = "client"


class Client(Base):
    __tablename__ = "clients"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    monthly_budget_minor: Mapped[int] = mapped_column(BigInteger, default=0)
    default_chain_id: Mapped[int | None] = mapped_column(
        ForeignKey("approval_chains.id", use_alter=True, ondelete="SET NULL")
    )
    inbox_sla_minutes: Mapped[int] = mapped_column(default=60)
    budget_alert_percents: Mapped[list[int]] = mapped_column(JSONType, default=lambda: [80, 100])
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="client", cascade="all, delete-orphan"
    )


class Membership(Base):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship(back_populates="memberships")
    user: Mapped[User] = relationship()
