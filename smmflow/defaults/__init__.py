"""The core's own defaults, written as plugins (registered by ``create_app`` before any other).

Each module here is a plugin like any third-party one, and so is the
``plugin.py`` module of any core domain package (``smmflow/<domain>/plugin.py``,
e.g. the periodic jobs of a domain). ``SMMFLOW_PLUGINS_DISABLED`` can name one
(e.g. ``smmflow.defaults.notifications``) to switch it off.
"""

from __future__ import annotations

import importlib.util
import pkgutil

DEFAULT_PLUGINS: tuple[str, ...] = (
    "smmflow.defaults.channels",
    "smmflow.defaults.notifications",
)


def default_plugin_modules() -> list[str]:
    """Module names of the core's default plugins: this package's, then every domain's ``plugin``."""
    import smmflow

    found = list(DEFAULT_PLUGINS)
    for info in sorted(pkgutil.iter_modules(smmflow.__path__), key=lambda m: m.name):
        if not info.ispkg or info.name == "defaults":
            continue
        name = f"smmflow.{info.name}.plugin"
        if importlib.util.find_spec(name) is not None:
            found.append(name)
    return found
