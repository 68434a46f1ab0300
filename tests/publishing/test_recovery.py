"""Stale ``publishing`` claims (a worker died mid-call) are reconciled, never blindly resent."""

from __future__ import annotations

import datetime as dt

import httpx
from sqlalchemy import update

from smmflow.db import utcnow
from smmflow.jobs.periodic import build_scheduler, collect
from smmflow.jobs.queues import redis_connection
from smmflow.jobs.recovery import recover
from smmflow.posts.models import PostTarget
from tests.jobs.kit import (
    assert_exactly_once,
    attempts_of,
    drain,
    make_targets,
    publish_until_settled,
    targets,
)
from tests.publishing.test_platform_behaviour import BlindPlatform, Platforms


def claim_and_die(db, ids, *, age: float = 60.0) -> None:
    """What a worker killed after its claim leaves behind."""
    for target_id in ids:
        db.execute(update(PostTarget).where(PostTarget.id == target_id).values(
            status="publishing", marker=f"smm-{target_id}-dead", attempts=1,
            claimed_by="dead-worker|job", claimed_at=utcnow() - dt.timedelta(seconds=age),
            dispatch_job="publish-dead"))
    db.commit()


def post_on_fake(fake, account: str, marker: str) -> None:
    resp = httpx.post(f"{fake.url}/v1/accounts/{account}/posts", json={"marker": marker, "text": "hi"},
                      headers={"Authorization": f"Bearer {fake.token}"})
    assert resp.status_code == 201


def test_a_stale_claim_whose_post_went_out_becomes_published(papp, pdb, fake, recorder):
    data = make_targets(papp, pdb, fake, 2, accounts=2)
    claim_and_die(pdb, data.target_ids)
    post_on_fake(fake, "t-acct-0", f"smm-{data.target_ids[0]}-dead")  # the call had got through
    assert recover(papp, "w1") == {"published": 1, "retry": 1}
    went_out, lost = targets(pdb, data.target_ids)
    assert went_out.status == "published" and went_out.external_id == fake.posts[0]["id"]
    [attempt] = attempts_of(pdb, went_out.id)
    assert attempt.outcome == "reconciled" and attempt.worker == "recovery@w1"
    assert lost.status == "scheduled" and lost.reconcile_first and lost.next_attempt_at
    assert [a.outcome for a in attempts_of(pdb, lost.id)] == ["not_found"]
    publish_until_settled(papp, pdb, data.target_ids)
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 2}
    assert [e["target_id"] for e in recorder.of("published")] == data.target_ids


def test_fresh_claims_are_left_to_their_worker(papp, pdb, fake):
    data = make_targets(papp, pdb, fake, 1)
    claim_and_die(pdb, data.target_ids, age=0.5)
    assert recover(papp, "w1") == {}
    assert targets(pdb, data.target_ids)[0].status == "publishing"


def test_a_stale_claim_on_a_platform_that_cannot_reconcile_goes_unknown(make_app, pdb, fake, recorder):
    from tests.jobs.kit import net_app

    app = net_app(make_app, fake, plugins=(recorder, Platforms(BlindPlatform())))
    data = make_targets(app, pdb, fake, 1, platform="blindnet")
    claim_and_die(pdb, data.target_ids)
    assert recover(app, "w1") == {"unknown": 1}
    [t] = targets(pdb, data.target_ids)
    assert t.status == "unknown" and "cannot confirm" in t.last_error
    assert recorder.of("failed")[0]["state"] == "unknown"


def test_recovery_runs_as_a_periodic_rq_job(papp, pdb, fake):
    data = make_targets(papp, pdb, fake, 1)
    claim_and_die(pdb, data.target_ids)
    [job] = [j for j in collect(papp) if j.name == "publishing.recover_stale_claims"]
    scheduler = build_scheduler(papp, redis_connection(papp), jobs=[job])
    assert scheduler.enqueue_jobs()
    drain(papp)
    [t] = targets(pdb, data.target_ids)
    assert t.status == "scheduled" and t.reconcile_first
