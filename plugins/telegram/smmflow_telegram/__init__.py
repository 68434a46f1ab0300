"""smmflow-telegram: the Telegram (Bot API) network plugin of smmflow."""

from __future__ import annotations

from smmflow_telegram.platform import TelegramPlatform
from smmflow_telegram.updates import parse_update

__all__ = ["TelegramPlatform", "parse_update"]
__version__ = "0.1.0"
