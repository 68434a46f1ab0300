"""Building and cleaning the test database."""

from __future__ import annotations

from sqlalchemy import Engine, text

from smmflow import migrate
from smmflow.db import Base


def build(engine: Engine) -> None:
    """Drop everything, then run every migration from empty."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    else:
        with engine.begin() as conn:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            names = [r[0] for r in conn.execute(text(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"))]
            for name in names:
                conn.execute(text(f'DROP TABLE IF EXISTS "{name}"'))
    migrate.upgrade(engine)


def clean(engine: Engine) -> None:
    """Delete every row of every table (a fresh database for the next test)."""
    import smmflow.models  # noqa: F401

    tables = [t.name for t in reversed(Base.metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            # fail loudly instead of hanging when a test left a transaction open
            conn.execute(text("SET LOCAL lock_timeout = '20s'"))
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables)
                              + " RESTART IDENTITY CASCADE"))
        else:
            conn.execute(text("PRAGMA foreign_keys=OFF"))
            for name in tables:
                conn.execute(text(f'DELETE FROM "{name}"'))  # noqa: S608 - names from metadata
            conn.execute(text("PRAGMA foreign_keys=ON"))
