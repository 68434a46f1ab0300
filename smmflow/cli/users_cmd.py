"""``smmflow users create``."""

from __future__ import annotations

import click

from smmflow.auth.models import UserRole


def register(main: click.Group) -> None:
    @main.group("users")
    def users() -> None:
        """User accounts."""

    @users.command("create")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option("--role", type=click.Choice([r.value for r in UserRole]), default="staff",
                  show_default=True)
    @click.password_option(help="At least 10 characters (prompted when omitted).")
    def create(email: str, name: str, role: str, password: str) -> None:
        """Create a user."""
        from marshmallow import ValidationError

        from smmflow import db as database
        from smmflow.auth import services
        from smmflow.auth.schemas import UserCreateSchema
        from smmflow.cli.context import make_app
        from smmflow.errors import ApiError

        try:
            data = UserCreateSchema().load(
                {"email": email, "name": name, "role": role, "password": password})
        except ValidationError as exc:
            for field, messages in exc.messages_dict.items():
                click.echo(f"error: {field}: {' '.join(messages)}", err=True)
            raise SystemExit(2) from exc
        app = make_app()
        with app.app_context():
            db = database.session()
            db.info["remote_addr"] = "cli"
            try:
                user = services.create_user(db, **data)
            except ApiError as exc:
                click.echo(f"error: {exc.message}", err=True)
                raise SystemExit(1) from exc
            db.commit()
            click.echo(f"created user {user.id} <{user.email}> ({user.role})")
