"""Entry point of the smmflow-vk plugin (group ``smmflow``, name ``vk``)."""

from __future__ import annotations

from smmflow.plugin_api import Platform, hookimpl
from smmflow_vk.platform import VKPlatform


@hookimpl
def register_platforms() -> list[Platform]:
    """The VK platform."""
    return [VKPlatform()]
