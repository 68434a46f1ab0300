"""The schema is built by the migrations, and it matches the models."""

from __future__ import annotations

from sqlalchemy import inspect

from smmflow import migrate
from smmflow.db import Base


def test_migrated_schema_matches_models(app):
    engine = app.extensions["smmflow"].engine
    differences = migrate.diff(engine)
    assert differences == [], f"models and migrations disagree on {engine.dialect.name}: {differences}"


def test_every_model_table_exists(app):
    import smmflow.models  # noqa: F401

    engine = app.extensions["smmflow"].engine
    tables = set(inspect(engine).get_table_names())
    assert set(Base.metadata.tables) <= tables


def test_single_head(app):
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    assert len(script.get_heads()) == 1, f"merge the migration heads: {script.get_heads()}"
