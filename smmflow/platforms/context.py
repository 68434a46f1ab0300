"""The explicit context every platform operation runs with (never Flask globals)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class JobContext:
    """What a platform operation may use.

    ``settings``
        the plugin's configuration: ``setting("TELEGRAM_API_BASE")`` reads
        ``SMMFLOW_TELEGRAM_API_BASE``.
    ``http``
        an ``httpx.Client`` with the configured timeout on every call.
    ``clock``
        returns the current UTC time; tests may pass a fake clock.
    ``log``
        a logger named after the plugin; never log a credential.
    ``state`` / ``save_state``
        platform state of the target being published (e.g. an Instagram
        container id, a YouTube upload session URI). ``save_state`` commits at
        once, *before* the next network call, so a crash or a timeout can be
        reconciled with ``find_published``.
    """

    settings: Mapping[str, str]
    http: httpx.Client
    log: logging.Logger
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    state: dict[str, Any] = field(default_factory=dict)
    _persist: Callable[[dict[str, Any]], None] | None = None

    def setting(self, key: str, default: str | None = None) -> str | None:
        return self.settings.get(key.upper(), default)

    def save_state(self, **values: Any) -> None:
        self.state.update(values)
        if self._persist is not None:
            self._persist(dict(self.state))


def make_http_client(timeout: float, **kwargs: Any) -> httpx.Client:
    """An HTTP client with a timeout on connect, read, write and pool."""
    return httpx.Client(timeout=httpx.Timeout(timeout), follow_redirects=False, **kwargs)
