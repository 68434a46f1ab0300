"""Users, logins and tokens: the business rules."""

from __future__ import annotations

from typing import Any

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smmflow.auth import tokens
from smmflow.auth.models import ApiToken, User, UserRole
from smmflow.db import utcnow
from smmflow.errors import Conflict, Forbidden, NotFound, Unauthorized, ValidationFailed


def _state() -> Any:
    return current_app.extensions["smmflow"]


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_user(db: Session, *, email: str, name: str, password: str,
                role: str = UserRole.STAFF, timezone: str = "UTC") -> User:
    email = normalise_email(email)
    if db.scalar(select(func.count()).select_from(User).where(User.email == email)):
        raise Conflict(f"A user with e-mail {email} already exists.", code="duplicate",
                       details={"fields": {"email": ["Already taken."]}})
    user = User(email=email, name=name, role=role, timezone=timezone,
                password_hash=_state().passwords.hash(password))
    db.add(user)
    db.flush()
    return user


def update_user(db: Session, actor: User, user: User, changes: dict[str, Any]) -> User:
    if not actor.is_owner and ({"role", "is_active"} & changes.keys()):
        raise Forbidden("Only the owner changes roles and deactivates users.")
    if user.id == actor.id and changes.get("is_active") is False:
        raise ValidationFailed("You cannot deactivate yourself.",
                               fields={"is_active": ["Cannot deactivate yourself."]})
    if "password" in changes:
        user.password_hash = _state().passwords.hash(changes.pop("password"))
    for key, value in changes.items():
        setattr(user, key, value)
    user.version += 1  # invalidates web sessions of this user
    return user


def get_user(db: Session, user_id: int) -> User:
    user = db.get(User, user_id)
    if user is None:
        raise NotFound(f"No user {user_id}.")
    return user


def check_login(db: Session, email: str, password: str, remote_addr: str | None) -> User:
    """Verify a login attempt (rate-limited); the user or 401."""
    state = _state()
    state.login_throttle.hit(remote_addr, email)
    user = db.scalar(select(User).where(User.email == normalise_email(email)))
    ok = state.passwords.verify(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        raise Unauthorized("Wrong e-mail or password.")
    if state.passwords.needs_rehash(user.password_hash or ""):
        user.password_hash = state.passwords.hash(password)
    return user


def issue_token(db: Session, user: User, name: str) -> tuple[ApiToken, str]:
    return tokens.issue(db, user, name, _state().settings.token_ttl_days)


def revoke_token(db: Session, user: User, token_id: int) -> ApiToken:
    row = db.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"No token {token_id}.")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
    return row
