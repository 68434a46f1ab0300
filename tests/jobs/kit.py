"""Shared helpers of the job and publishing tests: apps wired to the test network, bulk data,
worker and dispatcher processes."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import smmflow_testnet.plugin as testnet_plugin
from flask import Flask
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from smmflow.accounts.models import SocialAccount
from smmflow.clients.models import Client
from smmflow.db import utcnow
from smmflow.posts.content import hash_content
from smmflow.posts.models import Post, PostTarget, PublishAttempt, TargetStatus

FAST = {
    "http_timeout": 1.0,
    "publish_backoff_seconds": 0.2,
    "publish_max_attempts": 6,
    "publish_stale_seconds": 3.0,
    "dispatch_interval": 0.2,
    "publish_concurrency": 16,
    "publish_batch_size": 50,
}


APPS: list[Flask] = []


def net_app(make_app: Callable[..., Flask], fake: Any, *, plugins: tuple[Any, ...] = (),
            **overrides: Any) -> Flask:
    """An app with the test network plugin (and ``plugins``), pointed at ``fake``, fast retries."""
    app = make_app(plugins=[testnet_plugin, *plugins], extra=fake.settings, **{**FAST, **overrides})
    APPS.append(app)
    return app


def close_runtimes() -> Iterator[None]:
    """Fixture body: after a test, stop the publish thread pools and HTTP clients it started."""
    yield
    from smmflow.jobs.context import close_http_client
    from smmflow.posts.publishing import PublishRuntime

    while APPS:
        app = APPS.pop()
        PublishRuntime.close(app)
        close_http_client(app)


def drain(app: Flask, queues: tuple[str, ...] = ("publish",)) -> None:
    """Run every queued job with an in-process worker (RQ ``SimpleWorker``), then return."""
    from smmflow.jobs.worker import AppWorker

    worker = AppWorker(app, list(queues))
    worker.log_result_lifespan = False
    worker.work(burst=True, with_scheduler=False, logging_level="WARNING")


def publish_until_settled(app: Flask, db: Session, ids: list[int], timeout: float = 20.0) -> None:
    """Dispatcher ticks and in-process workers until every target is final."""
    from smmflow.jobs.dispatcher import Dispatcher

    dispatcher = Dispatcher(app)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dispatcher.tick()
        drain(app)
        if settled(db, ids):
            return
        time.sleep(0.05)
    raise AssertionError(f"targets not settled after {timeout:g} s: {statuses(db, ids)}")


@dataclass
class Data:
    client_id: int
    account_ids: list[int]
    post_ids: list[int] = field(default_factory=list)
    target_ids: list[int] = field(default_factory=list)


def make_targets(app: Flask, db: Session, fake: Any, n: int, *, accounts: int = 1,
                 due: dt.datetime | None = None, platform: str = "testnet",
                 credentials: dict[str, Any] | None = None, prefix: str = "t") -> Data:
    """``n`` scheduled targets over ``accounts`` accounts of one client, approved content."""
    due = due or utcnow() - dt.timedelta(seconds=1)
    vault = app.extensions["smmflow"].vault
    slug = f"c-{prefix}-{time.monotonic_ns()}"
    client = Client(name=slug, slug=slug[:80], timezone="UTC", currency="EUR", monthly_budget_minor=0)
    db.add(client)
    db.flush()
    creds = vault.encrypt(credentials if credentials is not None else fake.account_credentials())
    account_rows = [{"client_id": client.id, "platform": platform, "handle": f"{prefix}{i}",
                     "external_id": f"{prefix}-acct-{i}", "credentials_encrypted": creds,
                     "status": "active", "is_competitor": False, "version": 1,
                     "created_at": utcnow()} for i in range(accounts)]
    account_ids = list(db.scalars(insert(SocialAccount).returning(SocialAccount.id), account_rows))
    data = Data(client.id, account_ids)
    posts = (n + accounts - 1) // accounts
    now = utcnow()
    post_rows = []
    for i in range(posts):
        text = f"{prefix} post {i} #launch"
        digest = hash_content(text, "", [], {})
        post_rows.append({"client_id": client.id, "title": "", "text": text, "media": [],
                          "options": {}, "status": "scheduled", "content_hash": digest,
                          "approved_hash": digest, "version": 1, "created_at": now,
                          "updated_at": now})
    data.post_ids = list(db.scalars(insert(Post).returning(Post.id), post_rows))
    hashes = dict(db.execute(select(Post.id, Post.approved_hash).where(Post.id.in_(data.post_ids))).all())
    target_rows = []
    for k in range(n):
        post_id = data.post_ids[k // accounts]
        target_rows.append({"post_id": post_id, "social_account_id": account_ids[k % accounts],
                            "options": {}, "scheduled_at": due, "status": "scheduled",
                            "content_hash": hashes[post_id], "attempts": 0,
                            "platform_state": {}, "version": 1, "reconcile_first": False})
    data.target_ids = list(db.scalars(insert(PostTarget).returning(PostTarget.id), target_rows))
    db.commit()
    return data


def statuses(db: Session, ids: list[int] | None = None) -> dict[str, int]:
    db.expire_all()
    stmt = select(PostTarget.status, func.count()).group_by(PostTarget.status)
    if ids is not None:
        stmt = stmt.where(PostTarget.id.in_(ids))
    return {k: v for k, v in db.execute(stmt).all()}


def targets(db: Session, ids: list[int]) -> list[PostTarget]:
    db.expire_all()
    return list(db.scalars(select(PostTarget).where(PostTarget.id.in_(ids)).order_by(PostTarget.id)))


def attempts_of(db: Session, target_id: int) -> list[PublishAttempt]:
    return list(db.scalars(select(PublishAttempt).where(PublishAttempt.target_id == target_id)
                           .order_by(PublishAttempt.id)))


def wait_until(check: Callable[[], bool], timeout: float, interval: float = 0.1,
               message: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {message}")


def settled(db: Session, ids: list[int]) -> bool:
    """Every target in a final state (published, failed, unknown)."""
    counts = statuses(db, ids)
    return sum(counts.get(s, 0) for s in (TargetStatus.PUBLISHED, TargetStatus.FAILED,
                                            TargetStatus.UNKNOWN)) == len(ids)


def assert_exactly_once(db: Session, fake: Any, ids: list[int]) -> dict[str, int]:
    """Every published target is on the fake exactly once; no other target is there at all
    (unknown ones at most once); returns the status counts."""
    rows = targets(db, ids)
    counted = {}
    with fake._lock:
        for post in fake.posts:
            counted[post["marker"]] = counted.get(post["marker"], 0) + 1
    problems = []
    for t in rows:
        n = counted.get(t.marker, 0) if t.marker else 0
        if t.status == TargetStatus.PUBLISHED and n != 1:
            problems.append(f"target {t.id} published but {n} post(s) on the fake")
        elif t.status == TargetStatus.FAILED and n != 0:
            problems.append(f"target {t.id} failed but {n} post(s) on the fake")
        elif t.status == TargetStatus.UNKNOWN and n > 1:
            problems.append(f"target {t.id} unknown with {n} posts on the fake")
        elif t.status not in (TargetStatus.PUBLISHED, TargetStatus.FAILED, TargetStatus.UNKNOWN):
            problems.append(f"target {t.id} left {t.status}")
    assert not problems, "\n".join(problems[:20])
    return statuses(db, ids)


# -- processes ------------------------------------------------------------------------------

def process_env(app: Flask, **extra: str) -> dict[str, str]:
    """Environment for ``smmflow`` processes using ``app``'s database, Redis and settings."""
    s = app.extensions["smmflow"].settings
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMMFLOW_")}
    env.update({
        "SMMFLOW_DATABASE_URL": s.database_url, "SMMFLOW_REDIS_URL": s.redis_url or "",
        "SMMFLOW_SECRET_KEY": s.secret_key, "SMMFLOW_ENCRYPTION_KEY": ",".join(s.encryption_keys),
        "SMMFLOW_INSTANCE_PATH": str(s.instance_path), "SMMFLOW_PLUGINS": "testnet",
        "SMMFLOW_HTTP_TIMEOUT": str(s.http_timeout),
        "SMMFLOW_PUBLISH_BACKOFF_SECONDS": str(s.publish_backoff_seconds),
        "SMMFLOW_PUBLISH_MAX_ATTEMPTS": str(s.publish_max_attempts),
        "SMMFLOW_PUBLISH_STALE_SECONDS": str(s.publish_stale_seconds),
        "SMMFLOW_DISPATCH_INTERVAL": str(s.dispatch_interval),
        "SMMFLOW_PUBLISH_CONCURRENCY": str(s.publish_concurrency),
        "SMMFLOW_PUBLISH_BATCH_SIZE": str(s.publish_batch_size),
        "SMMFLOW_PASSWORD_TIME_COST": "1", "SMMFLOW_PASSWORD_MEMORY_COST": "64",
    })
    for key, value in s.extra.items():
        env[f"SMMFLOW_{key}"] = value
    env.update(extra)
    return env


