"""``smmflow demo``: idempotent demo data."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    @main.command("demo")
    def demo() -> None:
        """Create demo users, clients, accounts and a campaign (running it twice changes nothing)."""
        from smmflow import demo as demo_data
        from smmflow.cli.context import make_app

        app = make_app()
        steps = 4
        with click.progressbar(length=steps, label="demo data", show_pos=True) as bar:

            def progress(label: str, created: int) -> None:
                bar.label = f"demo data: {label} (+{created})"
                bar.update(1)

            total = demo_data.seed(app, progress)
        click.echo(f"demo data ready: {total} object(s) created")
        click.echo(f"log in as {demo_data.OWNER_EMAIL} / {demo_data.DEMO_PASSWORD}")
