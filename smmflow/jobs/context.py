"""Building the :class:`~smmflow.platforms.context.JobContext` of platform operations in jobs.

One HTTP client per worker process and app (connection pooling across jobs,
sized for ``settings.publish_concurrency`` calls in flight), the plugin
settings (``settings.extra``), a logger named after the platform. Platform
state is persisted by the caller's ``persist`` function.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from typing import Any

import httpx
from flask import Flask

from smmflow.platforms.base import Platform
from smmflow.platforms.context import JobContext, make_http_client

_lock = threading.Lock()


def http_client(app: Flask) -> httpx.Client:
    """The shared HTTP client of this process for ``app`` (timeouts from settings)."""
    state = app.extensions["smmflow"]
    found = state.extras.get("http_client")
    if found is not None and found[0] == os.getpid():
        return found[1]
    with _lock:
        found = state.extras.get("http_client")
        if found is not None and found[0] == os.getpid():
            return found[1]
        size = max(10, state.settings.publish_concurrency * 2)
        client = make_http_client(
            state.settings.http_timeout,
            limits=httpx.Limits(max_connections=size, max_keepalive_connections=size),
        )
        state.extras["http_client"] = (os.getpid(), client)
        return client


def close_http_client(app: Flask) -> None:
    found = app.extensions["smmflow"].extras.pop("http_client", None)
    if found is not None and found[0] == os.getpid():
        found[1].close()


def platform_logger(platform: Platform) -> logging.Logger:
    return logging.getLogger(f"smmflow.platform.{platform.name}")


def job_context(app: Flask, platform: Platform, *, state: dict[str, Any] | None = None,
                persist: Callable[[dict[str, Any]], None] | None = None) -> JobContext:
    """The context of one platform operation run by a job of ``app``."""
    settings = app.extensions["smmflow"].settings
    return JobContext(settings=settings.extra, http=http_client(app), log=platform_logger(platform),
                      state=dict(state or {}), _persist=persist)


def plugin_of(app: Flask, platform_name: str) -> str:
    """The name of the plugin that registered ``platform_name`` (for log lines)."""
    state = app.extensions["smmflow"]
    names = state.extras.get("platform_plugins")
    if names is None:
        names = {}
        pm = state.plugins
        if pm is not None:
            for impl in pm.hook.register_platforms.get_hookimpls():
                try:
                    for platform in impl.function() or []:
                        names[getattr(platform, "name", "")] = impl.plugin_name
                except Exception:  # noqa: S112 - a broken plugin is reported elsewhere
                    continue
        state.extras["platform_plugins"] = names
    return str(names.get(platform_name, platform_name))
