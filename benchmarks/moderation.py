"""Benchmark: 10,000 comments against 50 moderation rules.

Measures, in one run:
  1. the rules engine alone (rules compiled once), comments/s;
  2. the baseline: the same rules re-compiled for every comment (what a naive
     engine does), comments/s, and the ratio between the two;
  3. the whole ingest path (dedupe, insert, classifier hooks, rules, audit) on a
     real database, comments/s and the number of SQL statements per comment.

Run:  .venv/bin/python benchmarks/moderation.py [--database-url URL] [--comments N]
Default database: a temporary SQLite file; pass a PostgreSQL URL to measure it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

WORDS = ("great", "love", "price", "when", "delivery", "awful", "broken", "refund", "hello",
         "coffee", "bike", "discount", "thanks", "why", "slow", "amazing", "help", "order")
SPAM = ("casino", "free money", "crypto giveaway", "click here", "xxx")


@dataclass
class Rule:
    id: int
    condition: str
    condition_value: Any
    action: str
    action_value: Any = None
    position: int = 0
    enabled: bool = True
    stop: bool = False


def make_rules(n: int = 50) -> list[Rule]:
    rng = random.Random(7)
    rules = []
    for i in range(n):
        kind = i % 5
        if kind == 0:
            rules.append(Rule(i + 1, "stop_words", [f"badword{i}-{k}" for k in range(20)]
                              + list(SPAM[: 1 + i % 5]), "hide", position=i))
        elif kind == 1:
            rules.append(Rule(i + 1, "regex", rf"\b(refund|broken|awful)\w*\s+{i}?", "label",
                              "negative", position=i))
        elif kind == 2:
            rules.append(Rule(i + 1, "contains_link", None, "label", "link", position=i))
        elif kind == 3:
            rules.append(Rule(i + 1, "author_in", [f"troll{rng.randint(0, 999)}" for _ in range(30)],
                              "ignore", position=i))
        else:
            rules.append(Rule(i + 1, "label", "negative", "escalate", position=i))
    return rules


def make_comments(n: int) -> list[dict[str, str]]:
    rng = random.Random(42)
    out = []
    for i in range(n):
        words = [rng.choice(WORDS) for _ in range(rng.randint(4, 30))]
        if rng.random() < 0.05:
            words.insert(rng.randint(0, len(words)), rng.choice(SPAM))
        if rng.random() < 0.05:
            words.append("https://example.com/x")
        out.append({"id": f"c{i}", "text": " ".join(words),
                    "author_id": f"troll{rng.randint(0, 5000)}", "author_name": f"User {i}"})
    return out


def bench_engine(rules: list[Rule], comments: list[dict[str, str]]) -> tuple[float, float, int]:
    from smmflow.inbox.rules import compile_rules, evaluate

    start = time.perf_counter()
    compiled = compile_rules(rules)
    matched = 0
    for c in comments:
        d = evaluate(compiled, text=c["text"], author_id=c["author_id"],
                     author_name=c["author_name"])
        matched += bool(d.matched_rule_ids)
    fast = time.perf_counter() - start

    import re

    start = time.perf_counter()
    for c in comments:
        re.purge()  # defeat the regex cache: a naive engine compiles per comment
        evaluate(compile_rules(rules), text=c["text"], author_id=c["author_id"],
                 author_name=c["author_name"])
    naive = time.perf_counter() - start
    return fast, naive, matched


def bench_ingest(url: str, rules: list[Rule], comments: list[dict[str, str]]) -> dict[str, float]:
    from sqlalchemy import event

    from smmflow import create_app
    from smmflow import db as database
    from smmflow.accounts.models import SocialAccount
    from smmflow.clients.models import Client
    from smmflow.crypto import generate_key
    from smmflow.inbox import services
    from smmflow.inbox.models import ModerationRule
    from smmflow.platforms.content import InboxItemData
    from smmflow.testing.database import build

    tmp = Path(tempfile.mkdtemp(prefix="smmflow-bench-"))
    app = create_app({"database_url": url, "secret_key": "b" * 32,
                      "encryption_keys": [generate_key()], "instance_path": tmp}, plugins=[])
    engine = app.extensions["smmflow"].engine
    build(engine)
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    with app.app_context():
        db = database.session()
        client = Client(name="Bench", slug="bench")
        db.add(client)
        db.flush()
        account = SocialAccount(client_id=client.id, platform="telegram", handle="bench")
        db.add(account)
        for r in rules:
            db.add(ModerationRule(client_id=client.id, name=f"r{r.id}", position=r.position,
                                  condition=r.condition, condition_value=r.condition_value,
                                  action=r.action, action_value=r.action_value))
        db.commit()
        now = dt.datetime.now(dt.UTC)
        fetched = [InboxItemData(platform_id=c["id"], text=c["text"], author_id=c["author_id"],
                                 author_name=c["author_name"], received_at=now)
                   for c in comments]
        event.listen(engine, "before_cursor_execute", count)
        batch_times = []
        start = time.perf_counter()
        for i in range(0, len(fetched), 100):  # a poll returns up to 100 comments
            t0 = time.perf_counter()
            services.ingest(app, db, account, fetched[i:i + 100])
            db.commit()
            batch_times.append(time.perf_counter() - t0)
        elapsed = time.perf_counter() - start
        event.remove(engine, "before_cursor_execute", count)
    engine.dispose()
    return {"seconds": elapsed, "per_second": len(comments) / elapsed,
            "statements_per_comment": statements / len(comments),
            "batch_p50_ms": statistics.median(batch_times) * 1000}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", type=int, default=10_000)
    parser.add_argument("--rules", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    rules = make_rules(args.rules)
    comments = make_comments(args.comments)
    fast, naive, matched = bench_engine(rules, comments)
    print(f"comments: {len(comments)}, rules: {len(rules)}, comments matching a rule: {matched}")
    print(f"rules engine (compiled once):      {len(comments) / fast:>10,.0f} comments/s "
          f"({fast * 1000:.0f} ms)")
    print(f"baseline (re-compiled per comment): {len(comments) / naive:>10,.0f} comments/s "
          f"({naive * 1000:.0f} ms)")
    print(f"ratio engine / baseline: {naive / fast:.1f}x")
    url = args.database_url or f"sqlite:///{tempfile.mkdtemp(prefix='smmflow-bench-')}/b.sqlite3"
    result = bench_ingest(url, rules, comments)
    print(f"full ingest on {url.split(':')[0]}: {result['per_second']:,.0f} comments/s "
          f"({result['seconds']:.1f} s), {result['statements_per_comment']:.1f} SQL statements "
          f"per comment, p50 per 100-comment poll {result['batch_p50_ms']:.0f} ms")


if __name__ == "__main__":
    main()
