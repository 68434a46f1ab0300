"""Revenue entered for ROI, and budget alerts already sent."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smmflow.db import Base, utcnow


class Revenue(Base):
    """Money the client attributes to our work (for ROI), in minor units."""

    __tablename__ = "revenues"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           index=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    received_on: Mapped[dt.date]
    description: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class BudgetAlert(Base):
    """A budget threshold crossed in one month (fired once)."""

    __tablename__ = "budget_alerts"
    __table_args__ = (UniqueConstraint("client_id", "month", "threshold_percent"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    month: Mapped[dt.date]
    threshold_percent: Mapped[int]
    spent_minor: Mapped[int] = mapped_column(BigInteger)
    budget_minor: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
