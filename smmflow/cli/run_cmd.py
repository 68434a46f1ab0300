"""``smmflow run``: the web app (development server)."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    @main.command("run")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    def run(host: str, port: int) -> None:
        """Serve the web app and API (use gunicorn in production)."""
        from werkzeug.serving import run_simple

        from smmflow import demo as demo_data
        from smmflow.cli.context import make_app

        app = make_app()
        click.echo(f"smmflow is running at http://{host}:{port}/  (API: /api/v1, "
                   f"OpenAPI: /api/v1/openapi.json)")
        click.echo(f"demo login: {demo_data.OWNER_EMAIL} / {demo_data.DEMO_PASSWORD}")
        click.echo("press Ctrl-C to stop")
        run_simple(host, port, app, threaded=True, use_reloader=False)
