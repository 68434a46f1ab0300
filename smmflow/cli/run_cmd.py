"""``smmflow run``: web, worker and dispatcher as one process tree; ``smmflow web``: web only.

``smmflow run`` supervises three child processes (``smmflow web``,
``smmflow worker``, ``smmflow dispatcher``) and, when no ``SMMFLOW_REDIS_URL``
is set, the install's private redis-server, which it starts first and hands
to the children through ``SMMFLOW_REDIS_URL``. Ctrl-C (SIGINT) or SIGTERM
stops the tree cleanly, in order: web and dispatcher, then the worker (which
finishes its current job), then redis-server. Children run in their own
process groups so a terminal's Ctrl-C reaches them only through this
supervisor, and each is told by Linux to exit if the supervisor dies. If one
child exits on its own, the others are stopped too and ``run`` exits non-zero.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from typing import Any

import click

ENTRY = "from smmflow.cli import main; main()"
STOP_ORDER = ("web", "dispatcher", "worker")
GRACE_SECONDS = 20.0


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    from smmflow.jobs.embedded import die_with_parent

    return subprocess.Popen(  # noqa: S603 - our own interpreter and CLI
        [sys.executable, "-c", ENTRY, *args], env=env, stdin=subprocess.DEVNULL,
        process_group=0, preexec_fn=die_with_parent if os.name == "posix" else None,
    )


def _stop(name: str, proc: subprocess.Popen[bytes], grace: float) -> None:
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        click.echo(f"smmflow: {name} did not stop in {grace:g} s; killing it", err=True)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def supervise(children: dict[str, list[str]], env: dict[str, str]) -> int:
    """Run ``children`` until a signal or until one of them exits; stop all; exit code."""
    stopping: list[int] = []

    def on_signal(signum: int, _frame: Any) -> None:
        stopping.append(signum)

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    procs: dict[str, subprocess.Popen[bytes]] = {}
    code = 0
    try:
        for name, args in children.items():
            procs[name] = _spawn(args, env)
        while not stopping:
            ended = [(n, p.returncode) for n, p in procs.items() if p.poll() is not None]
            if ended:
                for name, status in ended:
                    click.echo(f"smmflow: {name} exited with status {status}; stopping", err=True)
                code = 1
                break
            time.sleep(0.2)
    finally:
        for name in sorted(procs, key=lambda n: STOP_ORDER.index(n) if n in STOP_ORDER else 0):
            _stop(name, procs[name], GRACE_SECONDS)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return code


def register(main: click.Group) -> None:
    @main.command("web")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    def web(host: str, port: int) -> None:
        """Serve only the web app and API (development server; use gunicorn in production)."""
        from werkzeug.serving import run_simple

        from smmflow.cli.context import make_app

        app = make_app()

        def stop(_signum: int, _frame: Any) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        with contextlib.suppress(KeyboardInterrupt):
            run_simple(host, port, app, threaded=True, use_reloader=False)

    @main.command("run")
    @click.option("--host", default="127.0.0.1", show_default=True)
    @click.option("--port", default=5000, show_default=True, type=int)
    def run(host: str, port: int) -> None:
        """Run smmflow on this machine: web app and API, a worker and the dispatcher
        (and a private Redis when SMMFLOW_REDIS_URL is unset). Ctrl-C stops everything."""
        from smmflow import demo as demo_data
        from smmflow.cli.context import make_app
        from smmflow.jobs.embedded import EmbeddedRedis

        settings = make_app().extensions["smmflow"].settings  # fails early on bad configuration
        env = dict(os.environ)
        server = None
        if not settings.redis_url:
            server = EmbeddedRedis(settings.instance_path / "redis")
            env["SMMFLOW_REDIS_URL"] = server.start()
        click.echo(f"smmflow is running at http://{host}:{port}/  (API: /api/v1, "
                   f"OpenAPI: /api/v1/openapi.json)")
        click.echo(f"redis: {env.get('SMMFLOW_REDIS_URL') or settings.redis_url}"
                   + ("  (private, stopped with smmflow)" if server is not None and server.owned else ""))
        click.echo(f"demo login: {demo_data.OWNER_EMAIL} / {demo_data.DEMO_PASSWORD}")
        click.echo("press Ctrl-C to stop")
        try:
            code = supervise({"web": ["web", "--host", host, "--port", str(port)],
                              "worker": ["worker"], "dispatcher": ["dispatcher"]}, env)
        finally:
            if server is not None and server.owned:
                server.stop()
        sys.exit(code)
