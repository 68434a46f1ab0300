"""The publish pipeline with a real Redis, real RQ (in-process SimpleWorker) and the test network."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import select, update

from smmflow.accounts.models import SocialAccount
from smmflow.db import utcnow
from smmflow.jobs.dispatcher import Dispatcher
from smmflow.posts.models import Post, PostTarget
from tests.jobs.kit import (
    assert_exactly_once,
    attempts_of,
    drain,
    make_targets,
    net_app,
    publish_until_settled,
    statuses,
    targets,
)


def test_due_targets_are_published_once_with_attempt_and_event(papp, pdb, fake, recorder):
    data = make_targets(papp, pdb, fake, 6, accounts=3)
    report = Dispatcher(papp).tick()
    assert report.dispatched == 6 and report.jobs
    drain(papp)
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 6}
    for t in targets(pdb, data.target_ids):
        assert t.external_id and t.url and t.published_at and t.last_error is None
        assert t.dispatch_job is None and t.marker
        [attempt] = attempts_of(pdb, t.id)
        assert attempt.outcome == "published" and attempt.number == 1
        assert attempt.worker and attempt.finished_at >= attempt.started_at
    published = recorder.of("published")
    assert sorted(e["target_id"] for e in published) == sorted(data.target_ids)
    assert {e["platform"] for e in published} == {"testnet"}
    assert Dispatcher(papp).tick().dispatched == 0  # nothing left to do
    assert fake.count() == 6


def test_a_target_never_goes_out_before_its_time(papp, pdb, fake, make_app):
    app = papp
    due = utcnow() + dt.timedelta(seconds=0.8)
    data = make_targets(app, pdb, fake, 2, accounts=2, due=due)
    slow = Dispatcher(make_app(plugins=[], dispatch_interval=2.0))
    assert slow.tick().dispatched == 2  # within the look-ahead: handed out early...
    drain(app)
    assert statuses(pdb, data.target_ids) == {"published": 2}
    for post in fake.posts:  # ...but the calls waited for the scheduled time
        assert post["received_at"] >= due.timestamp()


def test_targets_due_later_are_not_dispatched(papp, pdb, fake):
    data = make_targets(papp, pdb, fake, 3, due=utcnow() + dt.timedelta(hours=1))
    assert Dispatcher(papp).tick().dispatched == 0
    assert statuses(pdb, data.target_ids) == {"scheduled": 3}


def test_content_that_is_not_the_approved_version_is_never_published(papp, pdb, fake, recorder):
    data = make_targets(papp, pdb, fake, 2, accounts=2)
    pdb.execute(update(PostTarget).where(PostTarget.id == data.target_ids[0])
                .values(content_hash="0" * 64))
    pdb.execute(update(Post).where(Post.id == data.post_ids[0]).values(text="edited after approval"))
    pdb.commit()
    publish_until_settled(papp, pdb, data.target_ids)
    assert fake.count() == 0
    first, second = targets(pdb, data.target_ids)
    assert first.status == second.status == "failed"
    assert "not the approved version" in first.last_error
    assert "edited after approval" in second.last_error
    assert [a.outcome for a in attempts_of(pdb, first.id)] == ["blocked"]
    assert {e["state"] for e in recorder.of("failed")} == {"failed"}


def test_rate_limit_waits_at_least_retry_after_then_publishes(papp, pdb, fake):
    data = make_targets(papp, pdb, fake, 1)
    fake.fail_next("rate_limit", retry_after=3)
    Dispatcher(papp).tick()
    drain(papp)
    [t] = targets(pdb, data.target_ids)
    [attempt] = attempts_of(pdb, t.id)
    assert t.status == "scheduled" and attempt.outcome == "rate_limited"
    assert t.next_attempt_at - attempt.finished_at >= dt.timedelta(seconds=3)
    assert Dispatcher(papp).tick().dispatched == 0  # not before Retry-After
    publish_until_settled(papp, pdb, data.target_ids)
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 1}
    assert [a.outcome for a in attempts_of(pdb, t.id)] == ["rate_limited", "published"]
    assert [a.number for a in attempts_of(pdb, t.id)] == [1, 2]


def test_server_errors_back_off_and_give_up_after_max_attempts(make_app, pdb, fake, recorder):
    papp = net_app(make_app, fake, plugins=(recorder,), publish_backoff_seconds=0.05)
    data = make_targets(papp, pdb, fake, 2, accounts=2)
    fake.fail_next("server_error", times=2, status=503)  # one target twice... or both once
    publish_until_settled(papp, pdb, data.target_ids)
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 2}
    outcomes = [a.outcome for t in data.target_ids for a in attempts_of(pdb, t)]
    assert outcomes.count("transient") == 2 and outcomes.count("published") == 2

    more = make_targets(papp, pdb, fake, 1, prefix="g")
    fake.fail_next("server_error", times=10)
    publish_until_settled(papp, pdb, more.target_ids)
    [t] = targets(pdb, more.target_ids)
    assert t.status == "failed" and t.last_error.startswith("gave up after 6 attempts")
    assert len(attempts_of(pdb, t.id)) == 6
    assert any(e["target_id"] == t.id for e in recorder.of("failed"))


def test_auth_expired_fails_the_target_and_the_account_needs_reauth(papp, pdb, fake, recorder):
    data = make_targets(papp, pdb, fake, 3, accounts=1)
    fake.fail_next("auth")
    publish_until_settled(papp, pdb, data.target_ids)
    rows = targets(pdb, data.target_ids)
    assert [t.status for t in rows] == ["failed"] * 3 and fake.count() == 0
    account = pdb.get(SocialAccount, data.account_ids[0])
    pdb.refresh(account)
    assert account.status == "needs_reauth" and "reconnect" in account.status_reason
    outcomes = sorted(attempts_of(pdb, t.id)[0].outcome for t in rows)
    assert outcomes == ["auth_expired", "blocked", "blocked"]  # no retry, no more calls
    assert all(len(attempts_of(pdb, t.id)) == 1 for t in rows)


def test_content_rejected_fails_with_the_platform_message(papp, pdb, fake):
    data = make_targets(papp, pdb, fake, 1)
    fake.fail_next("reject", message="Links to casinos are not allowed")
    publish_until_settled(papp, pdb, data.target_ids)
    [t] = targets(pdb, data.target_ids)
    assert t.status == "failed" and "Links to casinos are not allowed" in t.last_error
    assert [a.outcome for a in attempts_of(pdb, t.id)] == ["rejected"]


def test_timeout_before_applying_is_reconciled_then_sent_again(papp, pdb, fake):
    data = make_targets(papp, pdb, fake, 1)
    fake.fail_next("timeout")
    publish_until_settled(papp, pdb, data.target_ids)
    [t] = targets(pdb, data.target_ids)
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 1}
    assert [a.outcome for a in attempts_of(pdb, t.id)] == ["not_found", "published"]
    finds = [c for c in fake.calls if c[0] == "GET" and c[1].endswith("/posts")]
    assert len(finds) == 2  # looked right after the timeout, and again before sending


def test_accept_then_timeout_is_reconciled_as_published_without_resending(papp, pdb, fake, recorder):
    data = make_targets(papp, pdb, fake, 1)
    fake.fail_next("accept_then_timeout")
    publish_until_settled(papp, pdb, data.target_ids)
    [t] = targets(pdb, data.target_ids)
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 1}
    assert [a.outcome for a in attempts_of(pdb, t.id)] == ["reconciled"]
    assert t.external_id == fake.posts[0]["id"]
    assert [e["target_id"] for e in recorder.of("published")] == [t.id]


def test_one_failed_target_never_republishes_the_others(papp, pdb, fake):
    data = make_targets(papp, pdb, fake, 2, accounts=2)  # one post, two accounts
    assert len(data.post_ids) == 1
    fake.fail_next("reject")
    publish_until_settled(papp, pdb, data.target_ids)
    assert sorted(statuses(pdb, data.target_ids).items()) == [("failed", 1), ("published", 1)]
    assert fake.count() == 1
    failed = next(t for t in targets(pdb, data.target_ids) if t.status == "failed")
    pdb.execute(update(PostTarget).where(PostTarget.id == failed.id).values(
        status="scheduled", attempts=0, last_error=None))
    pdb.commit()
    publish_until_settled(papp, pdb, data.target_ids)
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 2}
    assert fake.count() == 2


def test_per_account_limit_holds_while_accounts_publish_in_parallel(papp, pdb, fake):
    fake.latency = 0.25
    one_account = make_targets(papp, pdb, fake, 4, accounts=1, prefix="one")
    many = make_targets(papp, pdb, fake, 12, accounts=12, prefix="many")
    started = time.monotonic()
    publish_until_settled(papp, pdb, one_account.target_ids + many.target_ids)
    elapsed = time.monotonic() - started
    assert fake.max_in_flight["one-acct-0"] == 1  # max_concurrency_per_account = 1
    assert elapsed < 12 * 0.25  # the twelve accounts did not wait for each other
    assert assert_exactly_once(pdb, fake, one_account.target_ids + many.target_ids) == {"published": 16}


def test_a_duplicate_job_publishes_nothing_twice(papp, pdb, fake):
    from smmflow.posts.publishing import BatchRun

    data = make_targets(papp, pdb, fake, 5, accounts=5)
    report = Dispatcher(papp).tick()
    [job_id] = report.jobs
    ids = list(pdb.scalars(select(PostTarget.id).where(PostTarget.dispatch_job == job_id)))
    first = BatchRun(papp, job_id, ids, "one").run()
    second = BatchRun(papp, job_id, ids, "two").run()  # e.g. re-derived while the first ran
    assert first == {"published": 5} and second == {}
    drain(papp)  # and the queued RQ job itself
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 5}
