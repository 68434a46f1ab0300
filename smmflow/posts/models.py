"""Posts, their per-account targets, and every publish attempt."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smmflow.db import Base, JSONType, utcnow


class PostStatus(enum.StrEnum):
    """Workflow of the post's content (approval side)."""

    DRAFT = "draft"
    IN_APPROVAL = "in_approval"
    CHANGES_REQUESTED = "changes_requested"
    APPROVED = "approved"
    SCHEDULED = "scheduled"


class TargetStatus(enum.StrEnum):
    """Publishing state of one target; each target moves on its own."""

    DRAFT = "draft"
    SCHEDULED = "scheduled"
    PUBLISHING = "publishing"
    PUBLISHED = "published"
    FAILED = "failed"
    UNKNOWN = "unknown"
    CANCELLED = "cancelled"


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id", ondelete="SET NULL"), index=True
    )
    brief_id: Mapped[int | None] = mapped_column(ForeignKey("briefs.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    media: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    status: Mapped[str] = mapped_column(String(20), default=PostStatus.DRAFT, index=True)
    content_hash: Mapped[str] = mapped_column(String(64), default="")
    approved_hash: Mapped[str | None] = mapped_column(String(64))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    targets: Mapped[list[PostTarget]] = relationship(
        back_populates="post", cascade="all, delete-orphan", order_by="PostTarget.id"
    )


class PostTarget(Base):
    """One post on one social account: its own schedule, status and outcome.

    Publishing columns (see :mod:`smmflow.posts.publishing`): ``dispatch_job`` is
    the RQ job carrying the target while it is ``scheduled`` and dispatched, with
    ``dispatched_at`` as that job's heartbeat; ``claimed_by``/``claimed_at`` are
    the worker holding it ``publishing`` and its heartbeat; ``next_attempt_at``
    delays a retry; ``reconcile_first`` asks the next attempt to look for the post
    with ``find_published`` before sending it again.
    """

    __tablename__ = "post_targets"
    __table_args__ = (
        UniqueConstraint("post_id", "social_account_id"),
        Index("ix_post_targets_due", "status", "scheduled_at"),
        Index("ix_post_targets_dispatch_job", "dispatch_job"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    social_account_id: Mapped[int] = mapped_column(
        ForeignKey("social_accounts.id", ondelete="CASCADE"), index=True
    )
    options: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    scheduled_at: Mapped[dt.datetime | None]
    status: Mapped[str] = mapped_column(String(20), default=TargetStatus.DRAFT)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    marker: Mapped[str | None] = mapped_column(String(64))
    external_id: Mapped[str | None] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(1000))
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[dt.datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(200))
    claimed_at: Mapped[dt.datetime | None]
    published_at: Mapped[dt.datetime | None]
    platform_state: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    version: Mapped[int] = mapped_column(default=1)
    dispatch_job: Mapped[str | None] = mapped_column(String(64))
    dispatched_at: Mapped[dt.datetime | None]
    reconcile_first: Mapped[bool] = mapped_column(default=False)

    post: Mapped[Post] = relationship(back_populates="targets")
    attempts_log: Mapped[list[PublishAttempt]] = relationship(
        back_populates="target", cascade="all, delete-orphan", order_by="PublishAttempt.id"
    )


class PublishAttempt(Base):
    """One try at publishing a target: when, which worker, outcome, error."""

    __tablename__ = "publish_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(
        ForeignKey("post_targets.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[dt.datetime | None]
    worker: Mapped[str] = mapped_column(String(200), default="")
    outcome: Mapped[str] = mapped_column(String(30), default="started")
    error: Mapped[str | None] = mapped_column(Text)

    target: Mapped[PostTarget] = relationship(back_populates="attempts_log")
