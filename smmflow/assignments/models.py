"""Assignments of a brief to a contractor, and their submissions."""

from __future__ import annotations

import datetime as dt
import enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smmflow.db import Base, JSONType, utcnow

if TYPE_CHECKING:
    from smmflow.briefs.models import TechSpecVersion


class AssignmentState(enum.StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    SUBMITTED = "submitted"
    REVISION_REQUESTED = "revision_requested"
    DONE = "done"
    CANCELLED = "cancelled"


class Assignment(Base):
    """One contractor, one brief at one spec version, a fee and a due date."""

    __tablename__ = "assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    brief_id: Mapped[int] = mapped_column(ForeignKey("briefs.id", ondelete="CASCADE"), index=True)
    contractor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    spec_version_id: Mapped[int | None] = mapped_column(ForeignKey("tech_spec_versions.id"))
    acknowledged_spec_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("tech_spec_versions.id")
    )
    deliverable_key: Mapped[str | None] = mapped_column(String(80))
    state: Mapped[str] = mapped_column(String(20), default=AssignmentState.OFFERED, index=True)
    fee_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    due_at: Mapped[dt.datetime]
    decline_reason: Mapped[str | None] = mapped_column(String(1000))
    revision_rounds: Mapped[int] = mapped_column(default=0)
    offered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    offered_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    accepted_at: Mapped[dt.datetime | None]
    first_submitted_at: Mapped[dt.datetime | None]
    submitted_at: Mapped[dt.datetime | None]
    done_at: Mapped[dt.datetime | None]
    cancelled_at: Mapped[dt.datetime | None]
    reminded_at: Mapped[dt.datetime | None]  # the "due soon" reminder went out
    overdue_reminded_at: Mapped[dt.datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    # optimistic locking: two concurrent transitions cannot both win
    __mapper_args__ = {"version_id_col": version}

    submissions: Mapped[list[Submission]] = relationship(
        back_populates="assignment", order_by="Submission.number", cascade="all, delete-orphan"
    )
    spec_version: Mapped[TechSpecVersion | None] = relationship(
        foreign_keys=[spec_version_id], lazy="joined", viewonly=True)
    acknowledged_spec_version: Mapped[TechSpecVersion | None] = relationship(
        foreign_keys=[acknowledged_spec_version_id], lazy="joined", viewonly=True)


class Submission(Base):
    """A versioned deliverable; ``check_result`` holds the automatic check against the spec."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("assignment_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        ForeignKey("assignments.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    spec_version_id: Mapped[int | None] = mapped_column(ForeignKey("tech_spec_versions.id"))
    text: Mapped[str] = mapped_column(Text, default="")
    media: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    check_result: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    check_passed: Mapped[bool] = mapped_column(default=False)
    feedback: Mapped[str | None] = mapped_column(Text)  # the manager's revision request
    reviewed_at: Mapped[dt.datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    assignment: Mapped[Assignment] = relationship(back_populates="submissions")
