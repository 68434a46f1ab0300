"""smmflow: operations platform for SMM agencies, and a plugin framework for social networks."""

from __future__ import annotations

from typing import Any

import pluggy

__version__ = "0.1.0"

hookimpl = pluggy.HookimplMarker("smmflow")
"""Decorator marking a plugin's hook implementations."""


def create_app(config: Any = None, *, plugins: Any = None) -> Any:
    """Build one smmflow app; see :func:`smmflow.app.create_app`."""
    from smmflow.app import create_app as _create_app

    return _create_app(config, plugins=plugins)


__all__ = ["__version__", "create_app", "hookimpl"]
