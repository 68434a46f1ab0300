"""Measurements of post targets and accounts, with canonical metric names."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from smmflow.db import Base, utcnow


class MetricSample(Base):
    """One value of one metric at one time, of a post target or (target empty) an account.

    A metric a platform lacks is never stored: absent, never zero.
    """

    __tablename__ = "metric_samples"
    __audit__ = False
    __table_args__ = (
        Index("ix_metric_samples_target", "post_target_id", "metric", "measured_at"),
        Index("ix_metric_samples_account", "social_account_id", "metric", "measured_at"),
        Index("ix_metric_samples_client_time", "client_id", "measured_at"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    social_account_id: Mapped[int] = mapped_column(
        ForeignKey("social_accounts.id", ondelete="CASCADE"))
    post_target_id: Mapped[int | None] = mapped_column(
        ForeignKey("post_targets.id", ondelete="CASCADE"))
    metric: Mapped[str] = mapped_column(String(30))
    value: Mapped[int] = mapped_column(BigInteger)
    measured_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
