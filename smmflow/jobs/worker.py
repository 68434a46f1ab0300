"""``smmflow worker``: an RQ worker that builds the app once and runs each job in its context.

Worker class, chosen by measurement (``benchmarks/publish_pipeline.py`` prints
the baseline): RQ's ``SimpleWorker``, which runs jobs in the worker process
itself. On this project's 2-CPU reference machine two processes drain 427
no-op jobs/s with ``SimpleWorker`` against 124 with the forking ``Worker`` (a
fork costs ~8 ms per job; 3.4x here, 4.7x on a quiet machine), and
``SpawnWorker`` is about 45 times slower than ``SimpleWorker``. More importantly, everything a job
needs survives from job to job: the app and its database pool, the HTTP
connection pool and the publish thread pool (:mod:`smmflow.posts.publishing`),
which a fork per job would rebuild every time. What forking would buy --
isolation from a job that corrupts the process -- matters less here: jobs are
our own code around plugin calls that are caught and mapped to outcomes, a
hung job is still killed by RQ's timeout (SIGALRM in the main thread), and a
crashed worker loses nothing (the database is the source of truth and stale
claims are recovered). Run several worker processes for CPU parallelism.
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import uuid
from typing import Any

from flask import Flask, g, has_app_context
from rq import SimpleWorker
from rq.job import Job
from rq.queue import Queue

from smmflow.jobs.queues import QUEUES, get_queue, redis_connection

log = logging.getLogger("smmflow.worker")
# A publish job's coordinating thread waits on many short database round trips
# while up to ``publish_concurrency`` threads run plugin calls. With Python's
# default 5 ms GIL switch interval each of its round trips could wait 5 ms to
# get the GIL back; 1 ms keeps the coordinator responsive (measured with
# benchmarks/publish_pipeline.py).
SWITCH_INTERVAL = 0.001


def configure_logging(level: int = logging.INFO) -> None:
    """Log lines of worker and dispatcher processes.

    httpx's one INFO line per request is silenced: it is noise at volume, and
    some networks carry a credential in the URL (Telegram's bot token).
    """
    logging.basicConfig(level=level, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for name in ("httpx", "httpcore"):
        logging.getLogger(name).setLevel(logging.WARNING)


def warm_up(app: Flask, queues: list[str]) -> None:
    """Build what the first publish job needs now, not when its targets are due."""
    if "publish" in queues:
        from smmflow.jobs.context import http_client
        from smmflow.posts.publishing import PublishRuntime

        PublishRuntime.of(app)
        http_client(app)


def default_worker_name() -> str:
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


def current_worker_name() -> str:
    """The name of the worker running the current job (recorded with publish attempts)."""
    if has_app_context():
        name = g.get("smmflow_worker")
        if name:
            return str(name)
    return f"{socket.gethostname()}-{os.getpid()}"


class AppWorker(SimpleWorker):
    """A ``SimpleWorker`` bound to one smmflow app; every job runs in an app context."""

    def __init__(self, app: Flask, queues: list[str] | None = None, **kwargs: Any) -> None:
        self.app = app
        names = list(queues or QUEUES)
        super().__init__([get_queue(app, n) for n in names], connection=redis_connection(app),
                         name=kwargs.pop("name", None) or default_worker_name(), **kwargs)

    def execute_job(self, job: Job, queue: Queue) -> None:
        with self.app.app_context():
            g.smmflow_worker = self.name
            super().execute_job(job, queue)

    def teardown(self) -> None:
        try:
            from smmflow.jobs.context import close_http_client
            from smmflow.posts.publishing import PublishRuntime

            PublishRuntime.close(self.app)
            close_http_client(self.app)
        finally:
            super().teardown()


def run_worker(app: Flask, queues: list[str] | None = None, *, burst: bool = False,
               name: str | None = None, with_scheduler: bool = True,
               logging_level: str = "WARNING") -> bool:
    """Work on ``queues`` (default: all, most urgent first) until stopped; True if any job ran.

    RQ's own log lines (one per job, and the periodic jobs run every few seconds) are
    kept at WARNING by default; pass ``logging_level="INFO"`` to see every job.

    ``with_scheduler`` also runs RQ's scheduler (one per queue across all
    workers, by lock), which moves jobs enqueued with ``at=`` to their queue.
    """
    warm_up(app, list(queues or QUEUES))
    sys.setswitchinterval(SWITCH_INTERVAL)
    worker = AppWorker(app, queues, name=name)
    worker.log_result_lifespan = False
    return worker.work(burst=burst, with_scheduler=with_scheduler, logging_level=logging_level)
