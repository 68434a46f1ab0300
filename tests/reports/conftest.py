from __future__ import annotations

import datetime as dt

import pytest

from smmflow.budgets.models import Revenue
from smmflow.expenses.models import Expense
from smmflow.metrics.models import MetricSample
from smmflow.posts.models import Post, PostTarget

JAN = dt.datetime(2026, 1, 10, 12, 0, tzinfo=dt.UTC)


def seed_posts(db, client, account, n, *, start=JAN, metrics=None, followers=1000):
    """``n`` published targets on ``account`` with two samples each (the later one counts)."""
    metrics = metrics if metrics is not None else {"reach": 100, "likes": 10, "comments": 2,
                                                   "shares": 1, "saves": 1}
    db.add(MetricSample(client_id=client.id, social_account_id=account.id, post_target_id=None,
                        metric="followers", value=followers, measured_at=start - dt.timedelta(days=1)))
    posts = [Post(client_id=client.id, text=f"post {i}", status="scheduled") for i in range(n)]
    db.add_all(posts)
    db.flush()
    targets = [PostTarget(post_id=p.id, social_account_id=account.id, status="published",
                          published_at=start + dt.timedelta(hours=i), external_id=f"x{p.id}",
                          url=f"https://net.example/{p.id}") for i, p in enumerate(posts)]
    db.add_all(targets)
    db.flush()
    rows = []
    for t in targets:
        for name, value in metrics.items():
            rows.append(MetricSample(client_id=client.id, social_account_id=account.id,
                                     post_target_id=t.id, metric=name, value=value // 2,
                                     measured_at=t.published_at + dt.timedelta(hours=1)))
            rows.append(MetricSample(client_id=client.id, social_account_id=account.id,
                                     post_target_id=t.id, metric=name, value=value,
                                     measured_at=t.published_at + dt.timedelta(hours=5)))
    db.add_all(rows)
    db.commit()
    return targets


@pytest.fixture
def report_world(world, factory, db):
    client = world.client_a
    insta = factory.account(client, "instagram")
    tg = factory.account(client, "telegram")
    seed_posts(db, client, insta, 4)
    # Telegram has no reach: absent, never zero.
    seed_posts(db, client, tg, 2, metrics={"likes": 5, "comments": 1}, followers=500)
    db.add(MetricSample(client_id=client.id, social_account_id=insta.id, metric="followers",
                        value=1150, measured_at=dt.datetime(2026, 1, 30, tzinfo=dt.UTC)))
    db.add_all([
        Expense(client_id=client.id, kind="ad_spend", amount_minor=30_000, currency="EUR",
                incurred_on=dt.date(2026, 1, 15)),
        Expense(client_id=client.id, kind="contractor_fee", amount_minor=10_000, currency="EUR",
                incurred_on=dt.date(2026, 1, 20)),
        Expense(client_id=client.id, kind="tools", amount_minor=999, currency="EUR",
                incurred_on=dt.date(2026, 2, 2)),
        Revenue(client_id=client.id, amount_minor=80_000, currency="EUR",
                received_on=dt.date(2026, 1, 25)),
    ])
    db.commit()
    factory.campaign(client, starts_on=dt.date(2026, 1, 1), ends_on=dt.date(2026, 1, 31),
                     target_reach=300, target_er_bp=1000)
    return world
