"""Scheduling after approval: client-timezone input, UTC storage, the approved hash on targets."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from smmflow.approvals.models import ApprovalRequest
from smmflow.posts.models import Post, PostTarget
from tests.posts.flows import approved_post, etag, new_post

FUTURE = dt.datetime.now(dt.UTC).year + 1
# Europe/Berlin jumps from 02:00 to 03:00 on the last Sunday of March: 02:30 does not exist
_MARCH_31 = dt.date(FUTURE, 3, 31)
DST_GAP = f"{_MARCH_31 - dt.timedelta(days=(_MARCH_31.weekday() + 1) % 7)}T02:30"


def test_schedule_needs_approval(api, scene):
    post = new_post(api, scene)
    resp = api.post(f"/posts/{post['id']}/schedule", as_=scene.world.manager,
                    json={"at": f"{FUTURE}-12-01T09:00"})
    assert resp.status_code == 409
    assert resp.json["error"]["code"] == "not_approved"


def test_naive_times_are_the_clients_wall_clock(api, db, factory, scene):
    post = approved_post(api, scene, factory)
    photo, chat = post["targets"]
    resp = api.post(f"/posts/{post['id']}/schedule", as_=scene.world.manager, json={
        "at": f"{FUTURE}-12-01T09:00",  # Europe/Berlin, winter: UTC+1
        "targets": [{"target_id": photo["id"], "at": f"{FUTURE}-07-01T09:00"},  # summer: UTC+2
                    ]})
    assert resp.status_code == 200, resp.json
    assert resp.json["status"] == "scheduled"
    rows = {t.id: t for t in db.scalars(select(PostTarget))}
    assert rows[photo["id"]].scheduled_at == dt.datetime(FUTURE, 7, 1, 7, 0, tzinfo=dt.UTC)
    assert rows[chat["id"]].scheduled_at == dt.datetime(FUTURE, 12, 1, 8, 0, tzinfo=dt.UTC)
    stored = db.get(Post, post["id"])
    for target in rows.values():
        assert target.status == "scheduled" and target.marker is None
        assert target.content_hash == stored.approved_hash == stored.content_hash


def test_aware_times_keep_their_offset(api, db, factory, scene):
    post = approved_post(api, scene, factory)
    resp = api.post(f"/posts/{post['id']}/schedule", as_=scene.world.manager,
                    json={"at": f"{FUTURE}-03-01T09:00:00-05:00"})
    assert resp.status_code == 200, resp.json
    times = {t.scheduled_at for t in db.scalars(select(PostTarget))}
    assert times == {dt.datetime(FUTURE, 3, 1, 14, 0, tzinfo=dt.UTC)}


def test_bad_times_are_refused(api, db, factory, scene):
    post = approved_post(api, scene, factory)
    url = f"/posts/{post['id']}/schedule"
    for body, field in [({"at": "2001-01-01T09:00"}, "at"), ({"at": "tomorrow"}, "at"),
                        ({"at": DST_GAP}, "at"), ({}, "at"),
                        ({"targets": [{"target_id": post["targets"][0]["id"], "at": "nope"}]},
                         "targets.0.at")]:
        resp = api.post(url, as_=scene.world.manager, json=body)
        assert resp.status_code == 422, (body, resp.json)
        assert field in resp.json["error"]["details"]["fields"], resp.json
    assert all(t.status == "draft" for t in db.scalars(select(PostTarget)))
    resp = api.post(url, as_=scene.world.manager,
                    json={"targets": [{"target_id": 999_999, "at": f"{FUTURE}-05-01T10:00"}]})
    assert resp.status_code == 404


def test_unschedule_back_to_approved(api, db, factory, scene):
    post = approved_post(api, scene, factory)
    api.post(f"/posts/{post['id']}/schedule", as_=scene.world.manager,
             json={"at": f"{FUTURE}-05-01T10:00"})
    first = post["targets"][0]["id"]
    resp = api.post(f"/posts/{post['id']}/unschedule", as_=scene.world.manager,
                    json={"target_ids": [first]})
    assert resp.status_code == 200 and resp.json["status"] == "scheduled"
    resp = api.post(f"/posts/{post['id']}/unschedule", as_=scene.world.manager, json={})
    assert resp.status_code == 200 and resp.json["status"] == "approved"
    for target in db.scalars(select(PostTarget)):
        assert (target.status, target.scheduled_at, target.content_hash) == ("draft", None, None)
    assert api.post(f"/posts/{post['id']}/unschedule", as_=scene.world.manager,
                    json={}).status_code == 409


def test_edit_after_scheduling_voids_approval_and_unschedules(api, db, factory, scene):
    post = approved_post(api, scene, factory)
    api.post(f"/posts/{post['id']}/schedule", as_=scene.world.manager,
             json={"at": f"{FUTURE}-05-01T10:00"})
    resp = api.patch(f"/posts/{post['id']}", as_=scene.world.manager,
                     headers={"If-Match": etag(api, scene, post["id"])}, json={"text": "Changed!"})
    assert resp.status_code == 200
    assert resp.json["status"] == "draft" and resp.json["approved_hash"] is None
    assert {t.status for t in db.scalars(select(PostTarget))} == {"draft"}
    assert db.scalar(select(ApprovalRequest.status)) == "voided"
    resp = api.post(f"/posts/{post['id']}/schedule", as_=scene.world.manager,
                    json={"at": f"{FUTURE}-05-01T10:00"})
    assert resp.status_code == 409


def test_edit_that_keeps_the_content_keeps_the_approval(api, db, factory, scene):
    post = approved_post(api, scene, factory)
    campaign = factory.campaign(scene.world.client_a)
    resp = api.patch(f"/posts/{post['id']}", as_=scene.world.manager,
                     headers={"If-Match": etag(api, scene, post["id"])},
                     json={"campaign_id": campaign.id, "text": post["text"]})
    assert resp.status_code == 200 and resp.json["status"] == "approved"
    assert db.scalar(select(ApprovalRequest.status)) == "approved"


def test_target_changes_after_approval_send_the_post_back(api, db, factory, scene):
    post = approved_post(api, scene, factory, accounts=("photo",))
    resp = api.post(f"/posts/{post['id']}/targets", as_=scene.world.manager,
                    headers={"If-Match": etag(api, scene, post["id"])},
                    json={"social_account_id": scene.chat.id})
    assert resp.status_code == 201
    assert db.get(Post, post["id"]).status == "draft"
    assert db.scalar(select(ApprovalRequest.status)) == "voided"


def test_published_targets_are_not_rescheduled(api, db, factory, scene):
    post = approved_post(api, scene, factory)
    api.post(f"/posts/{post['id']}/schedule", as_=scene.world.manager,
             json={"at": f"{FUTURE}-05-01T10:00"})
    done = db.get(PostTarget, post["targets"][0]["id"])
    done.status = "published"
    db.commit()
    resp = api.post(f"/posts/{post['id']}/schedule", as_=scene.world.manager, json={
        "targets": [{"target_id": done.id, "at": f"{FUTURE}-06-01T10:00"}]})
    assert resp.status_code == 409
    resp = api.post(f"/posts/{post['id']}/schedule", as_=scene.world.manager,
                    json={"at": f"{FUTURE}-06-01T10:00"})
    assert resp.status_code == 200  # the other target moves; the published one is left alone
    db.expire_all()
    assert db.get(PostTarget, done.id).status == "published"
    other = db.get(PostTarget, post["targets"][1]["id"])
    assert other.scheduled_at == dt.datetime(FUTURE, 6, 1, 8, 0, tzinfo=dt.UTC)
