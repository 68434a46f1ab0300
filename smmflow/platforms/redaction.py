"""Keeping credentials out of the HTTP client's log lines.

``httpx`` logs each request line (``HTTP Request: GET https://...``) at INFO.
A network that carries a credential in the URL (a Telegram bot token in the
path, a Graph API ``access_token`` parameter) must rewrite those records;
:func:`redact_http_logs` installs that rewrite once per plugin.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

HTTP_LOGGERS = ("httpx", "httpcore")


class _RedactHttpLogs(logging.Filter):
    """Passes every record whose message or arguments contain ``marker`` through ``redact``."""

    def __init__(self, owner: str, marker: str, redact: Callable[[str], str]) -> None:
        super().__init__()
        self.owner = owner
        self.marker = marker
        self.redact = redact

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple) and record.args:
            record.args = tuple(self.redact(str(arg)) if self.marker in str(arg) else arg
                                for arg in record.args)
        elif isinstance(record.msg, str) and self.marker in record.msg:
            record.msg = self.redact(record.msg)
        return True


def redact_http_logs(owner: str, marker: str, redact: Callable[[str], str]) -> None:
    """Rewrite ``httpx``/``httpcore`` log records that contain ``marker`` with ``redact``.

    Idempotent per ``owner`` (a plugin name): calling it again adds nothing.
    """
    for name in HTTP_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactHttpLogs) and f.owner == owner for f in logger.filters):
            logger.addFilter(_RedactHttpLogs(owner, marker, redact))
