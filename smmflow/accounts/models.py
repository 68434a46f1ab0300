"""Social accounts of a client on one platform."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from smmflow.clients.models import Client
from smmflow.db import Base, utcnow


class AccountStatus(enum.StrEnum):
    ACTIVE = "active"
    NEEDS_REAUTH = "needs_reauth"
    DISABLED = "disabled"


class SocialAccount(Base):
    """A client's account on one platform. Credentials are encrypted at rest.

    A competitor account has no credentials and is only measured.
    """

    __tablename__ = "social_accounts"
    __table_args__ = (UniqueConstraint("client_id", "platform", "handle"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(50))
    handle: Mapped[str] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(200))
    credentials_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(20), default=AccountStatus.ACTIVE)
    status_reason: Mapped[str | None] = mapped_column(String(500))
    is_competitor: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    client: Mapped[Client] = relationship()

    @property
    def has_credentials(self) -> bool:
        return self.credentials_encrypted is not None
