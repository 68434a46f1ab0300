"""Generated client reports and their schedules."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from smmflow.db import Base, JSONType, utcnow


class Report(Base):
    """A client's report over one period: the figures (``data``), HTML and CSV renderings."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           index=True)
    period: Mapped[str] = mapped_column(String(10))  # week | month | custom
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    data: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    html: Mapped[str] = mapped_column(Text, default="")
    csv: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)


class ReportSchedule(Base):
    """Generate a weekly or monthly report for a client and e-mail it."""

    __tablename__ = "report_schedules"
    __table_args__ = (UniqueConstraint("client_id", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(10))  # week | month
    recipients: Mapped[list[str]] = mapped_column(JSONType, default=list)
    enabled: Mapped[bool] = mapped_column(default=True)
    last_period_start: Mapped[dt.date | None]
    version: Mapped[int] = mapped_column(default=1)
