"""Engine and session wiring, the declarative ``Base`` and common column types.

Each app owns one engine and one ``sessionmaker`` (in ``app.extensions``); a web
request gets one session (:func:`session`), committed explicitly by the view
and closed at teardown, so one request is one transaction. Jobs open their
own sessions with :func:`open_session`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import JSON, DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> dt.datetime:
    """The current time, timezone-aware, in UTC."""
    return dt.datetime.now(dt.UTC)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp stored in UTC and always returned timezone-aware.

    Naive datetimes are refused: a time without a zone is a bug waiting to happen.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; smmflow stores times in UTC")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


JSONType = JSON().with_variant(JSONB(), "postgresql")


class Base(DeclarativeBase):
    """Declarative base of every smmflow table."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {dt.datetime: UTCDateTime()}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def make_engine(url: str) -> Engine:
    """Create the engine for ``url`` with the settings smmflow relies on."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def init_app(app: Flask, url: str) -> None:
    """Attach an engine and session factory to ``app``."""
    engine = make_engine(url)
    state = app.extensions["smmflow"]
    state.engine = engine
    state.sessionmaker = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_request_session)


def _close_request_session(_exc: BaseException | None) -> None:
    db: Session | None = g.pop("smmflow_session", None)
    if db is not None:
        db.close()


def session() -> Session:
    """The session of the current app context (one per request or job step)."""
    db: Session | None = g.get("smmflow_session")
    if db is None:
        db = current_app.extensions["smmflow"].sessionmaker()
        g.smmflow_session = db
    return db


@contextmanager
def open_session(app: Flask) -> Iterator[Session]:
    """A fresh session outside any request; rolled back unless committed."""
    db: Session = app.extensions["smmflow"].sessionmaker()
    try:
        yield db
    finally:
        db.close()
