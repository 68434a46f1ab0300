"""``smmflow db upgrade`` and ``smmflow db check``."""

from __future__ import annotations

import sys

import click


def register(main: click.Group) -> None:
    @main.group("db")
    def db() -> None:
        """Database schema."""

    @db.command("upgrade")
    @click.argument("revision", default="head")
    def upgrade(revision: str) -> None:
        """Apply the migrations up to REVISION (default: head)."""
        from smmflow import migrate
        from smmflow.cli.context import make_app

        app = make_app()
        engine = app.extensions["smmflow"].engine
        before = migrate.current_revision(engine)
        click.echo(f"database: {engine.url.render_as_string(hide_password=True)}")
        migrate.upgrade(engine, revision)
        after = migrate.current_revision(engine)
        click.echo(f"schema at {after}" + ("" if before == after else f" (was {before})"))

    @db.command("check")
    def check() -> None:
        """Fail when the models and the migrated schema differ."""
        from smmflow import migrate
        from smmflow.cli.context import make_app

        differences = migrate.diff(make_app().extensions["smmflow"].engine)
        for item in differences:
            click.echo(repr(item))
        sys.exit(1 if differences else 0)
