"""Access expectations of the notification routes."""

from smmflow.notifications.models import Notification
from tests.permissions_kit import EVERYONE_SIGNED_IN, allow

ROUTES = {
    "notifications.list_notifications": allow(*EVERYONE_SIGNED_IN),
    "notifications.read_notification": allow("manager"),
}


def url_args(world, factory):
    row = Notification(user_id=world.manager.id, kind="test", title="Hello", body="")
    factory.db.add(row)
    factory.db.commit()
    return {"notification_id": row.id}
