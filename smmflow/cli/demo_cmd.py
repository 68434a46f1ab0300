"""``smmflow demo``: idempotent demo data; ``smmflow demo publish``: send the demo posts."""

from __future__ import annotations

import sys

import click


def register(main: click.Group) -> None:
    @main.group("demo", invoke_without_command=True)
    @click.pass_context
    def demo(ctx: click.Context) -> None:
        """Create demo users, clients, accounts, a campaign and approved posts (running it
        twice changes nothing). Nothing is scheduled: see ``smmflow demo publish``."""
        if ctx.invoked_subcommand is not None:
            return
        from smmflow import demo as demo_data
        from smmflow.cli.context import make_app

        app = make_app()
        with click.progressbar(length=len(demo_data.STEP_LABELS), label="demo data",
                               show_pos=True) as bar:

            def progress(label: str, created: int) -> None:
                bar.label = f"demo data: {label} (+{created})"
                bar.update(1)

            total = demo_data.seed(app, progress)
        click.echo(f"demo data ready: {total} object(s) created")
        click.echo(f"log in as {demo_data.OWNER_EMAIL} / {demo_data.DEMO_PASSWORD}")

    @demo.command("publish")
    @click.option("--lead", default=2.0, show_default=True, type=click.FloatRange(min=0.5),
                  help="Seconds from now to schedule the posts at.")
    def publish(lead: float) -> None:
        """Schedule the approved demo posts for now; the running worker publishes them.

        They go to the networks the plugins' API bases name: point those at fake
        servers first (``./dev fakes`` does everything), or the demo's made-up
        credentials are sent to the real networks.
        """
        from smmflow import demo as demo_data
        from smmflow.cli.context import make_app

        rows = demo_data.schedule_posts(make_app(), lead_seconds=lead)
        if not rows:
            click.echo("no demo posts: run `smmflow demo` first", err=True)
            sys.exit(1)
        count = 0
        for row in rows:
            if row.skipped:
                click.echo(f"post {row.post_id} {row.title!r}: not scheduled, {row.skipped}")
                continue
            where = ", ".join(f"{platform} {handle} (target {tid})"
                              for tid, platform, handle in row.targets)
            click.echo(f"post {row.post_id} {row.title!r}: scheduled on {where}")
            count += len(row.targets)
        click.echo(f"{count} target(s) scheduled in {lead:g} s; `smmflow run` (its worker) "
                   "publishes them")