class Processes:
    """``smmflow worker`` / ``smmflow dispatcher`` processes of one test, always stopped."""

    def __init__(self, app: Flask, log_dir: Path) -> None:
        self.env = process_env(app)
        self.log_dir = log_dir
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        n = len(self.procs)
        log = open(self.log_dir / f"{n}-{args[0]}.log", "wb")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen([sys.executable, "-c", "from smmflow.cli import main; main()", *args],
                                env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                process_group=0)
        self.procs.append((args[0], proc))
        return proc

    def worker(self, *args: str) -> subprocess.Popen[bytes]:
        return self.start("worker", "--queues", "publish", *args)

    def dispatcher(self, *args: str) -> subprocess.Popen[bytes]:
        return self.start("dispatcher", *args)

    def kill(self, proc: subprocess.Popen[bytes], sig: int = signal.SIGKILL) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, sig)
        proc.wait(timeout=30)

    def stop_all(self) -> None:
        for _, proc in self.procs:
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for _, proc in self.procs:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill(proc)

    def logs(self) -> str:
        out = []
        for path in sorted(self.log_dir.glob("*.log")):
            out.append(f"==== {path.name}\n{path.read_text(errors='replace')[-4000:]}")
        return "\n".join(out)


def processes_fixture(app: Flask, tmp_path: Path) -> Iterator[Processes]:
    procs = Processes(app, tmp_path)
    try:
        yield procs
    finally:
        procs.stop_all()
