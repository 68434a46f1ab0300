"""The PluginManager of one app: discovery, registration, the platform registry.

Built inside ``create_app``; nothing here runs at import time.
"""

from __future__ import annotations

import logging
from importlib.metadata import entry_points
from typing import Any

import pluggy

from smmflow import hookspecs
from smmflow.errors import PluginError
from smmflow.platforms.base import Platform

log = logging.getLogger("smmflow.plugins")
ENTRY_POINT_GROUP = "smmflow"


def build_manager(plugins: list[Any] | None = None) -> pluggy.PluginManager:
    """A manager with smmflow's hook specs and the given (or discovered) plugins."""
    pm = pluggy.PluginManager("smmflow")
    pm.add_hookspecs(hookspecs)
    if plugins is None:
        for ep in entry_points(group=ENTRY_POINT_GROUP):
            try:
                obj = ep.load()
            except Exception as exc:
                raise PluginError(f"plugin {ep.name!r} ({ep.value}) failed to import: {exc}") from exc
            pm.register(obj, name=ep.name)
    else:
        for obj in plugins:
            pm.register(obj, name=getattr(obj, "__name__", None) or type(obj).__name__)
    return pm


def build_platforms(pm: pluggy.PluginManager) -> dict[str, Platform]:
    """Collect every registered Platform; a name claimed twice is an error."""
    registry: dict[str, Platform] = {}
    owners: dict[str, str] = {}
    for impl in pm.hook.register_platforms.get_hookimpls():
        for platform in impl.function() or []:
            if not isinstance(platform, Platform) or not platform.name:
                raise PluginError(f"plugin {impl.plugin_name!r} registered {platform!r}, "
                                  "which is not a named Platform")
            if platform.name in registry:
                raise PluginError(f"platform {platform.name!r} is provided by both "
                                  f"{owners[platform.name]!r} and {impl.plugin_name!r}; "
                                  "disable one of them (SMMFLOW_PLUGINS_DISABLED)")
            registry[platform.name] = platform
            owners[platform.name] = impl.plugin_name
    return registry
