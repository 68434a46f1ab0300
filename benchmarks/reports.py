"""Benchmark: a monthly client report over 5,000 posts and 150,000 metric samples.

Prints, in one run:
  * the time to build the report (figures in SQL, HTML with SVG charts, CSV) and
    its number of SQL statements;
  * the baseline measured in the same run: loading the period's samples into
    Python and aggregating them there (what "a Python loop over samples" costs),
    and the ratio between the two;
  * the number of statements again with 10 times the posts and samples (it must
    not change).

Run:  .venv/bin/python benchmarks/reports.py --database-url postgresql://postgres@127.0.0.1:5432/DB
(the database is emptied and rebuilt by the migrations). Default: a temporary SQLite file.
Options: --posts 5000 --samples-per-post 30 --skip-10x
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, select, text

PERIOD = (dt.date(2026, 1, 1), dt.date(2026, 1, 31))
METRICS = ("reach", "views", "likes", "comments", "shares", "saves")


def seed(app: Any, client_id: int, accounts: list[int], posts: int, per_post: int,
         offset: int) -> None:
    from smmflow import db as database
    from smmflow.metrics.models import MetricSample
    from smmflow.posts.models import Post, PostTarget

    rng = random.Random(offset)
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with app.app_context():
        db = database.session()
        for chunk in range(0, posts, 5000):
            n = min(5000, posts - chunk)
            ids = db.scalars(insert(Post).returning(Post.id), [
                {"client_id": client_id, "text": f"post {offset + chunk + i} #bench",
                 "status": "scheduled"} for i in range(n)]).all()
            targets = db.scalars(insert(PostTarget).returning(PostTarget.id), [
                {"post_id": pid, "social_account_id": accounts[i % len(accounts)],
                 "status": "published", "external_id": f"b{pid}",
                 "published_at": start + dt.timedelta(minutes=(chunk + i) * 8 % (30 * 24 * 60))}
                for i, pid in enumerate(ids)]).all()
            rows = []
            for i, tid in enumerate(targets):
                account = accounts[i % len(accounts)]
                published = start + dt.timedelta(minutes=(chunk + i) * 8 % (30 * 24 * 60))
                for k in range(per_post):
                    rows.append({"client_id": client_id, "social_account_id": account,
                                 "post_target_id": tid, "metric": METRICS[k % len(METRICS)],
                                 "value": rng.randint(1, 5000),
                                 "measured_at": published + dt.timedelta(hours=1 + k // 6)})
            for r in range(0, len(rows), 20_000):
                db.execute(insert(MetricSample), rows[r:r + 20_000])
            db.commit()
        for account in accounts:
            db.execute(insert(MetricSample), [
                {"client_id": client_id, "social_account_id": account, "post_target_id": None,
                 "metric": "followers", "value": 10_000 + day * 37,
                 "measured_at": start + dt.timedelta(days=day)} for day in range(-3, 31)])
        db.commit()
        if db.bind.dialect.name == "postgresql":
            # fresh planner statistics, as autovacuum would have after a bulk load
            db.execute(text("ANALYZE"))
            db.commit()


def timed_report(app: Any, client_id: int) -> tuple[float, int]:
    from smmflow import db as database
    from smmflow.clients.models import Client
    from smmflow.reports import services

    engine = app.extensions["smmflow"].engine
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    with app.test_request_context():
        db = database.session()
        client = db.get(Client, client_id)
        event.listen(engine, "before_cursor_execute", count)
        t0 = time.perf_counter()
        services.generate(db, client, "month", *PERIOD)
        elapsed = time.perf_counter() - t0
        event.remove(engine, "before_cursor_execute", count)
        db.rollback()
    return elapsed, statements


def python_baseline(app: Any, client_id: int) -> float:
    """Load every sample of the period and aggregate in Python (latest value per post/metric)."""
    from smmflow import db as database
    from smmflow.metrics.models import MetricSample

    with app.app_context():
        db = database.session()
        t0 = time.perf_counter()
        latest: dict[tuple[int, str], tuple[dt.datetime, int]] = {}
        for row in db.execute(select(MetricSample.post_target_id, MetricSample.metric,
                                     MetricSample.measured_at, MetricSample.value)
                              .where(MetricSample.client_id == client_id,
                                     MetricSample.post_target_id.is_not(None))):
            key = (row.post_target_id, row.metric)
            if key not in latest or latest[key][0] < row.measured_at:
                latest[key] = (row.measured_at, row.value)
        totals: dict[str, int] = defaultdict(int)
        for (_, metric), (_, value) in latest.items():
            totals[metric] += value
        return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--posts", type=int, default=5000)
    parser.add_argument("--samples-per-post", type=int, default=30)
    parser.add_argument("--skip-10x", action="store_true")
    args = parser.parse_args()

    from smmflow import create_app
    from smmflow import db as database
    from smmflow.accounts.models import SocialAccount
    from smmflow.clients.models import Client
    from smmflow.crypto import generate_key
    from smmflow.testing.database import build

    tmp = Path(tempfile.mkdtemp(prefix="smmflow-bench-"))
    url = args.database_url or f"sqlite:///{tmp / 'reports.sqlite3'}"
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    app = create_app({"database_url": url, "secret_key": "b" * 32,
                      "encryption_keys": [generate_key()], "instance_path": tmp}, plugins=[])
    build(app.extensions["smmflow"].engine)
    with app.app_context():
        db = database.session()
        client = Client(name="Bench", slug="bench", currency="EUR", timezone="Europe/Berlin")
        db.add(client)
        db.flush()
        accounts = []
        for platform in ("instagram", "vk", "telegram", "youtube"):
            acc = SocialAccount(client_id=client.id, platform=platform, handle=f"b_{platform}")
            db.add(acc)
            db.flush()
            accounts.append(acc.id)
        db.commit()
        client_id = client.id

    t0 = time.perf_counter()
    seed(app, client_id, accounts, args.posts, args.samples_per_post, 0)
    print(f"database: {url.split('://')[0]}; seeded {args.posts:,} posts and "
          f"{args.posts * args.samples_per_post:,} samples in {time.perf_counter() - t0:.1f} s")
    runs = [timed_report(app, client_id) for _ in range(5)]
    report_s = statistics.median(r[0] for r in runs)
    statements = runs[0][1]
    baseline_s = statistics.median(python_baseline(app, client_id) for _ in range(3))
    print(f"monthly report (SQL aggregates + HTML + CSV): median {report_s * 1000:.0f} ms "
          f"over 5 runs, {statements} SQL statements")
    print(f"baseline (load samples, aggregate in Python): median {baseline_s * 1000:.0f} ms")
    print(f"ratio baseline / report: {baseline_s / report_s:.1f}x")
    print(f"target: report <= 1000 ms -> {'OK' if report_s <= 1.0 else 'OVER'}")
    if not args.skip_10x:
        t0 = time.perf_counter()
        seed(app, client_id, accounts, args.posts * 9, args.samples_per_post, 1)
        print(f"seeded 10x in total ({args.posts * 10:,} posts, "
              f"{args.posts * 10 * args.samples_per_post:,} samples) "
              f"in {time.perf_counter() - t0:.1f} s")
        big_s, big_statements = timed_report(app, client_id)
        print(f"monthly report with 10x posts: {big_s * 1000:.0f} ms, {big_statements} SQL "
              f"statements ({'same' if big_statements == statements else 'DIFFERENT'} count)")
    app.extensions["smmflow"].engine.dispose()


if __name__ == "__main__":
    main()
