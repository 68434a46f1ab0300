"""Periodic work, scheduled by RQ's own cron scheduler (``rq.cron``), not a home-made loop.

A periodic job is a :class:`PeriodicJob`. Core domains list theirs in
``smmflow/<domain>/jobs.py`` as ``PERIODIC = [PeriodicJob(...), ...]``;
plugins return theirs from the ``register_periodic_jobs`` hook.
:func:`collect` gathers both; :func:`build_scheduler` registers them with an
``rq.cron.CronScheduler``, which ``smmflow dispatcher`` runs.

Several dispatchers may run at once, each with its cron scheduler. Every run
of a periodic job is enqueued under a deterministic id, its name and the
interval slot it belongs to (``periodic-<name>-<slot>``), with RQ's ``unique``
enqueue: the first scheduler to reach a slot enqueues it, the others are
refused, so each slot runs once however many schedulers there are.
"""

from __future__ import annotations

import importlib
import logging
import pkgutil
import re
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Flask
from redis import Redis
from rq.cron import CronJob, CronScheduler
from rq.exceptions import DuplicateJobError
from rq.job import Job
from rq.queue import Queue

from smmflow.jobs.queues import QUEUES

log = logging.getLogger("smmflow.periodic")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


@dataclass(frozen=True)
class PeriodicJob:
    """A job function run every ``every_seconds`` on ``queue``.

    ``func`` is the dotted path of a module-level job function without
    arguments; it runs in a worker, inside an app context.
    """

    name: str
    func: str
    every_seconds: int
    queue: str = "default"

    def __post_init__(self) -> None:
        if not self.name:
            raise ValueError("a periodic job needs a name")
        if "." not in self.func:
            raise ValueError(f"{self.name}: func must be a dotted path, got {self.func!r}")
        if int(self.every_seconds) < 1:
            raise ValueError(f"{self.name}: every_seconds must be at least 1")
        if self.queue not in QUEUES:
            raise ValueError(f"{self.name}: unknown queue {self.queue!r}; one of {', '.join(QUEUES)}")

    @property
    def slug(self) -> str:
        return _UNSAFE.sub("_", self.name)[:80]


def core_jobs() -> list[PeriodicJob]:
    """``PERIODIC`` of every ``smmflow/<domain>/jobs.py``."""
    import smmflow

    found: list[PeriodicJob] = []
    for info in sorted(pkgutil.iter_modules(smmflow.__path__), key=lambda m: m.name):
        if not info.ispkg:
            continue
        try:
            module = importlib.import_module(f"smmflow.{info.name}.jobs")
        except ModuleNotFoundError as exc:
            if exc.name != f"smmflow.{info.name}.jobs":
                raise
            continue
        found.extend(getattr(module, "PERIODIC", []))
    return found


def plugin_jobs(app: Flask) -> list[PeriodicJob]:
    """What plugins return from ``register_periodic_jobs`` (a failing plugin is logged, skipped)."""
    pm = app.extensions["smmflow"].plugins
    hook = getattr(pm.hook, "register_periodic_jobs", None) if pm is not None else None
    if hook is None:
        return []
    jobs: list[PeriodicJob] = []
    for impl in hook.get_hookimpls():
        try:
            result = impl.function() or []
        except Exception:
            log.exception("plugin %s failed in register_periodic_jobs", impl.plugin_name)
            continue
        for job in result:
            if isinstance(job, PeriodicJob):
                jobs.append(job)
            else:
                log.error("plugin %s returned %r from register_periodic_jobs, not a PeriodicJob",
                          impl.plugin_name, job)
    return jobs


def collect(app: Flask) -> list[PeriodicJob]:
    """Every periodic job of the app; a name registered twice is an error."""
    jobs = core_jobs() + plugin_jobs(app)
    seen: dict[str, PeriodicJob] = {}
    for job in jobs:
        if job.name in seen:
            raise ValueError(f"periodic job {job.name!r} is registered twice")
        seen[job.name] = job
    return jobs


def slot_job_id(job: PeriodicJob, when: datetime | float) -> str:
    """The deterministic RQ job id of the run of ``job`` in the interval slot of ``when``."""
    stamp = when.timestamp() if isinstance(when, datetime) else when
    return f"periodic-{job.slug}-{int(stamp // job.every_seconds)}"


class SlotCronJob(CronJob):
    """An ``rq.cron.CronJob`` enqueued once per interval slot across every scheduler."""

    def __init__(self, periodic: PeriodicJob, func: Any) -> None:
        super().__init__(queue_name=periodic.queue, func=func, interval=int(periodic.every_seconds),
                         job_timeout=max(60, int(periodic.every_seconds) * 10),
                         result_ttl=int(periodic.every_seconds) + 60, name=periodic.name)
        self.periodic = periodic

    def enqueue(self, connection: Redis) -> Job:
        queue = Queue(self.queue_name, connection=connection)
        job_id = slot_job_id(self.periodic, time.time())
        try:
            job = queue.enqueue(self.func, job_id=job_id, unique=True, **self.job_options)
        except DuplicateJobError:
            log.debug("periodic %s: slot %s already enqueued by another scheduler", self.name, job_id)
            return Job.fetch(job_id, connection=connection)
        connection.zadd(self.job_history_key, {job.id: time.time()})
        return job


def _import(path: str) -> Any:
    module, _, name = path.rpartition(".")
    return getattr(importlib.import_module(module), name)


def build_scheduler(app: Flask, connection: Redis, jobs: list[PeriodicJob] | None = None,
                    name: str = "") -> CronScheduler:
    """An ``rq.cron.CronScheduler`` with every periodic job of the app registered."""
    scheduler = CronScheduler(connection=connection, name=name)
    for periodic in collect(app) if jobs is None else jobs:
        scheduler._cron_jobs.append(SlotCronJob(periodic, _import(periodic.func)))
    return scheduler
