"""Metric collection jobs against the test network's fake, then a report over them."""

from __future__ import annotations

import datetime as dt

import smmflow_testnet.plugin as testnet_plugin
from smmflow_testnet.fake import FakeTestnet
from sqlalchemy import select

from smmflow.metrics.models import MetricSample
from smmflow.platforms.content import METRICS
from smmflow.posts.models import Post, PostTarget


def test_collect_account_and_post_metrics(make_app, run_jobs):
    with FakeTestnet() as fake:
        app = make_app(plugins=[testnet_plugin], extra=dict(fake.settings), http_timeout=1.0)
        from smmflow.db import open_session
        from smmflow.jobs.queues import enqueue
        from smmflow.testing.factories import Factory

        platform = app.extensions["smmflow"].platforms["testnet"]
        ctx_account = fake.account("acct-1")
        from smmflow.jobs.context import job_context

        published = platform.publish(job_context(app, platform), ctx_account,
                                     fake.sample_content(), {}, "m-1")
        with open_session(app) as db:
            factory = Factory(app, db)
            client = factory.client()
            account = factory.account(client, "testnet", credentials=fake.account_credentials(),
                                      external_id="acct-1")
            competitor = factory.account(client, "testnet", external_id="rival",
                                         is_competitor=True)
            post = Post(client_id=client.id, text="x", status="scheduled")
            db.add(post)
            db.flush()
            target = PostTarget(post_id=post.id, social_account_id=account.id,
                                status="published", external_id=published.external_id,
                                published_at=dt.datetime.now(dt.UTC))
            db.add(target)
            db.commit()
            enqueue(app, "smmflow.metrics.jobs.collect_all", queue="metrics")
            assert run_jobs(app)
            run_jobs(app)
            samples = list(db.scalars(select(MetricSample)))
            names = {s.metric for s in samples}
            assert names <= METRICS
            per_target = {s.metric: s.value for s in samples if s.post_target_id == target.id}
            assert per_target["views"] >= 100 and "reach" not in per_target  # absent, not zero
            followers = [s for s in samples if s.metric == "followers"
                         and s.social_account_id == account.id]
            assert followers and followers[0].post_target_id is None
            # the competitor has no credentials and the test network gives no public data
            assert not [s for s in samples if s.social_account_id == competitor.id]


def test_a_network_failing_for_now_keeps_what_was_measured_and_raises_nothing(make_app, caplog):
    with FakeTestnet() as fake:
        app = make_app(plugins=[testnet_plugin], extra=dict(fake.settings), http_timeout=1.0)
        from smmflow.db import open_session
        from smmflow.metrics.jobs import collect_account
        from smmflow.testing.factories import Factory

        platform = app.extensions["smmflow"].platforms["testnet"]
        from smmflow.jobs.context import job_context

        published = platform.publish(job_context(app, platform), fake.account("acct-1"),
                                     fake.sample_content(), {}, "m-1")
        with open_session(app) as db:
            factory = Factory(app, db)
            client = factory.client()
            account = factory.account(client, "testnet", credentials=fake.account_credentials(),
                                      external_id="acct-1")
            post = Post(client_id=client.id, text="x", status="scheduled")
            db.add(post)
            db.flush()
            db.add(PostTarget(post_id=post.id, social_account_id=account.id, status="published",
                              external_id=published.external_id,
                              published_at=dt.datetime.now(dt.UTC)))
            db.commit()
            fake.fail_next("server_error", on="metrics")  # post metrics fail, account ones came
            with app.app_context(), caplog.at_level("WARNING", logger="smmflow.metrics"):
                stored = collect_account(account.id)
            assert "failed for now" in caplog.text
            samples = list(db.scalars(select(MetricSample)))
            assert stored == len(samples) > 0
            assert all(s.post_target_id is None for s in samples)  # the account's followers
