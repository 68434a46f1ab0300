"""``/api/v1/notifications``: the signed-in user's own notifications."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from smmflow import db as database
from smmflow.api import Blueprint
from smmflow.api.pagination import page_of
from smmflow.auth.guard import current_user
from smmflow.auth.permissions import AUTHENTICATED, Principal, custom, requires
from smmflow.errors import NotFound
from smmflow.notifications import services
from smmflow.notifications.models import Notification
from smmflow.notifications.schemas import NotificationQuerySchema, NotificationSchema

blp = Blueprint("notifications", __name__, description="Notifications of the signed-in user")


def _own(db: Session, principal: Principal, args: Mapping[str, Any]) -> bool:
    owner_id = db.scalar(select(Notification.user_id)
                         .where(Notification.id == args.get("notification_id")))
    if owner_id is None:
        raise NotFound("not found")
    return principal is not None and owner_id == principal.id


OWN_NOTIFICATION = custom("own_notification", _own)


@blp.route("/notifications", methods=["GET"])
@requires(AUTHENTICATED)
@blp.arguments(NotificationQuerySchema, location="query")
@blp.response(200, page_of(NotificationSchema))
def list_notifications(args: dict[str, Any]) -> dict[str, Any]:
    """Your notifications, newest first; ``?unread=true`` for the unread ones only."""
    user = current_user()
    assert user is not None
    return services.list_for(database.session(), user, args)


@blp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@requires(OWN_NOTIFICATION)
@blp.response(200, NotificationSchema)
def read_notification(notification_id: int) -> Notification:
    """Mark one of your notifications read (again: no change)."""
    user = current_user()
    assert user is not None
    db = database.session()
    row = services.mark_read(db, services.get_own(db, user, notification_id))
    db.commit()
    return row
