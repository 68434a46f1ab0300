"""Approval chains (per-client templates) and their runs over one subject."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smmflow.db import Base, JSONType, utcnow


class StepMode(enum.StrEnum):
    ANY = "any"
    ALL = "all"


class RequestStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REJECTED = "rejected"
    VOIDED = "voided"


class Decision(enum.StrEnum):
    APPROVE = "approve"
    REQUEST_CHANGES = "request_changes"
    REJECT = "reject"


class ApprovalChain(Base):
    __tablename__ = "approval_chains"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    steps: Mapped[list[ApprovalStep]] = relationship(
        back_populates="chain", order_by="ApprovalStep.position", cascade="all, delete-orphan"
    )


class ApprovalStep(Base):
    """Approvers are a member role (``approver_role``) or named users (``approver_user_ids``)."""

    __tablename__ = "approval_steps"
    __table_args__ = (UniqueConstraint("chain_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chain_id: Mapped[int] = mapped_column(
        ForeignKey("approval_chains.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    approver_role: Mapped[str | None] = mapped_column(String(20))
    approver_user_ids: Mapped[list[int]] = mapped_column(JSONType, default=list)
    mode: Mapped[str] = mapped_column(String(10), default=StepMode.ANY)
    sla_hours: Mapped[int | None]

    chain: Mapped[ApprovalChain] = relationship(back_populates="steps")


class ApprovalRequest(Base):
    """One run of a chain over one subject (post or submission) at one content hash."""

    __tablename__ = "approval_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    chain_id: Mapped[int | None] = mapped_column(
        ForeignKey("approval_chains.id", ondelete="SET NULL")
    )
    subject_type: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int]
    content_hash: Mapped[str] = mapped_column(String(64))
    snapshot: Mapped[dict[str, object]] = mapped_column(JSONType, default=dict)
    steps: Mapped[list[dict[str, object]]] = mapped_column(JSONType, default=list)
    status: Mapped[str] = mapped_column(String(20), default=RequestStatus.PENDING, index=True)
    current_step: Mapped[int] = mapped_column(default=0)
    step_started_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    escalated_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[dt.datetime | None]

    decisions: Mapped[list[ApprovalDecision]] = relationship(
        back_populates="request", order_by="ApprovalDecision.id", cascade="all, delete-orphan"
    )


class ApprovalDecision(Base):
    __tablename__ = "approval_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("approval_requests.id", ondelete="CASCADE"), index=True
    )
    step_position: Mapped[int]
    decision: Mapped[str] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    via_link: Mapped[bool] = mapped_column(default=False)
    link_nonce: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    request: Mapped[ApprovalRequest] = relationship(back_populates="decisions")
