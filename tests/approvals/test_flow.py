"""The posts-and-approvals half of the agency flow, end to end through the API and the link."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlparse

from sqlalchemy import select

from smmflow.audit.models import AuditEvent
from smmflow.posts.models import Post, PostTarget
from tests.posts.fixtures import accepted_submission, image
from tests.posts.flows import decide, etag

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def test_from_accepted_work_to_schedule(app, api, db, factory, scene, events):
    world = scene.world
    copy = accepted_submission(factory, world.client_a, world.contractor, "Meet the autumn drop #fall")
    design = accepted_submission(factory, world.client_a, factory.contractor(["designer"]), "",
                                 media=[image(1)])
    resp = api.post(f"/clients/{world.client_a.id}/approval-chains", as_=world.owner, json={
        "name": "Agency then client", "is_default": True, "steps": [
            {"name": "Manager review", "approver_role": "manager", "sla_hours": 4},
            {"name": "Client", "approver_role": "client", "sla_hours": 48}]})
    assert resp.status_code == 201

    post = api.post(f"/clients/{world.client_a.id}/posts", as_=world.manager,
                    json={"from_submissions": [copy.id, design.id]}).json
    for account in (scene.photo, scene.chat):
        assert api.post(f"/posts/{post['id']}/targets", as_=world.manager,
                        headers={"If-Match": etag(api, scene, post["id"])},
                        json={"social_account_id": account.id}).status_code == 201
    assert api.get(f"/posts/{post['id']}/preflight", as_=world.manager).json["ok"] is True

    request = api.post(f"/posts/{post['id']}/approval-requests", as_=world.manager, json={}).json
    decide(api, scene.manager2, request["id"], comment="Good to go")
    link = api.post(f"/approval-requests/{request['id']}/links", as_=world.manager,
                    json={"user_id": world.client_member.id}).json
    browser = app.test_client()
    path = urlparse(link["url"]).path
    page = browser.get(path)
    assert "Meet the autumn drop #fall" in page.get_data(as_text=True)
    done = browser.post(path, data={"csrf_token": CSRF.search(page.get_data(as_text=True)).group(1),
                                    "decision": "approve"})
    assert done.status_code == 200

    year = dt.datetime.now(dt.UTC).year + 1
    resp = api.post(f"/posts/{post['id']}/schedule", as_=world.manager,
                    json={"at": f"{year}-10-05T18:30"})
    assert resp.status_code == 200, resp.json
    db.expire_all()
    stored = db.get(Post, post["id"])
    assert stored.status == "scheduled"
    for target in db.scalars(select(PostTarget)):
        assert target.status == "scheduled" and target.content_hash == stored.approved_hash
        assert target.scheduled_at == dt.datetime(year, 10, 5, 16, 30, tzinfo=dt.UTC)

    # an edit after approval voids it: nothing goes out with unapproved content
    api.patch(f"/posts/{post['id']}", as_=world.manager,
              headers={"If-Match": etag(api, scene, post["id"])}, json={"text": "Changed"})
    db.expire_all()
    assert db.get(Post, post["id"]).status == "draft"
    assert {t.status for t in db.scalars(select(PostTarget))} == {"draft"}
    assert db.get(Post, post["id"]).approved_hash is None

    actions = {a for a in db.scalars(select(AuditEvent.action))}
    assert {"post.compose", "post.target_add", "approval.request", "approval.link_issue",
            "approval.decide", "post.approved", "post.schedule", "post.edit", "approval.void",
            "post.back_to_draft"} <= actions
    assert [n for n in events.names() if n == "on_approval_decided"] == ["on_approval_decided"] * 2
