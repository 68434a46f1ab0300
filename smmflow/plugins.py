"""The PluginManager of one app: discovery, allow/deny lists, safe calls, the platform registry.

Built inside ``create_app``; nothing here runs at import time. Plugins come
from three places, registered in this order:

1. the core's defaults (:mod:`smmflow.defaults`, and every
   ``smmflow/<domain>/plugin.py``), which are plugins too;
2. the entry points of group ``smmflow`` (or, for tests, the explicit list
   passed to ``create_app(plugins=[...])``);

filtered by ``SMMFLOW_PLUGINS`` (allow list of entry-point names; default all
installed; ``none`` for none)
and ``SMMFLOW_PLUGINS_DISABLED`` (deny list). A plugin that fails to import or
to register stops the app with a :class:`~smmflow.errors.PluginError` naming
it. At run time, :func:`collect` and :func:`call_safely` call each plugin on
its own: one that raises is logged with its name and the caller carries on.
"""

from __future__ import annotations

import importlib
import logging
import types
from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from typing import Any

import pluggy
from flask import Flask

from smmflow import hookspecs
from smmflow.config import Settings
from smmflow.errors import PluginError
from smmflow.platforms.base import Platform

log = logging.getLogger("smmflow.plugins")
trace_log = logging.getLogger("smmflow.hooks")
ENTRY_POINT_GROUP = "smmflow"
NO_PLUGINS = "none"
"""``SMMFLOW_PLUGINS=none``: no installed plugin, only the core's defaults."""


@dataclass
class PluginInfo:
    """What ``smmflow plugins`` shows about one registered plugin."""

    name: str
    module: str
    source: str                        # "default" | "entry_point" | "explicit"
    distribution: str | None = None
    version: str | None = None
    platforms: list[str] = field(default_factory=list)


class PluginManager(pluggy.PluginManager):
    """pluggy's manager with smmflow's specs and what it learnt about each plugin."""

    def __init__(self) -> None:
        super().__init__("smmflow")
        self.add_hookspecs(hookspecs)
        self.infos: dict[str, PluginInfo] = {}

    def add(self, obj: Any, info: PluginInfo) -> None:
        try:
            self.register(obj, name=info.name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            raise PluginError(f"plugin {info.name!r} cannot be registered: {exc}") from exc
        self.infos[info.name] = info

    def hooks_of(self, name: str) -> list[str]:
        """Names of the hooks plugin ``name`` implements."""
        plugin = self.get_plugin(name)
        return sorted(caller.name for caller in self.get_hookcallers(plugin) or [])


# -- building -------------------------------------------------------------------------------
def _entry_points() -> dict[str, EntryPoint]:
    return {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}


def _info_for(ep: EntryPoint, source: str) -> PluginInfo:
    dist = ep.dist
    return PluginInfo(name=ep.name, module=ep.value, source=source,
                      distribution=dist.name if dist else None,
                      version=dist.version if dist else None)


def _module_name(obj: Any) -> str:
    if isinstance(obj, types.ModuleType):
        return obj.__name__
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def build_manager(plugins: list[Any] | None = None, settings: Settings | None = None
                  ) -> PluginManager:
    """The manager of one app: core defaults, then ``plugins`` or the installed entry points.

    ``settings`` gives the allow/deny lists and hook tracing.
    """
    pm = load_plugins(plugins, enabled=settings.plugins_enabled if settings else None,
                      disabled=settings.plugins_disabled if settings else ())
    if settings is not None and settings.trace_hooks:
        enable_tracing(pm)
    return pm


def load_plugins(plugins: list[Any] | None = None, *, enabled: Iterable[str] | None = None,
                 disabled: Iterable[str] = ()) -> PluginManager:
    """A manager with the core defaults, then ``plugins`` or the allowed entry points.

    ``enabled`` (None: every installed plugin; ``["none"]``: none) and
    ``disabled`` name entry points (or default plugin modules). An enabled plugin that is missing or
    fails to import raises :class:`PluginError` naming it.
    """
    from smmflow import __version__
    from smmflow.defaults import default_plugin_modules

    defaults = default_plugin_modules()
    pm = PluginManager()
    enabled = None if enabled is None else set(enabled) - {NO_PLUGINS}
    disabled = set(disabled)
    for module_name in defaults:
        if module_name in disabled:
            continue
        try:
            module = importlib.import_module(module_name)
        except Exception as exc:
            raise PluginError(f"default plugin {module_name!r} failed to import: "
                              f"{type(exc).__name__}: {exc}") from exc
        pm.add(module, PluginInfo(name=module_name, module=module_name, source="default",
                                  distribution="smmflow", version=__version__))
    installed = _entry_points()
    if plugins is None:
        if enabled is not None:
            missing = sorted(enabled - set(installed) - set(defaults))
            if missing:
                raise PluginError(f"plugin(s) {', '.join(map(repr, missing))} enabled in "
                                  "SMMFLOW_PLUGINS but not installed (installed: "
                                  f"{', '.join(sorted(installed)) or 'none'})")
        for name, ep in sorted(installed.items()):
            if name in disabled or (enabled is not None and name not in enabled):
                log.debug("plugin %s is disabled by configuration", name)
                continue
            try:
                obj = ep.load()
            except Exception as exc:
                raise PluginError(f"plugin {name!r} ({ep.value}) failed to import: "
                                  f"{type(exc).__name__}: {exc}. Fix or uninstall it, or "
                                  f"disable it with SMMFLOW_PLUGINS_DISABLED={name}") from exc
            pm.add(obj, _info_for(ep, "entry_point"))
    else:
        by_value = {ep.value: ep for ep in installed.values()}
        for obj in plugins:
            module = _module_name(obj)
            ep = by_value.get(module)
            info = _info_for(ep, "explicit") if ep is not None else PluginInfo(
                name=getattr(obj, "__name__", None) or module, module=module, source="explicit")
            if info.name in disabled:
                continue
            pm.add(obj, info)
    return pm


def enable_tracing(pm: pluggy.PluginManager) -> None:
    """Log every hook call, its arguments, the plugins called and the outcome (``smmflow.hooks``)."""

    def before(hook_name: str, impls: list[pluggy.HookImpl], kwargs: dict[str, Any]) -> None:
        args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items() if k != "cli")
        trace_log.info("hook %s(%s) -> plugins %s", hook_name, args,
                       [impl.plugin_name for impl in impls])

    def after(outcome: Any, hook_name: str, impls: list[pluggy.HookImpl],
              kwargs: dict[str, Any]) -> None:
        if outcome.exception is not None:
            trace_log.info("hook %s raised %r", hook_name, outcome.exception)
        else:
            trace_log.info("hook %s returned %r", hook_name, outcome.get_result())

    pm.add_hookcall_monitoring(before, after)


