"""Which test exercises which hook: filled by the ``@exercises(...)`` decorator at import.

``test_hookspecs.test_every_hook_has_a_test`` imports every test module of
``tests/plugin_framework`` and ``tests/notifications`` and fails for a hook
of :mod:`smmflow.hookspecs` that no test declares. A test that declares a
hook must call it through the core (and assert on the plugin's effect).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
HOOK_TESTS: dict[str, list[str]] = {}


def exercises(*hooks: str) -> Callable[[F], F]:
    """Declare that the decorated test calls ``hooks`` through the core."""

    def mark(test: F) -> F:
        for hook in hooks:
            HOOK_TESTS.setdefault(hook, []).append(f"{test.__module__}.{test.__qualname__}")
        return test

    return mark
