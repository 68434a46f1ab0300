"""Declared access expectations of every route, collected from ``tests/*/expectations.py``.

Each expectations module defines:

``ROUTES``
    ``{"endpoint": allow("owner", "manager", ...)}`` (principals of
    :class:`tests.conftest.World`; every principal not named must be refused);
``url_args(world, factory) -> dict``
    values for the URL arguments of its routes, objects of client A.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

PRINCIPALS = ("owner", "manager", "other_manager", "moderator", "contractor", "client_member",
              "other_client", "anonymous")
STAFF = ("owner", "manager", "other_manager", "moderator", "client_member", "other_client")
EVERYONE_SIGNED_IN = (*STAFF, "contractor")


def allow(*principals: str) -> frozenset[str]:
    unknown = set(principals) - set(PRINCIPALS)
    assert not unknown, f"unknown principals {unknown}"
    return frozenset(principals)


def collect() -> tuple[dict[str, frozenset[str]], list[Callable[..., dict[str, Any]]]]:
    import tests

    routes: dict[str, frozenset[str]] = {}
    builders: list[Callable[..., dict[str, Any]]] = []
    for info in pkgutil.iter_modules(tests.__path__):
        if not info.ispkg:
            continue
        try:
            module = importlib.import_module(f"tests.{info.name}.expectations")
        except ModuleNotFoundError as exc:
            if exc.name != f"tests.{info.name}.expectations":
                raise
            continue
        for endpoint, allowed in module.ROUTES.items():
            assert endpoint not in routes, f"{endpoint} declared twice"
            routes[endpoint] = allowed
        if hasattr(module, "url_args"):
            builders.append(module.url_args)
    return routes, builders