def _call_registration(pm: PluginManager, hook_name: str, **kwargs: Any
                       ) -> list[tuple[str, list[Any]]]:
    """(plugin name, returned list) per implementation; a raising plugin stops start-up."""
    out = []
    for impl in reversed(getattr(pm.hook, hook_name).get_hookimpls()):
        try:
            result = pm._hookexec(hook_name, [impl], kwargs, False)
        except Exception as exc:
            raise PluginError(f"plugin {impl.plugin_name!r} failed in {hook_name}: "
                              f"{type(exc).__name__}: {exc}") from exc
        out.append((impl.plugin_name, [x for r in result for x in (r or [])]))
    return out


def build_platforms(pm: PluginManager) -> dict[str, Platform]:
    """Collect every registered Platform; a name claimed twice is an error."""
    registry: dict[str, Platform] = {}
    owners: dict[str, str] = {}
    for plugin_name, platforms in _call_registration(pm, "register_platforms"):
        for platform in platforms:
            if not isinstance(platform, Platform) or not platform.name:
                raise PluginError(f"plugin {plugin_name!r} registered {platform!r}, "
                                  "which is not a named Platform")
            if platform.name in registry:
                raise PluginError(f"platform {platform.name!r} is provided by both "
                                  f"{owners[platform.name]!r} and {plugin_name!r}; "
                                  "disable one of them (SMMFLOW_PLUGINS_DISABLED)")
            registry[platform.name] = platform
            owners[platform.name] = plugin_name
            if plugin_name in pm.infos:
                pm.infos[plugin_name].platforms.append(platform.name)
    return registry


def build_channels(pm: PluginManager) -> dict[str, Any]:
    """Collect every notification channel; a name claimed twice is an error."""
    registry: dict[str, Any] = {}
    owners: dict[str, str] = {}
    for plugin_name, channels in _call_registration(pm, "register_notification_channels"):
        for channel in channels:
            name = getattr(channel, "name", "")
            if not name or not callable(getattr(channel, "deliver", None)):
                raise PluginError(f"plugin {plugin_name!r} registered {channel!r}, "
                                  "which is not a named NotificationChannel")
            if name in registry:
                raise PluginError(f"notification channel {name!r} is provided by both "
                                  f"{owners[name]!r} and {plugin_name!r}")
            registry[name] = channel
            owners[name] = plugin_name
    return registry


