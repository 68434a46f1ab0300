"""The publishing API: targets with every attempt, and a person's retry."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from smmflow.accounts.models import SocialAccount
from smmflow.audit.models import AuditEvent
from smmflow.posts.models import Post, PostTarget
from smmflow.testing.client import ApiClient
from smmflow.testing.factories import Factory
from tests.jobs.kit import assert_exactly_once, make_targets, publish_until_settled, targets


@pytest.fixture
def papi(papp, pdb):
    return ApiClient(papp, Factory(papp, pdb))


@pytest.fixture
def people(papp, pdb, fake):
    factory = Factory(papp, pdb)
    data = make_targets(papp, pdb, fake, 2, accounts=2)
    from smmflow.clients.models import Client

    client = pdb.get(Client, data.client_id)
    other = factory.client()
    return {"data": data, "manager": factory.member(client, "manager"),
            "other": factory.member(other, "manager"), "owner": factory.owner(),
            "client_member": factory.member(client, "client")}


def test_targets_list_every_attempt(papp, pdb, fake, papi, people):
    data = people["data"]
    fake.fail_next("server_error")
    publish_until_settled(papp, pdb, data.target_ids)
    resp = papi.get(f"/posts/{data.post_ids[0]}/targets", as_=people["manager"])
    assert resp.status_code == 200, resp.json
    items = resp.json["items"]
    assert [i["id"] for i in items] == sorted(data.target_ids)
    assert resp.json["next_cursor"] is None
    retried = next(i for i in items if len(i["attempts"]) == 2)
    assert retried["status"] == "published" and retried["platform"] == "testnet"
    assert retried["attempt_count"] == 2 and retried["external_id"] and retried["url"]
    first, second = retried["attempts"]
    assert first["outcome"] == "transient" and "503" in first["error"]
    assert second["outcome"] == "published" and second["error"] is None
    assert first["worker"] and first["started_at"] and first["finished_at"]
    assert papi.get(f"/posts/{data.post_ids[0]}/targets", as_=people["owner"]).status_code == 200
    assert papi.get(f"/posts/{data.post_ids[0]}/targets", as_=people["other"]).status_code == 403
    assert papi.get(f"/posts/{data.post_ids[0]}/targets",
                    as_=people["client_member"]).status_code == 403
    assert papi.get("/posts/999999/targets", as_=people["owner"]).status_code == 404


def test_a_person_retries_a_failed_target(papp, pdb, fake, papi, people):
    data = people["data"]
    fake.fail_next("reject", message="Try another picture")
    publish_until_settled(papp, pdb, data.target_ids)
    failed = next(t for t in targets(pdb, data.target_ids) if t.status == "failed")
    published = next(t for t in targets(pdb, data.target_ids) if t.status == "published")

    resp = papi.post(f"/post-targets/{published.id}/retry", as_=people["manager"])
    assert resp.status_code == 409 and resp.json["error"]["code"] == "not_retryable"
    resp = papi.post(f"/post-targets/{failed.id}/retry", as_=people["other"])
    assert resp.status_code == 403
    resp = papi.post(f"/post-targets/{failed.id}/retry", as_=people["manager"],
                     headers={"If-Match": '"post_targets-1-v999"'})
    assert resp.status_code == 409 and resp.json["error"]["code"] == "stale_version"

    resp = papi.post(f"/post-targets/{failed.id}/retry", as_=people["manager"])
    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "scheduled" and resp.json["attempt_count"] == 0
    assert resp.json["last_error"] is None and resp.headers["ETag"]
    assert pdb.scalar(select(AuditEvent).where(AuditEvent.action == "post_target.retry",
                                               AuditEvent.object_id == str(failed.id)))
    publish_until_settled(papp, pdb, data.target_ids)
    assert assert_exactly_once(pdb, fake, data.target_ids) == {"published": 2}
    assert fake.count() == 2  # the target that had succeeded was not sent again


def test_retry_is_refused_when_it_would_fail_again(papp, pdb, fake, papi, people):
    data = people["data"]
    first, second = data.target_ids
    pdb.execute(update(PostTarget).where(PostTarget.id.in_(data.target_ids))
                .values(status="unknown", last_error="lost"))
    pdb.execute(update(SocialAccount).where(SocialAccount.id == data.account_ids[1])
                .values(status="needs_reauth"))
    pdb.commit()
    resp = papi.post(f"/post-targets/{second}/retry", as_=people["manager"])
    assert resp.status_code == 409 and resp.json["error"]["code"] == "account_not_active"

    resp = papi.post(f"/post-targets/{first}/retry", as_=people["manager"])
    assert resp.status_code == 200
    [t] = targets(pdb, [first])
    assert t.reconcile_first  # an unknown target is looked for before it is sent again

    pdb.execute(update(PostTarget).where(PostTarget.id == first).values(status="failed"))
    pdb.execute(update(Post).where(Post.id == data.post_ids[0]).values(text="changed"))
    pdb.commit()
    resp = papi.post(f"/post-targets/{first}/retry", as_=people["manager"])
    assert resp.status_code == 409 and resp.json["error"]["code"] == "not_approved"
    assert papi.post("/post-targets/999999/retry", as_=people["owner"]).status_code == 404
