"""Client sign-off through a signed, expiring, single-use link to exactly one subject."""

from __future__ import annotations

import re
import time
from urllib.parse import urlparse

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import select

from smmflow.approvals.links import SALT
from smmflow.approvals.models import ApprovalDecision, ApprovalRequest
from smmflow.audit.models import AuditEvent
from smmflow.posts.models import Post
from smmflow.testing.settings import TEST_SECRET
from tests.posts.flows import decide, etag, new_post, start_approval

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
CLIENT_STEP = [{"name": "Client sign-off", "approver_role": "client"}]


def _link(api, scene, request_id, user):
    resp = api.post(f"/approval-requests/{request_id}/links", as_=scene.world.manager,
                    json={"user_id": user.id})
    assert resp.status_code == 201, resp.json
    return urlparse(resp.json["url"]).path


def _waiting(api, factory, scene, text="Spring sale: 20% off #spring", steps=CLIENT_STEP):
    factory.approval_chain(scene.world.client_a, steps)
    post = new_post(api, scene, text=text)
    return post, start_approval(api, scene, post["id"])


def _open(app, path):
    browser = app.test_client()
    page = browser.get(path)
    return browser, page


def _submit(browser, page, path, **form):
    token = CSRF.search(page.get_data(as_text=True)).group(1)
    return browser.post(path, data={"csrf_token": token, **form})