def register_blueprints(app: Flask, api: Any, csrf: Any) -> None:
    """Mount the blueprints plugins return; every route must declare a permission."""
    from flask_smorest import Blueprint as SmorestBlueprint

    from smmflow.api import API_PREFIX
    from smmflow.auth.guard import rule_for

    pm: PluginManager = app.extensions["smmflow"].plugins
    for plugin_name, blueprints in _call_registration(pm, "register_blueprints"):
        for blp in blueprints:
            before = set(app.view_functions)
            if isinstance(blp, SmorestBlueprint):
                api.register_blueprint(blp, url_prefix=API_PREFIX + (blp.url_prefix or ""))
                csrf.exempt(blp)
            else:
                app.register_blueprint(blp)
            undeclared = sorted(e for e in set(app.view_functions) - before
                                if rule_for(app, e) is None)
            if undeclared:
                raise PluginError(f"plugin {plugin_name!r} adds routes without a permission: "
                                  f"{', '.join(undeclared)}; decorate each view with "
                                  "@requires(rule) from smmflow.auth.permissions")


def add_cli_commands(cli: Any, *, enabled: Iterable[str] | None = None,
                     disabled: Iterable[str] = (), plugins: list[Any] | None = None) -> list[str]:
    """Let plugins add commands to ``cli``; returns warnings for plugins that could not.

    Runs when the command line starts, before any app exists, so a broken
    plugin only warns here (the app itself refuses to start with it).
    """
    try:
        pm = load_plugins(plugins, enabled=enabled, disabled=disabled)
    except PluginError as exc:
        return [str(exc)]
    warnings = []
    for impl in _implementations(pm, "register_cli_commands"):
        try:
            pm._hookexec("register_cli_commands", [impl], {"cli": cli}, False)
        except Exception as exc:
            warnings.append(f"plugin {impl.plugin_name!r} failed in register_cli_commands: "
                            f"{type(exc).__name__}: {exc}")
    return warnings


# -- calling at run time ----------------------------------------------------------------------
def _manager(app_or_pm: Flask | pluggy.PluginManager) -> pluggy.PluginManager:
    if isinstance(app_or_pm, pluggy.PluginManager):
        return app_or_pm
    return app_or_pm.extensions["smmflow"].plugins


def _implementations(pm: pluggy.PluginManager, hook_name: str) -> list[pluggy.HookImpl]:
    caller = getattr(pm.hook, hook_name, None)
    if caller is None:
        raise ValueError(f"unknown hook {hook_name!r}")
    return [impl for impl in reversed(caller.get_hookimpls())
            if not (impl.hookwrapper or impl.wrapper)]


def _call_one(pm: pluggy.PluginManager, impl: pluggy.HookImpl, hook_name: str,
              kwargs: dict[str, Any]) -> tuple[bool, Any]:
    try:
        result = pm._hookexec(hook_name, [impl], kwargs, False)
    except Exception:
        log.exception("plugin %r raised in hook %s; ignored", impl.plugin_name, hook_name)
        return False, None
    return True, result[0] if result else None


def call_safely(app: Flask | pluggy.PluginManager, hook_name: str, **kwargs: Any
                ) -> list[tuple[str, Any]]:
    """Call every implementation of ``hook_name`` on its own; (plugin name, result) of each.

    Plugins are called in pluggy's order (``tryfirst``, then the latest
    registered; the core's defaults last). A plugin that raises is logged
    (logger ``smmflow.plugins``) with its name and the hook, and skipped; the
    other plugins are still called.
    """
    pm = _manager(app)
    results = []
    for impl in _implementations(pm, hook_name):
        ok, result = _call_one(pm, impl, hook_name, kwargs)
        if ok:
            results.append((impl.plugin_name, result))
    return results


def collect(app: Flask | pluggy.PluginManager, hook_name: str, **kwargs: Any) -> list[Any]:
    """Flattened answers of every plugin to broadcast hook ``hook_name``.

    List answers are concatenated, ``None`` is skipped, other values are
    appended; a plugin that raises is logged with its name and skipped.
    """
    out: list[Any] = []
    for _plugin, result in call_safely(app, hook_name, **kwargs):
        if result is None:
            continue
        if isinstance(result, list | tuple | set | frozenset):
            out.extend(result)
        else:
            out.append(result)
    return out


def first_result(app: Flask | pluggy.PluginManager, hook_name: str, **kwargs: Any) -> Any:
    """The first non-``None`` answer to resolution hook ``hook_name`` (``None`` if nobody answers).

    A plugin that raises is logged and the next one is asked.
    """
    pm = _manager(app)
    for impl in _implementations(pm, hook_name):
        ok, result = _call_one(pm, impl, hook_name, kwargs)
        if ok and result is not None:
            return result
    return None


def hook_names() -> list[str]:
    """Every hook specified in :mod:`smmflow.hookspecs`."""
    return sorted(name for name in dir(hookspecs)
                  if callable(getattr(hookspecs, name))
                  and hasattr(getattr(hookspecs, name), "smmflow_spec"))
