"""Job functions used by the job tests (importable by dotted path)."""

from __future__ import annotations

from typing import Any

from flask import current_app, g

from smmflow import db as database

CALLS: list[str] = []


def whoami() -> dict[str, Any]:
    """Proves the job runs inside the worker's app context, with a database session."""
    return {"instance": str(current_app.extensions["smmflow"].settings.instance_path),
            "worker": g.smmflow_worker, "session": type(database.session()).__name__}


def add(a: int, b: int) -> int:
    return a + b


def tick() -> str:
    CALLS.append("tick")
    return "ticked"