def test_client_approves_through_the_link(app, api, db, factory, scene, events):
    world = scene.world
    other = new_post(api, scene, text="A different secret post")
    post, request = _waiting(api, factory, scene)
    path = _link(api, scene, request["id"], world.client_member)
    assert path.startswith("/approve/")

    browser, page = _open(app, path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Spring sale: 20% off #spring" in html and "Client sign-off" in html
    assert other["text"] not in html
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert page.headers["Cache-Control"] == "no-store"

    done = _submit(browser, page, path, decision="approve", comment="")
    assert done.status_code == 200, done.get_data(as_text=True)
    assert "approve" in done.get_data(as_text=True)
    db.expire_all()
    assert db.get(Post, post["id"]).status == "approved"
    decision = db.scalar(select(ApprovalDecision))
    assert (decision.author_id, decision.via_link, decision.link_nonce is not None) == (
        world.client_member.id, True, True)
    audit = db.scalar(select(AuditEvent).where(AuditEvent.action == "approval.decide"))
    assert audit.actor_id == world.client_member.id and audit.details["via_link"] is True
    assert events.events[-1][1]["author_id"] == world.client_member.id

    # single use: the same link is gone, on GET and on POST
    assert browser.get(path).status_code == 410
    again = _submit(browser, page, path, decision="reject", comment="changed my mind")
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert db.scalar(select(ApprovalRequest.status)) == "approved"


def test_the_form_is_csrf_protected(app, api, db, factory, scene):
    _post, request = _waiting(api, factory, scene)
    path = _link(api, scene, request["id"], scene.world.client_member)
    browser, _page = _open(app, path)
    resp = browser.post(path, data={"decision": "approve"})
    assert resp.status_code == 400
    assert "CSRF" in resp.get_data(as_text=True)
    assert db.scalar(select(ApprovalDecision.id)) is None


def test_request_changes_needs_a_comment(app, api, db, factory, scene):
    post, request = _waiting(api, factory, scene)
    path = _link(api, scene, request["id"], scene.client2)
    browser, page = _open(app, path)
    resp = _submit(browser, page, path, decision="request_changes", comment=" ")
    assert resp.status_code == 400 and "say what should change" in resp.get_data(as_text=True)
    resp = _submit(browser, page, path, decision="launch", comment="x")
    assert resp.status_code == 400
    resp = _submit(browser, page, path, decision="request_changes", comment="Use the new logo")
    assert resp.status_code == 200
    db.expire_all()
    assert db.get(Post, post["id"]).status == "changes_requested"
    assert db.scalar(select(ApprovalDecision.comment)) == "Use the new logo"


def test_tampered_link_is_forbidden(app, api, factory, scene):
    _post, request = _waiting(api, factory, scene)
    path = _link(api, scene, request["id"], scene.world.client_member)
    payload, _, rest = path.removeprefix("/approve/").partition(".")
    forged = URLSafeTimedSerializer("another-secret-of-sufficient-length", salt=SALT).dumps(
        {"r": request["id"], "u": scene.world.client_member.id, "s": 1,
         "h": request["content_hash"], "n": "x"})
    for bad in (f"/approve/{payload[:-2]}AA.{rest}", f"/approve/{forged}", "/approve/garbage"):
        resp = app.test_client().get(bad)
        assert resp.status_code == 403, bad
        assert "not valid" in resp.get_data(as_text=True)
        assert app.test_client().post(bad, data={}).status_code in (400, 403)


def test_expired_link(app, api, factory, scene):
    _post, request = _waiting(api, factory, scene)

    class ThreeDaysAgo(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(time.time()) - 73 * 3600  # the default TTL is 72 hours

    token = URLSafeTimedSerializer(TEST_SECRET, salt=SALT, signer=ThreeDaysAgo).dumps(
        {"r": request["id"], "u": scene.world.client_member.id, "s": 1,
         "h": request["content_hash"], "n": "old-nonce"})
    resp = app.test_client().get(f"/approve/{token}")
    assert resp.status_code == 400
    assert "expired" in resp.get_data(as_text=True)


def test_link_of_a_request_that_moved_on(app, api, db, factory, scene):
    world = scene.world
    steps = [{"name": "Client", "approver_role": "client"},
             {"name": "Legal", "approver_user_ids": [scene.client2.id]}]
    post, request = _waiting(api, factory, scene, steps=steps)
    path = _link(api, scene, request["id"], world.client_member)
    decide(api, world.client_member, request["id"])  # decided in the app instead
    resp = app.test_client().get(path)
    assert resp.status_code == 410 and "moved on" in resp.get_data(as_text=True)

    legal = _link(api, scene, request["id"], scene.client2)
    api.patch(f"/posts/{post['id']}", as_=world.manager,
              headers={"If-Match": etag(api, scene, post["id"])}, json={"text": "Edited"})
    assert app.test_client().get(legal).status_code == 410


def test_links_only_for_approvers_of_the_current_step(api, factory, scene):
    world = scene.world
    _post, request = _waiting(api, factory, scene)
    url = f"/approval-requests/{request['id']}/links"
    for user in (world.manager, scene.manager2, world.other_client):
        resp = api.post(url, as_=world.manager, json={"user_id": user.id})
        assert resp.status_code == 422, user
    assert api.post(url, as_=world.client_member, json={"user_id": world.client_member.id}
                    ).status_code == 403
    decide(api, world.client_member, request["id"])
    resp = api.post(url, as_=world.manager, json={"user_id": scene.client2.id})
    assert resp.status_code == 409


def test_two_clicks_at_once_decide_once(app, api, db, factory, scene):
    import threading

    _post, request = _waiting(api, factory, scene)
    path = _link(api, scene, request["id"], scene.world.client_member)
    pages = [_open(app, path) for _ in range(2)]
    barrier = threading.Barrier(2)
    statuses: list[int] = []

    def click(browser, page, decision):
        token = CSRF.search(page.get_data(as_text=True)).group(1)
        barrier.wait()
        resp = browser.post(path, data={"csrf_token": token, "decision": decision,
                                        "comment": "both at once"})
        statuses.append(resp.status_code)

    threads = [threading.Thread(target=click, args=(*pages[i], d))
               for i, d in enumerate(["approve", "reject"])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(statuses) == [200, 410]
    db.expire_all()
    assert len(db.scalars(select(ApprovalDecision)).all()) == 1
    assert db.get(ApprovalRequest, request["id"]).status in ("approved", "rejected")
