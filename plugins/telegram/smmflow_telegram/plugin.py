"""Entry point of the Telegram plugin (group ``smmflow``, name ``telegram``)."""

from __future__ import annotations

from smmflow.plugin_api import Platform, hookimpl
from smmflow_telegram.platform import TelegramPlatform


@hookimpl
def register_platforms() -> list[Platform]:
    """The Telegram platform."""
    return [TelegramPlatform()]
