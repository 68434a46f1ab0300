"""Notification channels: the typed class a channel plugin implements, and what it is given."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from flask import Flask


@dataclass(frozen=True)
class Notice:
    """One notification for one person, as a channel sees it.

    ``link`` is a path in the web app (``/posts/12``); :meth:`absolute_link`
    joins it to ``SMMFLOW_BASE_URL``.
    """

    user_id: int
    email: str
    name: str
    kind: str
    title: str
    body: str = ""
    link: str | None = None

    def absolute_link(self, base_url: str) -> str | None:
        if not self.link:
            return None
        if self.link.startswith(("http://", "https://")):
            return self.link
        return base_url.rstrip("/") + "/" + self.link.lstrip("/")


class NotificationChannel:
    """Base class of a channel, returned by the ``register_notification_channels`` hook.

    ``deliver`` runs inside an app context of ``app``; it may raise, the error
    is logged with the channel's name and the other channels still deliver.
    """

    name: ClassVar[str] = ""
    display_name: ClassVar[str] = ""

    def deliver(self, app: Flask, notice: Notice) -> None:
        raise NotImplementedError(f"channel {self.name} cannot deliver")

    def __repr__(self) -> str:
        return f"<NotificationChannel {self.name}>"
