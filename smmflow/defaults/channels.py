"""Default notification channels: ``in_app`` (the notifications list) and ``email`` (SMTP)."""

from __future__ import annotations

from flask import Flask

from smmflow import hookimpl
from smmflow.notifications import mail, services
from smmflow.notifications.channels import Notice, NotificationChannel

DEFAULT_CHANNELS = ["in_app", "email"]


class InAppChannel(NotificationChannel):
    """Stores the notification; users read it at ``GET /api/v1/notifications``."""

    name = "in_app"
    display_name = "In the app"

    def deliver(self, app: Flask, notice: Notice) -> None:
        services.store(app, notice)


class EmailChannel(NotificationChannel):
    """Sends the notification by e-mail through ``SMMFLOW_SMTP_URL`` (logged when unset)."""

    name = "email"
    display_name = "E-mail"

    def deliver(self, app: Flask, notice: Notice) -> None:
        settings = app.extensions["smmflow"].settings
        link = notice.absolute_link(settings.base_url)
        body = f"Hello {notice.name},\n\n{notice.body or notice.title}\n"
        if link:
            body += f"\n{link}\n"
        body += "\n-- smmflow\n"
        mail.send(settings, mail.build_message(settings, notice.email, notice.title, body))


@hookimpl
def register_notification_channels() -> list[NotificationChannel]:
    """The core's channels."""
    return [InAppChannel(), EmailChannel()]


@hookimpl(trylast=True)
def notification_channels_for(user_id: int, kind: str) -> list[str]:
    """Everyone gets every notification in the app and by e-mail, unless a plugin decides."""
    return list(DEFAULT_CHANNELS)
