"""Entry point of the plugin (group ``smmflow``, name ``youtube``)."""

from __future__ import annotations

from smmflow.plugin_api import Platform, hookimpl
from smmflow_youtube.platform import YouTubePlatform


@hookimpl
def register_platforms() -> list[Platform]:
    return [YouTubePlatform()]
