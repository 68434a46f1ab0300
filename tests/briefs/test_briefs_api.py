"""Briefs: CRUD, who sees them, validation at the boundary."""

from __future__ import annotations

from sqlalchemy import func, select

from smmflow.audit.models import AuditEvent
from smmflow.briefs.models import Brief, TechSpecVersion


def _brief_body(**kw):
    return {"title": "Spring launch", "objective": "Awareness", "target_platforms": ["photonet"],
            "due_at": "2030-03-01T12:00:00+00:00"} | kw


def test_manager_creates_lists_edits_and_deletes_a_brief(api, world, db):
    a = world.client_a.id
    resp = api.post(f"/clients/{a}/briefs", as_=world.manager, json=_brief_body())
    assert resp.status_code == 201, resp.json
    brief = resp.json
    assert brief["client_id"] == a and brief["spec_version"] is None
    assert brief["target_platforms"] == ["photonet"]
    assert resp.headers["ETag"]

    listed = api.get(f"/clients/{a}/briefs", as_=world.manager).json
    assert [b["id"] for b in listed["items"]] == [brief["id"]]

    stale = api.patch(f"/briefs/{brief['id']}", as_=world.manager, json={"title": "New"},
                      headers={"If-Match": '"briefs-0-v0"'})
    assert stale.status_code == 409
    resp = api.patch(f"/briefs/{brief['id']}", as_=world.manager, json={"title": "New"},
                     headers={"If-Match": resp.headers["ETag"]})
    assert resp.status_code == 200 and resp.json["title"] == "New"

    actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "brief")))
    assert {"brief.add", "brief.edit"} <= actions

    spec = {"deliverables": [{"key": "caption", "kind": "text", "role": "copywriter"}]}
    assert api.put(f"/briefs/{brief['id']}/spec", as_=world.manager, json=spec).status_code == 201
    assert api.delete(f"/briefs/{brief['id']}", as_=world.owner).status_code == 204
    assert db.scalar(select(func.count()).select_from(Brief)) == 0
    assert db.scalar(select(func.count()).select_from(TechSpecVersion)) == 0


def test_other_clients_managers_and_client_members_see_nothing(api, world, factory):
    brief = factory.brief(world.client_a)
    for user in (world.other_manager, world.client_member, world.moderator):
        assert api.get(f"/briefs/{brief.id}", as_=user).status_code == 403
        assert api.get(f"/briefs/{brief.id}/spec", as_=user).status_code == 403
    assert api.get("/briefs/99999", as_=world.manager).status_code == 404


def test_contractor_sees_only_briefs_of_their_assignments(api, world, factory):
    mine = factory.brief(world.client_a)
    other = factory.brief(world.client_a)
    factory.assignment(mine, world.contractor)
    stranger = factory.contractor()
    factory.assignment(other, stranger)
    assert api.get(f"/briefs/{mine.id}", as_=world.contractor).status_code == 200
    assert api.get(f"/briefs/{mine.id}/spec", as_=world.contractor).status_code == 200
    assert api.get(f"/briefs/{other.id}", as_=world.contractor).status_code == 403
    assert api.get(f"/briefs/{other.id}/spec", as_=world.contractor).status_code == 403
    assert api.get(f"/clients/{world.client_a.id}/briefs", as_=world.contractor).status_code == 403
    assert api.patch(f"/briefs/{mine.id}", as_=world.contractor, json={"title": "x"}).status_code == 403


def test_unknown_platform_and_foreign_campaign_are_422_and_store_nothing(api, world, factory, db):
    a = world.client_a.id
    resp = api.post(f"/clients/{a}/briefs", as_=world.manager,
                    json=_brief_body(target_platforms=["myspace"]))
    assert resp.status_code == 422
    assert "target_platforms" in resp.json["error"]["details"]["fields"]
    assert "myspace" in resp.json["error"]["message"]

    foreign = factory.campaign(world.client_b)
    resp = api.post(f"/clients/{a}/briefs", as_=world.manager, json=_brief_body(campaign_id=foreign.id))
    assert resp.status_code == 422
    assert "campaign_id" in resp.json["error"]["details"]["fields"]

    resp = api.post(f"/clients/{a}/briefs", as_=world.manager,
                    json=_brief_body(due_at="2030-03-01T12:00:00"))  # naive time
    assert resp.status_code == 422 and "due_at" in resp.json["error"]["details"]["fields"]
    resp = api.post(f"/clients/{a}/briefs", as_=world.manager, json=_brief_body(budget=5))
    assert resp.status_code == 422 and "budget" in resp.json["error"]["details"]["fields"]
    assert db.scalar(select(func.count()).select_from(Brief)) == 0


def test_brief_with_assignments_cannot_be_deleted(api, world, factory):
    for state in ("accepted", "cancelled"):
        brief = factory.brief(world.client_a)
        factory.assignment(brief, world.contractor, state=state)
        resp = api.delete(f"/briefs/{brief.id}", as_=world.manager)
        assert resp.status_code == 409 and resp.json["error"]["code"] == "brief_in_use"
