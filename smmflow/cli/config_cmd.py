"""``smmflow init``, ``smmflow keys generate``, ``smmflow config``."""

from __future__ import annotations

import secrets
from pathlib import Path

import click

from smmflow.config import INSTANCE_ENV_FILE, SETTINGS, default_instance_path
from smmflow.crypto import generate_key


def init_instance(instance: Path) -> tuple[Path, bool]:
    """Write ``<instance>/smmflow.env`` with fresh keys unless it exists."""
    instance.mkdir(parents=True, exist_ok=True)
    path = instance / INSTANCE_ENV_FILE
    if path.exists():
        return path, False
    path.write_text(
        "# smmflow instance settings (written by `smmflow init`); environment variables win.\n"
        f"SMMFLOW_SECRET_KEY={secrets.token_urlsafe(48)}\n"
        f"SMMFLOW_ENCRYPTION_KEY={generate_key()}\n"
    )
    path.chmod(0o600)
    return path, True


def register(main: click.Group) -> None:
    @main.command("init")
    @click.option("--instance", type=click.Path(path_type=Path), default=None,
                  help="Instance folder (default: $SMMFLOW_INSTANCE_PATH or ./instance).")
    def init(instance: Path | None) -> None:
        """Create the instance folder and its secret keys (once)."""
        import os

        folder = instance or Path(os.environ.get("SMMFLOW_INSTANCE_PATH") or default_instance_path())
        path, created = init_instance(folder)
        click.echo(f"{'wrote' if created else 'kept existing'} {path}")

    @main.group("keys")
    def keys() -> None:
        """Key management."""

    @keys.command("generate")
    def generate() -> None:
        """Print a new key for SMMFLOW_ENCRYPTION_KEY."""
        click.echo(generate_key())

    @main.command("config")
    @click.option("--markdown", is_flag=True, help="Print the table for the README.")
    def config(markdown: bool) -> None:
        """List every setting, its variable and default."""
        if markdown:
            click.echo("| Variable | Default | Meaning |\n| --- | --- | --- |")
        for s in SETTINGS:
            default = "—" if s.default in (None, [], "") else f"`{s.default}`"
            if markdown:
                click.echo(f"| `{s.env}` | {default} | {s.description} |")
            else:
                click.echo(f"{s.env:34} {default:24} {s.description}")
