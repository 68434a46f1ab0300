"""Inbox items fetched by plugins, replies sent from smmflow, and moderation rules."""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smmflow.db import Base, JSONType, utcnow


class ItemStatus(enum.StrEnum):
    NEW = "new"
    REPLIED = "replied"
    HIDDEN = "hidden"
    DELETED = "deleted"
    ESCALATED = "escalated"
    IGNORED = "ignored"


class InboxItem(Base):
    """A comment, reply or message on one of a client's accounts, deduplicated by platform id."""

    __tablename__ = "inbox_items"
    __table_args__ = (
        UniqueConstraint("social_account_id", "platform_id"),
        Index("ix_inbox_items_client_status", "client_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    social_account_id: Mapped[int] = mapped_column(
        ForeignKey("social_accounts.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(50))
    platform_id: Mapped[str] = mapped_column(String(200))
    parent_platform_id: Mapped[str | None] = mapped_column(String(200))
    post_external_id: Mapped[str | None] = mapped_column(String(200))
    post_target_id: Mapped[int | None] = mapped_column(
        ForeignKey("post_targets.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20), default="comment")
    author_id: Mapped[str] = mapped_column(String(200), default="")
    author_name: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text, default="")
    received_at: Mapped[dt.datetime]
    fetched_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default=ItemStatus.NEW)
    labels: Mapped[list[str]] = mapped_column(JSONType, default=list)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    first_response_at: Mapped[dt.datetime | None]
    sla_breached_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    replies: Mapped[list[InboxReply]] = relationship(
        back_populates="item", cascade="all, delete-orphan", order_by="InboxReply.id")


class InboxReply(Base):
    """A reply written in smmflow, sent to the network by a job."""

    __tablename__ = "inbox_replies"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("inbox_items.id", ondelete="CASCADE"),
                                         index=True)
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    automatic: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|sent|failed|unknown
    platform_reply_id: Mapped[str | None] = mapped_column(String(200))
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[dt.datetime | None]

    item: Mapped[InboxItem] = relationship(back_populates="replies")


class ModerationRule(Base):
    """One ordered rule of a client: a condition and an action.

    Conditions: ``stop_words`` (list), ``regex`` (pattern), ``contains_link``,
    ``author_in`` (list of author ids or names), ``label`` (a label set by a
    classifier). Actions: ``label`` (value), ``assign`` (user id), ``hide``,
    ``delete``, ``auto_reply`` (template), ``escalate``, ``ignore``.
    """

    __tablename__ = "moderation_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"),
                                           index=True)
    position: Mapped[int] = mapped_column(default=0)
    name: Mapped[str] = mapped_column(String(200))
    enabled: Mapped[bool] = mapped_column(default=True)
    condition: Mapped[str] = mapped_column(String(30))
    condition_value: Mapped[Any] = mapped_column(JSONType, default=None, nullable=True)
    action: Mapped[str] = mapped_column(String(30))
    action_value: Mapped[Any] = mapped_column(JSONType, default=None, nullable=True)
    stop: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
