"""``smmflow worker``: run jobs from the RQ queues."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    from smmflow.jobs.queues import QUEUES

    @main.command("worker")
    @click.option("--queues", "-q", default=",".join(QUEUES), show_default=True,
                  help="Comma-separated queues, most urgent first.")
    @click.option("--burst", is_flag=True, help="Quit once the queues are empty.")
    @click.option("--name", default=None, help="Worker name (default: host-pid-random).")
    def worker(queues: str, burst: bool, name: str | None) -> None:
        """Run jobs (publishing, moderation, metrics, ...) until stopped (Ctrl-C finishes the
        current job; a second Ctrl-C stops at once)."""

        from smmflow.cli.context import make_app
        from smmflow.jobs.queues import connect
        from smmflow.jobs.worker import configure_logging, run_worker

        names = [q.strip() for q in queues.split(",") if q.strip()]
        unknown = sorted(set(names) - set(QUEUES))
        if unknown:
            raise click.BadParameter(f"unknown queue(s) {', '.join(unknown)}; "
                                     f"smmflow queues are {', '.join(QUEUES)}", param_hint="--queues")
        configure_logging()
        app = make_app()
        server = connect(app)
        try:
            run_worker(app, names, burst=burst, name=name)
        finally:
            if server is not None and server.owned:
                server.stop()
