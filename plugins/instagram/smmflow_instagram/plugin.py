"""Entry point ``instagram`` of the group ``smmflow``: registers the Instagram platform."""

from __future__ import annotations

from smmflow.plugin_api import Platform, hookimpl
from smmflow_instagram.platform import InstagramPlatform


@hookimpl
def register_platforms() -> list[Platform]:
    return [InstagramPlatform()]
