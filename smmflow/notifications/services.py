"""Creating, delivering, listing and reading notifications."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow.api.pagination import DEFAULT_LIMIT, decode_cursor, encode_cursor
from smmflow.auth.models import User, UserRole
from smmflow.clients.models import Membership
from smmflow.db import open_session, utcnow
from smmflow.errors import NotFound
from smmflow.notifications.channels import Notice
from smmflow.notifications.models import Notification
from smmflow.plugins import first_result

log = logging.getLogger("smmflow.notifications")


# -- who ---------------------------------------------------------------------------------------
def members(db: Session, client_id: int, *roles: str) -> set[int]:
    """Active users holding one of ``roles`` for the client."""
    return set(db.scalars(
        select(Membership.user_id).join(User, User.id == Membership.user_id)
        .where(Membership.client_id == client_id, Membership.role.in_(roles), User.is_active)))


def owners(db: Session) -> set[int]:
    return set(db.scalars(select(User.id).where(User.role == UserRole.OWNER, User.is_active)))


# -- sending -----------------------------------------------------------------------------------
def notify(app: Flask, user_ids: Iterable[int | None], kind: str, title: str, body: str = "",
           link: str | None = None) -> int:
    """Deliver one notification to each user through the channels chosen for them.

    Channels come from the ``notification_channels_for`` hook (default:
    ``in_app`` and ``email``). A failing channel is logged with its name; the
    others still deliver. Returns the number of users notified.
    """
    ids = sorted({uid for uid in user_ids if uid is not None})
    if not ids:
        return 0
    with open_session(app) as db:
        users = list(db.scalars(select(User).where(User.id.in_(ids), User.is_active)))
    channels = app.extensions["smmflow"].channels
    for user in users:
        notice = Notice(user_id=user.id, email=user.email, name=user.name, kind=kind,
                        title=title[:200], body=body, link=link)
        names = first_result(app, "notification_channels_for", user_id=user.id, kind=kind) or []
        for name in names:
            channel = channels.get(name)
            if channel is None:
                log.warning("notification channel %r is not registered; %s not sent to user %s",
                            name, kind, user.id)
                continue
            try:
                channel.deliver(app, notice)
            except Exception:
                log.exception("notification channel %r failed to deliver %s to user %s",
                              name, kind, user.id)
    return len(users)


def store(app: Flask, notice: Notice) -> Notification:
    """Write the in-app notification of ``notice`` (its own transaction)."""
    with open_session(app) as db:
        row = Notification(user_id=notice.user_id, kind=notice.kind, title=notice.title,
                           body=notice.body, link=notice.link)
        db.add(row)
        db.commit()
        return row


# -- reading -----------------------------------------------------------------------------------
def list_for(db: Session, user: User, args: dict[str, Any]) -> dict[str, Any]:
    """The user's notifications, newest first, one cursor page."""
    limit = args.get("limit", DEFAULT_LIMIT)
    stmt = select(Notification).where(Notification.user_id == user.id)
    if args.get("unread"):
        stmt = stmt.where(Notification.read_at.is_(None))
    if args.get("cursor"):
        stmt = stmt.where(Notification.id < decode_cursor(args["cursor"]))
    rows = list(db.scalars(stmt.order_by(Notification.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return {"items": rows, "next_cursor": encode_cursor(rows[-1].id) if more and rows else None}


def get_own(db: Session, user: User, notification_id: int) -> Notification:
    row = db.get(Notification, notification_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"No notification {notification_id}.")
    return row


def mark_read(db: Session, notification: Notification) -> Notification:
    """Mark as read (idempotent: the first read time is kept)."""
    if notification.read_at is None:
        notification.read_at = utcnow()
    return notification


def unread_count(db: Session, user: User) -> int:
    from sqlalchemy import func

    return int(db.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0)
