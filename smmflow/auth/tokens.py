"""API bearer tokens: random, shown once, stored as SHA-256."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow.auth.models import ApiToken, User
from smmflow.db import utcnow

TOKEN_PREFIX = "smf_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue(db: Session, user: User, name: str, ttl_days: int) -> tuple[ApiToken, str]:
    """Create a token for ``user``; returns the row and the clear token (shown once)."""
    clear = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user_id=user.id, name=name, token_hash=hash_token(clear), prefix=clear[:12],
        expires_at=utcnow() + dt.timedelta(days=ttl_days),
    )
    db.add(row)
    db.flush()
    return row, clear


def authenticate(db: Session, clear: str) -> User | None:
    """The active user owning a valid, unexpired, unrevoked token, else None."""
    if not clear.startswith(TOKEN_PREFIX) or len(clear) > 200:
        return None
    row = db.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(clear)))
    now = utcnow()
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    user = db.get(User, row.user_id)
    if user is None or not user.is_active:
        return None
    return user
