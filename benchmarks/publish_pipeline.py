"""Benchmark: the publish pipeline with real worker processes, Redis and the test network.

Two scenarios (issue 3, item 11), each printing throughput (targets/s) and the
lateness of the platform calls after the targets' due time (p50, p99):

* overhead: 2,000 targets on 1,000 accounts due in the same second, 2 worker
  processes, the fake network answering at once. Measured in the same run, the
  baseline: plain RQ draining 2,000 no-op jobs with the same worker class
  (``SimpleWorker``) in 2 processes; the ratio of the two throughputs is printed
  (target: >= 0.5).
* top of the hour: the same 2,000 targets, the fake answering each call after
  300 ms, as real networks do (target: p99 lateness <= 5 s).

Throughput is targets recorded as published per second, from the due time to
the moment the database shows the last one published; lateness is the time
from the due time to the arrival of the platform call at the fake network.
A dispatcher process runs beside the workers, as in production.

Run:  .venv/bin/python benchmarks/publish_pipeline.py \\
          --database-url postgresql+psycopg://postgres@127.0.0.1:5432/smm_h2 \\
          --redis-url redis://127.0.0.1:6379/2
The database and the Redis db are EMPTIED first: point them at scratch ones.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
FERNET_KEY = "7Gqm1XH7yjpQ0yJ7nUFa0WbO4N6m7W0aH2eM0mRrN0Q="
SECRET = "benchmark-secret-key-0123456789"
CLI = [sys.executable, "-c", "from smmflow.cli import main; main()"]


def noop() -> None:
    """The baseline job: does nothing."""


# -- set-up -----------------------------------------------------------------------------------
def env_for(args: argparse.Namespace, instance: Path, fake_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SMMFLOW_")}
    env.update({
        "SMMFLOW_DATABASE_URL": args.database_url, "SMMFLOW_REDIS_URL": args.redis_url,
        "SMMFLOW_SECRET_KEY": SECRET, "SMMFLOW_ENCRYPTION_KEY": FERNET_KEY,
        "SMMFLOW_INSTANCE_PATH": str(instance), "SMMFLOW_PLUGINS": "testnet",
        "SMMFLOW_TESTNET_API_BASE": fake_url,
        "SMMFLOW_PUBLISH_CONCURRENCY": str(args.concurrency),
        "SMMFLOW_PUBLISH_BATCH_SIZE": str(args.batch_size),
        "SMMFLOW_DISPATCH_INTERVAL": str(args.dispatch_interval),
    })
    return env


def make_data(app: Any, n: int, accounts: int, due: dt.datetime, token: str) -> list[int]:
    from sqlalchemy import insert

    from smmflow.accounts.models import SocialAccount
    from smmflow.clients.models import Client
    from smmflow.db import open_session, utcnow
    from smmflow.posts.content import hash_content
    from smmflow.posts.models import Post, PostTarget

    vault = app.extensions["smmflow"].vault
    with open_session(app) as db:
        slug = f"bench-{time.monotonic_ns()}"
        client = Client(name=slug, slug=slug, timezone="UTC", currency="EUR", monthly_budget_minor=0)
        db.add(client)
        db.flush()
        creds = vault.encrypt({"access_token": token})
        now = utcnow()
        account_ids = list(db.scalars(insert(SocialAccount).returning(SocialAccount.id), [
            {"client_id": client.id, "platform": "testnet", "handle": f"a{i}",
             "external_id": f"{slug}-{i}", "credentials_encrypted": creds, "status": "active",
             "is_competitor": False, "version": 1, "created_at": now} for i in range(accounts)]))
        posts = []
        for i in range((n + accounts - 1) // accounts):
            text = f"Benchmark post {i} #launch"
            digest = hash_content(text, "", [], {})
            posts.append({"client_id": client.id, "title": "", "text": text, "media": [],
                          "options": {}, "status": "scheduled", "content_hash": digest,
                          "approved_hash": digest, "version": 1, "created_at": now,
                          "updated_at": now})
        post_ids = list(db.scalars(insert(Post).returning(Post.id), posts))
        digest_of = {pid: p["approved_hash"] for pid, p in zip(post_ids, posts, strict=True)}
        ids = list(db.scalars(insert(PostTarget).returning(PostTarget.id), [
            {"post_id": post_ids[k // accounts], "social_account_id": account_ids[k % accounts],
             "options": {}, "scheduled_at": due, "status": "scheduled",
             "content_hash": digest_of[post_ids[k // accounts]], "attempts": 0,
             "platform_state": {}, "version": 1, "reconcile_first": False} for k in range(n)]))
        db.commit()
    return ids


def spawn(cmd: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, env=env, stdout=open(log, "wb"),
                            stderr=subprocess.STDOUT, process_group=0)


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    for p in procs:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()


def wait_workers(conn: Any, queue: str, n: int, timeout: float = 60) -> None:
    from rq import Queue, Worker

    deadline = time.monotonic() + timeout
    while Worker.count(queue=Queue(queue, connection=conn)) < n:
        if time.monotonic() > deadline:
            raise SystemExit(f"{n} workers on {queue!r} did not start; see the logs")
        time.sleep(0.1)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered)) - 1))]


# -- scenarios --------------------------------------------------------------------------------
def cpu_seconds(pids: list[int], children: bool = True) -> float:
    """CPU time (user + system) used so far by ``pids`` (and their children)."""
    import psutil

    total = 0.0
    for pid in pids:
        try:
            proc = psutil.Process(pid)
            for p in [proc, *(proc.children(recursive=True) if children else [])]:
                t = p.cpu_times()
                total += t.user + t.system
        except psutil.NoSuchProcess:
            continue
    return total


def pipeline(app: Any, fake: Any, args: argparse.Namespace, latency: float,
             workers: list[int]) -> dict[str, float]:
    from sqlalchemy import func, select

    from smmflow.db import open_session, utcnow
    from smmflow.posts.models import PostTarget
    from smmflow.testing.database import clean

    clean(app.extensions["smmflow"].engine)
    fake.latency = latency
    with fake._lock:
        fake.posts.clear()
        fake.calls.clear()
    due = (utcnow() + dt.timedelta(seconds=args.lead)).replace(microsecond=0)
    ids = make_data(app, args.targets, args.accounts, due, fake.token)
    t_due = due.timestamp()
    cpu_workers, cpu_here = cpu_seconds(workers), cpu_seconds([os.getpid()], False)
    cpu_each = [cpu_seconds([pid]) for pid in workers]
    deadline = time.time() + args.lead + args.timeout
    with open_session(app) as db:
        while True:
            done = db.scalar(select(func.count()).select_from(PostTarget)
                             .where(PostTarget.status == "published"))
            db.rollback()
            if done == len(ids):
                t_end = time.time()
                break
            if time.time() > deadline:
                raise SystemExit(f"only {done}/{len(ids)} published after {args.timeout} s")
            time.sleep(0.02)
    with fake._lock:
        starts = [t for method, path, t in fake.calls if method == "POST" and path.endswith("/posts")]
        stored = len(fake.posts)
    assert stored == len(ids) == len(starts), (stored, len(ids), len(starts))
    lateness = [t - t_due for t in starts]
    return {"targets": len(ids), "seconds": t_end - t_due, "throughput": len(ids) / (t_end - t_due),
            "p50": percentile(lateness, 50), "p99": percentile(lateness, 99),
            "early": min(lateness),
            "cpu_workers_ms": (cpu_seconds(workers) - cpu_workers) * 1000 / len(ids),
            "cpu_each_ms": [(cpu_seconds([pid]) - before) * 1000 / len(ids)
                            for pid, before in zip(workers, cpu_each, strict=True)],
            "cpu_fake_ms": (cpu_seconds([os.getpid()], False) - cpu_here) * 1000 / len(ids)}


def baseline(args: argparse.Namespace, env: dict[str, str], logs: Path) -> dict[str, float]:
    from redis import Redis
    from rq import Queue

    conn = Redis.from_url(args.redis_url)
    code = (f"import sys; sys.path.insert(0, {str(HERE)!r}); from redis import Redis; "
            f"from rq import SimpleWorker; w = SimpleWorker(['bench'], "
            f"connection=Redis.from_url({args.redis_url!r})); w.log_result_lifespan = False; "
            "w.work(logging_level='WARNING')")
    procs = [spawn([sys.executable, "-c", code], env, logs / f"baseline-{i}.log")
             for i in range(args.workers)]
    try:
        wait_workers(conn, "bench", args.workers)
        queue = Queue("bench", connection=conn)
        t0 = time.time()
        with conn.pipeline() as pipe:
            for _ in range(args.targets):
                queue.enqueue("publish_pipeline.noop", pipeline=pipe, result_ttl=0)
            pipe.execute()
        while queue.count or queue.started_job_registry.count:
            time.sleep(0.005)
        seconds = time.time() - t0
    finally:
        stop(procs)
    return {"targets": args.targets, "seconds": seconds, "throughput": args.targets / seconds}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/smm_h2")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/2")
    parser.add_argument("--targets", type=int, default=2000)
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--concurrency", type=int, default=192,
                        help="SMMFLOW_PUBLISH_CONCURRENCY of each worker")
    parser.add_argument("--batch-size", type=int, default=1000, help="SMMFLOW_PUBLISH_BATCH_SIZE")
    parser.add_argument("--dispatch-interval", type=float, default=1.0)
    parser.add_argument("--lead", type=float, default=4.0,
                        help="seconds between creating the targets and their due time")
    parser.add_argument("--timeout", type=float, default=120.0)
    parser.add_argument("--scenario", choices=("overhead", "top", "both"), default="both")
    args = parser.parse_args()

    from redis import Redis
    from smmflow_testnet.fake import FakeTestnet

    from smmflow import create_app
    from smmflow.db import make_engine
    from smmflow.testing.database import build

    instance = Path(tempfile.mkdtemp(prefix="smmflow-bench-"))
    logs = instance / "logs"
    logs.mkdir()
    engine = make_engine(args.database_url)
    build(engine)  # empty schema, every migration
    engine.dispose()
    Redis.from_url(args.redis_url).flushdb()
    fake = FakeTestnet().start()
    env = env_for(args, instance, fake.url)
    app = create_app({"database_url": args.database_url, "redis_url": args.redis_url,
                      "secret_key": SECRET, "encryption_keys": [FERNET_KEY],
                      "instance_path": instance}, plugins=[])
    results: dict[str, dict[str, float]] = {}
    procs = [spawn([*CLI, "worker", "--queues", "publish"], env, logs / f"worker-{i}.log")
             for i in range(args.workers)]
    procs.append(spawn([*CLI, "dispatcher"], env, logs / "dispatcher.log"))
    try:
        wait_workers(Redis.from_url(args.redis_url), "publish", args.workers)
        if args.scenario in ("overhead", "both"):
            results["overhead"] = pipeline(app, fake, args, 0.0, [p.pid for p in procs])
        if args.scenario in ("top", "both"):
            results["top of the hour"] = pipeline(app, fake, args, 0.3, [p.pid for p in procs])
    finally:
        stop(procs)
    if args.scenario in ("overhead", "both"):
        results["baseline: RQ no-op"] = baseline(args, env, logs)
    fake.stop()

    print(f"database {engine.url.render_as_string(hide_password=True)}, redis {args.redis_url}, "
          f"{args.workers} worker processes (SimpleWorker), publish_concurrency "
          f"{args.concurrency}, batch size {args.batch_size}, {args.targets} targets on "
          f"{args.accounts} accounts, {os.cpu_count()} CPUs")
    print(f"{'scenario':<22}{'targets':>8}{'seconds':>9}{'targets/s':>11}{'p50 s':>8}{'p99 s':>8}")
    for name, r in results.items():
        p50 = f"{r['p50']:8.2f}" if "p50" in r else f"{'-':>8}"
        p99 = f"{r['p99']:8.2f}" if "p99" in r else f"{'-':>8}"
        print(f"{name:<22}{r['targets']:>8}{r['seconds']:>9.2f}{r['throughput']:>11.0f}{p50}{p99}")
    for name, r in results.items():
        if "cpu_workers_ms" in r:
            each = " + ".join(f"{ms:.2f}" for ms in r["cpu_each_ms"])
            print(f"{name}: CPU per target {r['cpu_workers_ms']:.2f} ms in the worker and dispatcher "
                  f"processes ({each}), {r['cpu_fake_ms']:.2f} ms in the fake network (this process)")
    if "overhead" in results:
        ratio = results["overhead"]["throughput"] / results["baseline: RQ no-op"]["throughput"]
        print(f"overhead ratio (pipeline / plain RQ no-op, same worker class): {ratio:.2f}  "
              f"(target >= 0.5)")
    if "top of the hour" in results:
        print(f"top of the hour p99 lateness: {results['top of the hour']['p99']:.2f} s  "
              f"(target <= 5 s)")
    earliest = min(r.get("early", 0.0) for r in results.values())
    print(f"earliest call relative to its due time: {earliest:+.3f} s (never negative)")
    shutil.rmtree(instance, ignore_errors=True)


if __name__ == "__main__":
    main()
