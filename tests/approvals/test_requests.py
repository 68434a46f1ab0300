"""Approval requests on posts and submissions: steps, modes, own work, voiding, diff, events."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from smmflow.approvals import services
from smmflow.approvals.models import ApprovalDecision, ApprovalRequest
from smmflow.audit.models import AuditEvent
from smmflow.errors import Forbidden
from smmflow.posts.content import content_hash
from smmflow.posts.models import Post
from tests.posts.fixtures import accepted_submission
from tests.posts.flows import decide, etag, new_post, start_approval

MANAGER_THEN_CLIENT = [{"name": "Manager review", "approver_role": "manager"},
                       {"name": "Client", "approver_role": "client"}]


def _post(db, post_id):
    db.expire_all()
    return db.get(Post, post_id)


def test_chain_runs_manager_then_client(api, db, factory, scene, events):
    world = scene.world
    factory.approval_chain(world.client_a, MANAGER_THEN_CLIENT)
    post = new_post(api, scene)
    request = start_approval(api, scene, post["id"])
    assert request["status"] == "pending" and request["current_step"] == 1
    assert request["content_hash"] == post["content_hash"]
    assert request["snapshot"]["text"] == post["text"]
    assert [t["platform"] for t in request["snapshot"]["targets"]] == ["photonet", "chatnet"]
    assert _post(db, post["id"]).status == "in_approval"

    # the client approver is not an approver of step 1, the author never decides
    body = decide(api, world.client_member, request["id"], expect=403)
    assert body["error"]["code"] == "not_an_approver"
    body = decide(api, world.manager, request["id"], expect=403)
    assert body["error"]["code"] == "own_work"
    decide(api, world.moderator, request["id"], expect=403)

    decide(api, scene.manager2, request["id"], comment="Looks good")
    state = api.get(f"/approval-requests/{request['id']}", as_=world.client_member).json
    assert state["status"] == "pending" and state["current_step"] == 2
    assert _post(db, post["id"]).status == "in_approval"
    decide(api, scene.manager2, request["id"], expect=403)  # a manager is not the client

    decide(api, world.client_member, request["id"])
    state = api.get(f"/approval-requests/{request['id']}", as_=world.manager).json
    assert state["status"] == "approved" and state["closed_at"]
    assert [(d["step_position"], d["author_id"], d["decision"]) for d in state["decisions"]] == [
        (1, scene.manager2.id, "approve"), (2, world.client_member.id, "approve")]
    stored = _post(db, post["id"])
    assert stored.status == "approved" and stored.approved_hash == content_hash(stored)

    assert events.names() == ["on_approval_requested", "on_approval_decided",
                              "on_approval_requested", "on_approval_decided"]
    assert events.events[2][1]["step_position"] == 2
    assert events.events[-1][1] | {} == {
        "request_id": request["id"], "decision": "approve", "step_position": 2,
        "author_id": world.client_member.id, "final": True, "subject_type": "post",
        "subject_id": post["id"], "client_id": world.client_a.id}
    audited = db.scalars(select(AuditEvent).where(AuditEvent.action == "approval.decide")
                         .order_by(AuditEvent.id)).all()
    assert [(e.actor_id, e.details["decision"], e.details["final"]) for e in audited] == [
        (scene.manager2.id, "approve", False), (world.client_member.id, "approve", True)]


def test_all_mode_needs_every_approver(api, db, factory, scene):
    world = scene.world
    factory.approval_chain(world.client_a, [{"name": "Client board", "approver_role": "client",
                                             "mode": "all"}])
    post = new_post(api, scene)
    request = start_approval(api, scene, post["id"])
    decide(api, world.client_member, request["id"])
    assert _post(db, post["id"]).status == "in_approval"
    body = decide(api, world.client_member, request["id"], expect=409)
    assert body["error"]["code"] == "already_decided"
    decide(api, scene.client2, request["id"])
    assert _post(db, post["id"]).status == "approved"


def test_named_users_and_owner_role(api, db, factory, scene):
    world = scene.world
    factory.approval_chain(world.client_a, [
        {"name": "Legal", "approver_user_ids": [scene.client2.id]},
        {"name": "Agency lead", "approver_role": "owner"}])
    post = new_post(api, scene)
    request = start_approval(api, scene, post["id"])
    decide(api, world.client_member, request["id"], expect=403)
    decide(api, scene.client2, request["id"])
    decide(api, scene.manager2, request["id"], expect=403)
    decide(api, world.owner, request["id"])
    assert _post(db, post["id"]).status == "approved"


def test_request_changes_then_resubmit(api, db, factory, scene):
    world = scene.world
    factory.approval_chain(world.client_a)
    post = new_post(api, scene, text="First draft")
    request = start_approval(api, scene, post["id"])
    body = decide(api, scene.manager2, request["id"], "request_changes", expect=422)
    assert "comment" in body["error"]["details"]["fields"]
    decide(api, scene.manager2, request["id"], "request_changes", "Shorter, please")
    assert _post(db, post["id"]).status == "changes_requested"
    decide(api, scene.manager2, request["id"], expect=409)

    resp = api.patch(f"/posts/{post['id']}", as_=world.manager,
                     headers={"If-Match": etag(api, scene, post["id"])}, json={"text": "Second"})
    assert resp.json["status"] == "draft"
    second = start_approval(api, scene, post["id"])
    assert second["content_hash"] != request["content_hash"]
    diff = api.get(f"/approval-requests/{second['id']}/diff", as_=world.client_member).json
    assert diff["from"]["request_id"] == request["id"]
    assert diff["from"]["status"] == "changes_requested"
    assert diff["changed_fields"] == ["text"]
    assert "-First draft" in diff["text_diff"] and "+Second" in diff["text_diff"]
    decide(api, scene.manager2, second["id"])
    assert _post(db, post["id"]).status == "approved"


def test_reject_returns_the_post_to_draft(api, db, factory, scene):
    factory.approval_chain(scene.world.client_a)
    post = new_post(api, scene)
    request = start_approval(api, scene, post["id"])
    decide(api, scene.manager2, request["id"], "reject", "Off brand")
    assert _post(db, post["id"]).status == "draft"
    assert db.get(ApprovalRequest, request["id"]).status == "rejected"


def test_edit_during_and_after_approval_voids_it(api, db, factory, scene):
    world = scene.world
    factory.approval_chain(world.client_a, MANAGER_THEN_CLIENT)
    post = new_post(api, scene)
    request = start_approval(api, scene, post["id"])
    resp = api.post(f"/posts/{post['id']}/approval-requests", as_=world.manager, json={})
    assert resp.status_code == 409 and resp.json["error"]["details"]["status"] == "in_approval"
    decide(api, scene.manager2, request["id"])
    api.patch(f"/posts/{post['id']}", as_=world.manager,
              headers={"If-Match": etag(api, scene, post["id"])}, json={"title": "New title"})
    db.expire_all()
    assert db.get(ApprovalRequest, request["id"]).status == "voided"
    assert _post(db, post["id"]).status == "draft"
    body = decide(api, world.client_member, request["id"], expect=409)
    assert body["error"]["details"]["status"] == "voided"

    second = start_approval(api, scene, post["id"])
    decide(api, scene.manager2, second["id"])
    decide(api, world.client_member, second["id"])
    approved_hash = _post(db, post["id"]).approved_hash
    assert approved_hash == second["content_hash"]
    api.patch(f"/posts/{post['id']}", as_=world.manager,
              headers={"If-Match": etag(api, scene, post["id"])}, json={"text": "Sneaky edit"})
    db.expire_all()
    assert db.get(ApprovalRequest, second["id"]).status == "voided"
    stored = _post(db, post["id"])
    assert (stored.status, stored.approved_hash) == ("draft", None)
    voids = db.scalars(select(AuditEvent).where(AuditEvent.action == "approval.void")).all()
    assert [v.object_id for v in voids] == [str(request["id"]), str(second["id"])]
    diff = api.get(f"/posts/{post['id']}/diff", as_=world.manager).json
    assert diff["from"]["request_id"] == second["id"]
    assert diff["changed_fields"] == ["text"] and "+Sneaky edit" in diff["text_diff"]


def test_withdraw(api, db, factory, scene):
    factory.approval_chain(scene.world.client_a)
    post = new_post(api, scene)
    request = start_approval(api, scene, post["id"])
    resp = api.post(f"/approval-requests/{request['id']}/withdraw", as_=scene.world.manager)
    assert resp.status_code == 200 and resp.json["status"] == "voided"
    assert _post(db, post["id"]).status == "draft"
    assert api.post(f"/approval-requests/{request['id']}/withdraw",
                    as_=scene.world.manager).status_code == 409


def test_chain_must_be_usable(api, db, factory, scene):
    world = scene.world
    post = new_post(api, scene)
    url = f"/posts/{post['id']}/approval-requests"
    resp = api.post(url, as_=world.manager, json={})
    assert resp.status_code == 422 and "chain_id" in resp.json["error"]["details"]["fields"]
    foreign = factory.approval_chain(world.client_b, default=False)
    assert api.post(url, as_=world.manager, json={"chain_id": foreign.id}).status_code == 422
    only_author = factory.approval_chain(world.client_a, [
        {"name": "Self review", "approver_user_ids": [world.manager.id]}], default=False)
    resp = api.post(url, as_=world.manager, json={"chain_id": only_author.id})
    assert resp.status_code == 422 and "no eligible approver" in str(resp.json)
    assert db.scalar(select(ApprovalRequest.id)) is None
    assert _post(db, post["id"]).status == "draft"


def test_my_queue_shows_what_waits_for_me(api, factory, scene):
    world = scene.world
    factory.approval_chain(world.client_a, MANAGER_THEN_CLIENT)
    post = new_post(api, scene)
    request = start_approval(api, scene, post["id"])

    def queue(user):
        return [r["id"] for r in api.get("/approval-requests/mine", as_=user).json["items"]]

    assert queue(scene.manager2) == [request["id"]]
    assert queue(world.manager) == [] and queue(world.client_member) == []
    decide(api, scene.manager2, request["id"])
    assert queue(scene.manager2) == []
    assert queue(world.client_member) == [request["id"]] == queue(scene.client2)
    assert queue(world.other_client) == [] and queue(world.contractor) == []
    listed = api.get(f"/clients/{world.client_a.id}/approval-requests?status=pending",
                     as_=world.client_member).json["items"]
    assert [r["id"] for r in listed] == [request["id"]]


def test_submission_approval_never_by_its_contractor(api, db, factory, scene):
    world = scene.world
    contractor = world.contractor
    factory.member(world.client_a, "client", user=contractor)  # even as a member of the client
    factory.approval_chain(world.client_a, [
        {"name": "Review", "approver_user_ids": [contractor.id, scene.client2.id]}])
    sub = accepted_submission(factory, world.client_a, contractor, "Copy v1", state="submitted")
    resp = api.post(f"/submissions/{sub.id}/approval-requests", as_=world.manager, json={})
    assert resp.status_code == 201, resp.json
    request = resp.json
    assert request["subject_type"] == "submission" and request["snapshot"]["text"] == "Copy v1"
    decide(api, contractor, request["id"], expect=403)  # contractors never decide in the API
    with pytest.raises(Forbidden) as refused:  # and the workflow refuses their own work anyway
        services.decide(db, db.get(ApprovalRequest, request["id"]), contractor, "approve")
    assert refused.value.code == "own_work"
    db.rollback()
    again = api.post(f"/submissions/{sub.id}/approval-requests", as_=world.manager, json={})
    assert again.status_code == 409 and again.json["error"]["code"] == "already_in_approval"
    decide(api, scene.client2, request["id"])
    assert db.get(ApprovalRequest, request["id"]).status == "approved"
    decisions = db.scalars(select(ApprovalDecision)).all()
    assert [d.author_id for d in decisions] == [scene.client2.id]


def test_submission_must_be_the_latest_submitted_work(api, db, factory, scene):
    world = scene.world
    factory.approval_chain(world.client_a)
    offered = accepted_submission(factory, world.client_a, world.contractor, "x", state="accepted")
    resp = api.post(f"/submissions/{offered.id}/approval-requests", as_=world.manager, json={})
    assert resp.status_code == 409
    sub = accepted_submission(factory, world.client_a, world.contractor, "v1", state="submitted")
    from smmflow.assignments.models import Submission

    db.add(Submission(assignment_id=sub.assignment_id, number=2, text="v2"))
    db.commit()
    resp = api.post(f"/submissions/{sub.id}/approval-requests", as_=world.manager, json={})
    assert resp.status_code == 409 and resp.json["error"]["code"] == "superseded"
    assert api.post("/submissions/999999/approval-requests", as_=world.owner,
                    json={}).status_code == 404
