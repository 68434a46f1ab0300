"""``smmflow plugins [--json]``, and the commands plugins add (``register_cli_commands``)."""

from __future__ import annotations

import json
import os
import sys
from typing import Any

import click
from flask import Flask


def describe(app: Flask) -> dict[str, Any]:
    """Every plugin of ``app``: distribution, version, hooks, platforms; and the channels."""
    state = app.extensions["smmflow"]
    pm = state.plugins
    platforms = state.platforms
    plugins = []
    for name, info in pm.infos.items():
        plugins.append({
            "name": name,
            "module": info.module,
            "source": info.source,
            "distribution": info.distribution,
            "version": info.version,
            "hooks": pm.hooks_of(name),
            "platforms": [_platform(platforms[p]) for p in info.platforms],
        })
    return {
        "plugins": plugins,
        "platforms": sorted(platforms),
        "notification_channels": sorted(state.channels),
        "trace_hooks": state.settings.trace_hooks,
    }


def _platform(platform: Any) -> dict[str, Any]:
    return {
        "name": platform.name,
        "display_name": platform.display_name,
        "capabilities": sorted(str(c) for c in platform.capabilities),
        "max_concurrency_per_account": platform.max_concurrency_per_account,
        "moderation_actions": sorted(platform.moderation_actions),
    }


def _print_text(data: dict[str, Any]) -> None:
    for plugin in data["plugins"]:
        version = f"{plugin['distribution']} {plugin['version']}" if plugin["distribution"] \
            else "no distribution"
        click.echo(f"{plugin['name']}  ({version}, {plugin['source']})")
        click.echo(f"  hooks: {', '.join(plugin['hooks']) or '-'}")
        for platform in plugin["platforms"]:
            click.echo(f"  platform {platform['name']} ({platform['display_name']}): "
                       f"{', '.join(platform['capabilities'])}")
    click.echo(f"notification channels: {', '.join(data['notification_channels']) or '-'}")


def _plugin_lists() -> tuple[list[str] | None, list[str]]:
    """The allow/deny lists from the settings (or the raw environment when settings are incomplete)."""
    from smmflow.config import load_settings
    from smmflow.errors import ConfigError

    try:
        settings = load_settings()
    except ConfigError:
        def names(raw: str | None) -> list[str]:
            return [n.strip() for n in (raw or "").split(",") if n.strip()]

        enabled = os.environ.get("SMMFLOW_PLUGINS")
        return (names(enabled) if enabled else None), names(os.environ.get("SMMFLOW_PLUGINS_DISABLED"))
    return settings.plugins_enabled, settings.plugins_disabled


def register(main: click.Group) -> None:
    @main.command("plugins")
    @click.option("--json", "as_json", is_flag=True, help="Print JSON.")
    def plugins(as_json: bool) -> None:
        """List the plugins: version, hooks, platforms (and the notification channels)."""
        from smmflow.cli.context import make_app

        data = describe(make_app())
        if as_json:
            click.echo(json.dumps(data, indent=2))
        else:
            _print_text(data)

    from smmflow.plugins import add_cli_commands

    enabled, disabled = _plugin_lists()
    for warning in add_cli_commands(main, enabled=enabled, disabled=disabled):
        print(f"smmflow: warning: {warning}", file=sys.stderr)
