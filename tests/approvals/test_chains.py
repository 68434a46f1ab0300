"""Approval chain templates: per client, ordered steps, approvers by role or named users."""

from __future__ import annotations

from sqlalchemy import select

from smmflow.approvals.models import ApprovalChain, ApprovalStep
from smmflow.audit.models import AuditEvent
from smmflow.clients.models import Client

STEPS = [
    {"name": "Manager review", "approver_role": "manager", "sla_hours": 4},
    {"name": "Client", "approver_role": "client", "mode": "all", "sla_hours": 24},
]


def test_owner_creates_a_default_chain(api, db, scene):
    world = scene.world
    resp = api.post(f"/clients/{world.client_a.id}/approval-chains", as_=world.owner,
                    json={"name": "Standard", "steps": STEPS, "is_default": True})
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert body["is_default"] is True
    assert [(s["position"], s["name"], s["mode"], s["sla_hours"]) for s in body["steps"]] == [
        (1, "Manager review", "any", 4), (2, "Client", "all", 24)]
    db.expire_all()
    assert db.get(Client, world.client_a.id).default_chain_id == body["id"]
    listed = api.get(f"/clients/{world.client_a.id}/approval-chains", as_=world.manager).json
    assert [c["id"] for c in listed["items"]] == [body["id"]]
    actions = set(db.scalars(select(AuditEvent.action)))
    assert "approval_chain.define" in actions


def test_named_approvers_must_be_members(api, db, factory, scene):
    world = scene.world
    url = f"/clients/{world.client_a.id}/approval-chains"
    ok = {"name": "Legal", "steps": [{"name": "Legal", "approver_user_ids": [
        world.client_member.id, world.owner.id]}]}
    assert api.post(url, as_=world.owner, json=ok).status_code == 201
    for stranger in (world.other_client, world.contractor):
        resp = api.post(url, as_=world.owner, json={"name": "Bad", "steps": [
            {"name": "Legal", "approver_user_ids": [stranger.id]}]})
        assert resp.status_code == 422
        assert "steps.0.approver_user_ids" in resp.json["error"]["details"]["fields"]
    assert len(db.scalars(select(ApprovalChain)).all()) == 1


def test_step_schema(api, scene):
    world = scene.world
    url = f"/clients/{world.client_a.id}/approval-chains"
    for steps in ([], [{"name": "No approvers"}], [{"name": "x", "approver_role": "ceo"}],
                  [{"name": "x", "approver_role": "client", "mode": "most"}],
                  [{"name": "x", "approver_role": "client", "sla_hours": 0}],
                  [{"approver_role": "client"}]):
        resp = api.post(url, as_=world.owner, json={"name": "C", "steps": steps})
        assert resp.status_code == 422, (steps, resp.json)
        assert "steps" in str(resp.json["error"]["details"]["fields"])


def test_update_replaces_steps_and_checks_if_match(api, db, factory, scene):
    world = scene.world
    chain = factory.approval_chain(world.client_a, STEPS)
    url = f"/approval-chains/{chain.id}"
    etag = api.get(url, as_=world.manager).headers["ETag"]
    resp = api.patch(url, as_=world.owner, headers={"If-Match": etag},
                     json={"name": "Short", "steps": [{"name": "Client", "approver_role": "client"}],
                           "is_default": False})
    assert resp.status_code == 200, resp.json
    assert resp.json["name"] == "Short" and len(resp.json["steps"]) == 1
    assert resp.json["is_default"] is False
    db.expire_all()
    assert [s.name for s in db.scalars(select(ApprovalStep))] == ["Client"]
    assert db.get(Client, world.client_a.id).default_chain_id is None
    resp = api.patch(url, as_=world.owner, headers={"If-Match": etag}, json={"name": "Stale"})
    assert resp.status_code == 409


def test_delete_chain_clears_the_default(api, db, factory, scene):
    world = scene.world
    chain = factory.approval_chain(world.client_a)
    assert api.delete(f"/approval-chains/{chain.id}", as_=world.manager).status_code == 403
    assert api.delete(f"/approval-chains/{chain.id}", as_=world.owner).status_code == 204
    db.expire_all()
    assert db.get(Client, world.client_a.id).default_chain_id is None
    assert db.scalar(select(ApprovalStep.id)) is None
