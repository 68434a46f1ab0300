"""``smmflow dispatcher``: due posts onto the queues, and periodic work through RQ's cron."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    @main.command("dispatcher")
    @click.option("--once", is_flag=True,
                  help="Dispatch due targets and re-derive lost work once, then exit.")
    def dispatcher(once: bool) -> None:
        """Enqueue due post targets every SMMFLOW_DISPATCH_INTERVAL seconds, re-derive work
        lost from Redis, and run RQ's cron scheduler for the periodic jobs. Any number of
        dispatchers may run at once."""
        import threading

        from smmflow.cli.context import make_app
        from smmflow.jobs.dispatcher import Dispatcher
        from smmflow.jobs.periodic import build_scheduler
        from smmflow.jobs.queues import connect, redis_connection
        from smmflow.jobs.worker import configure_logging

        configure_logging()
        app = make_app()
        server = connect(app)
        try:
            dispatcher = Dispatcher(app)
            if once:
                report = dispatcher.tick()
                click.echo(f"dispatched {report.dispatched} target(s) in {len(report.jobs)} job(s); "
                           f"re-derived {report.rederived}; {report.waiting} waiting in queues")
                return
            stop = threading.Event()
            loop = threading.Thread(target=dispatcher.run, args=(stop,), name="dispatch",
                                    daemon=True)
            loop.start()
            cron = build_scheduler(app, redis_connection(app))
            try:
                cron.start()  # blocks; SIGINT/SIGTERM stop it
            finally:
                stop.set()
                loop.join(timeout=30)
        finally:
            if server is not None and server.owned:
                server.stop()
