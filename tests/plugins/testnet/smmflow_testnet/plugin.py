"""Entry point ``smmflow = testnet``: the hooks of the test network plugin."""

from __future__ import annotations

from smmflow.plugin_api import Platform, hookimpl
from smmflow_testnet.platform import TestnetPlatform


@hookimpl
def register_platforms() -> list[Platform]:
    """The ``testnet`` platform."""
    return [TestnetPlatform()]
