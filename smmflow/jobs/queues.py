"""RQ queues of smmflow and THE typed enqueue wrapper.

Queues, by urgency (a worker listening on several takes from the first that
has work): ``publish``, ``moderation``, ``default``, ``metrics``.

:func:`enqueue` is the only way smmflow code puts work on a queue. Jobs take
ids and primitives, never ORM objects; a job with an explicit ``job_id`` is
enqueued at most once while it is pending (enqueueing the same id again returns
the pending job), so a deterministic id makes enqueueing idempotent.

The Redis of an app is ``settings.redis_url``; without one, every process of
the install shares the private redis-server of :mod:`smmflow.jobs.embedded` in
the instance folder.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import redis
from flask import Flask
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

from smmflow.config import Settings

if TYPE_CHECKING:
    from smmflow.jobs.embedded import EmbeddedRedis

PUBLISH = "publish"
MODERATION = "moderation"
DEFAULT = "default"
METRICS = "metrics"
QUEUES: tuple[str, ...] = (PUBLISH, MODERATION, DEFAULT, METRICS)

DEFAULT_TIMEOUT = 600
FAILURE_TTL = 7 * 24 * 3600
PENDING = frozenset({JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED,
                     JobStatus.STARTED, JobStatus.RATE_LIMITED, JobStatus.READY_TO_ENQUEUE})
_PRIMITIVES = (str, int, float, bool, type(None))


def redis_url(settings: Settings, *, start: bool = True) -> str:
    """The Redis URL of an install: the configured one, or the shared embedded server.

    With ``start`` the embedded server is started when none answers yet (the
    calling process then owns it: it stops when that process exits).
    """
    if settings.redis_url:
        return settings.redis_url
    from smmflow.jobs.embedded import EmbeddedRedis

    server = EmbeddedRedis(settings.instance_path / "redis")
    if not start:
        return server.url
    return server.start()


def redis_connection(app: Flask) -> redis.Redis:
    """The app's Redis client (one per app, created on first use)."""
    state = app.extensions["smmflow"]
    conn = state.extras.get("redis")
    if conn is None:
        url = redis_url(state.settings)
        conn = redis.Redis.from_url(url, health_check_interval=30)
        state.extras["redis"] = conn
    return conn


def connect(app: Flask) -> EmbeddedRedis | None:
    """Connect ``app`` to its Redis now; call it from the main thread of a long-lived process.

    Without ``redis_url`` the install's embedded server is used, started here
    when none runs yet: the returned object then owns it (``server.owned``)
    and the caller stops it on the way out.
    """
    state = app.extensions["smmflow"]
    if state.settings.redis_url:
        redis_connection(app)
        return None
    from smmflow.jobs.embedded import EmbeddedRedis

    server = EmbeddedRedis(state.settings.instance_path / "redis")
    state.extras["redis"] = redis.Redis.from_url(server.start(), health_check_interval=30)
    return server


def get_queue(app: Flask, name: str) -> Queue:
    """One of :data:`QUEUES`, on the app's Redis."""
    if name not in QUEUES:
        raise ValueError(f"unknown queue {name!r}; smmflow queues are {', '.join(QUEUES)}")
    return Queue(name, connection=redis_connection(app), default_timeout=DEFAULT_TIMEOUT)


def retry_intervals(retries: int) -> list[int]:
    """Seconds between RQ-level retries: 10 s, 30 s, 90 s ... at most one hour."""
    return [min(3600, 10 * 3**i) for i in range(retries)]


def _check_arguments(value: Any, where: str) -> None:
    if isinstance(value, _PRIMITIVES):
        return
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"{where}: job argument keys must be strings")
            _check_arguments(item, f"{where}[{key!r}]")
        return
    if isinstance(value, Sequence):
        for i, item in enumerate(value):
            _check_arguments(item, f"{where}[{i}]")
        return
    raise TypeError(f"{where}: jobs take ids and primitives, not {type(value).__name__} "
                    "(pass the object's id and load it inside the job)")


def enqueue(app: Flask, func: str, *args: Any, queue: str = DEFAULT, job_id: str | None = None,
            at: dt.datetime | None = None, retries: int = 0, timeout: int = DEFAULT_TIMEOUT,
            kwargs: Mapping[str, Any] | None = None, result_ttl: int | None = None,
            at_front: bool = False, description: str | None = None) -> Job:
    """Put ``func`` (a dotted path, e.g. ``"smmflow.metrics.jobs.collect"``) on ``queue``.

    ``job_id``
        a deterministic id: while a job with this id is pending (queued,
        scheduled, deferred or started) the existing job is returned and nothing
        is added; a finished or failed job of that id is replaced.
    ``at``
        a timezone-aware time: the job is scheduled with RQ's scheduler (run by
        the workers). RQ keeps due times in whole seconds, so it may start up to
        a second early: jobs whose timing matters re-check the time themselves.
    ``retries``
        RQ-level retries of a job that raised, after 10 s, 30 s, 90 s, ...
    ``timeout``
        seconds after which the worker kills the job.
    ``result_ttl``
        seconds the result is kept (0: deleted at once; None: RQ's default).
    ``description``
        what ``rq info`` and the worker log show (default: the call with its arguments).
    """
    if "." not in func or func.startswith(".") or func.endswith("."):
        raise ValueError(f"func must be the dotted path of a module-level function, got {func!r}")
    if at is not None and at.tzinfo is None:
        raise ValueError("at must be timezone-aware (smmflow keeps times in UTC)")
    if retries < 0:
        raise ValueError("retries must be 0 or more")
    if timeout <= 0:
        raise ValueError("timeout must be a positive number of seconds")
    _check_arguments(list(args), "args")
    _check_arguments(dict(kwargs or {}), "kwargs")
    q = get_queue(app, queue)
    options: dict[str, Any] = {
        "args": args, "kwargs": dict(kwargs or {}), "job_timeout": timeout,
        "failure_ttl": FAILURE_TTL, "at_front": at_front,
    }
    if result_ttl is not None:
        options["result_ttl"] = result_ttl
    if description is not None:
        options["description"] = description
    if retries:
        options["retry"] = Retry(max=retries, interval=retry_intervals(retries))
    if job_id is None:
        return q.enqueue_at(at, func, **options) if at is not None else q.enqueue(func, **options)
    for _ in range(3):
        try:
            if at is not None:
                return q.enqueue_at(at, func, job_id=job_id, unique=True, **options)
            return q.enqueue(func, job_id=job_id, unique=True, **options)
        except DuplicateJobError:
            existing = _fetch(q, job_id)
            if existing is not None:
                if existing.get_status(refresh=False) in PENDING:
                    return existing
                existing.delete()
    raise RuntimeError(f"job {job_id} could not be enqueued: it keeps being replaced concurrently")


def _fetch(q: Queue, job_id: str) -> Job | None:
    try:
        return Job.fetch(job_id, connection=q.connection)
    except NoSuchJobError:
        return None


def job_status(app: Flask, job_ids: Sequence[str]) -> dict[str, str | None]:
    """The RQ status of each job id (None: unknown to Redis), in one round trip."""
    conn = redis_connection(app)
    with conn.pipeline(transaction=False) as pipe:
        for job_id in job_ids:
            pipe.hget(Job.key_for(job_id), "status")
        raw = pipe.execute()
    return {job_id: (value.decode() if isinstance(value, bytes) else value)
            for job_id, value in zip(job_ids, raw, strict=True)}
