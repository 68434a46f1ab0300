"""Every hook of smmflow, documented: each docstring is the hook's reference.

Families (STYLE.md): ``register_*`` return things to register; ``on_*`` are
notifications fired after the transaction commits; ``check_*`` and
``classify_*`` are broadcast and their results collected. Hooks take keyword
arguments only; a hook grows by adding arguments.
"""

from __future__ import annotations

from typing import Any

import pluggy

hookspec = pluggy.HookspecMarker("smmflow")


@hookspec
def register_platforms() -> list[Any]:
    """Return the :class:`~smmflow.plugin_api.Platform` instances this plugin provides.

    One platform name has exactly one provider: two plugins returning the same
    ``Platform.name`` stop the app at start-up with an error naming both.
    """
