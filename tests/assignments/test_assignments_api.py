"""Assignments through the API: offers, every transition, 409/403 rules, fees as expenses, events."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from smmflow.audit.models import AuditEvent
from smmflow.expenses.models import Expense
from tests.assignments.helpers import TEXT_DELIVERABLE

GOOD_TEXT = "Meet the new Acme kettle: boils in a minute, looks great. #acme #kitchen"


def _setup(api, world, factory):
    brief = factory.brief(world.client_a, deliverables=[TEXT_DELIVERABLE],
                          target_platforms=["textnet"], title="Kettle launch")
    due = (dt.datetime.now(dt.UTC) + dt.timedelta(days=5)).isoformat()
    resp = api.post(f"/briefs/{brief.id}/assignments", as_=world.manager,
                    json={"contractor_id": world.contractor.id, "deliverable_key": "caption",
                          "due_at": due})
    assert resp.status_code == 201, resp.json
    return brief, resp.json


def test_offer_defaults_and_validation(api, world, factory):
    brief, offer = _setup(api, world, factory)
    assert offer["state"] == "offered" and offer["fee_minor"] == 5000  # the contractor's text rate
    assert offer["currency"] == "EUR" and offer["spec_version"] == 1
    assert offer["deliverable"]["effective"]["max_length"] == {"value": 400, "source": "spec"}
    assert offer["allowed_actions"] == ["cancel"]  # as the manager sees it
    assert api.get(f"/assignments/{offer['id']}", as_=world.contractor).json["allowed_actions"] == \
        ["accept", "decline"]

    base = {"contractor_id": world.contractor.id, "deliverable_key": "caption",
            "due_at": "2031-01-01T00:00:00+00:00"}
    dup = api.post(f"/briefs/{brief.id}/assignments", as_=world.manager, json=base)
    assert dup.status_code == 409 and dup.json["error"]["code"] == "duplicate"
    cases = [({**base, "deliverable_key": "nope"}, "deliverable_key"),
             ({**base, "contractor_id": world.manager.id}, "contractor_id"),
             ({**base, "due_at": "2001-01-01T00:00:00+00:00"}, "due_at"),
             ({**base, "fee_minor": -5}, "fee_minor"),
             ({**base, "currency": "euro"}, "currency")]
    for body, field in cases:
        resp = api.post(f"/briefs/{brief.id}/assignments", as_=world.manager, json=body)
        assert resp.status_code == 422, (field, resp.json)
        assert field in resp.json["error"]["details"]["fields"], (field, resp.json)
    designer = factory.contractor(skills=["designer"])
    resp = api.post(f"/briefs/{brief.id}/assignments", as_=world.manager,
                    json={**base, "contractor_id": designer.id})
    assert resp.status_code == 422 and "copywriter" in resp.json["error"]["message"]
    bare = api.post(f"/clients/{world.client_a.id}/briefs", as_=world.manager,
                    json={"title": "No spec yet"}).json
    resp = api.post(f"/briefs/{bare['id']}/assignments", as_=world.manager, json=base)
    assert resp.status_code == 409 and resp.json["error"]["code"] == "no_spec"
    assert api.post(f"/briefs/{brief.id}/assignments", as_=world.other_manager,
                    json=base).status_code == 403


def test_happy_path_records_fee_expense_audit_and_events(api, world, factory, db, recorder):
    _brief, offer = _setup(api, world, factory)
    aid = offer["id"]
    assert api.post(f"/assignments/{aid}/accept", as_=world.contractor).json["state"] == "accepted"
    sub = api.post(f"/assignments/{aid}/submit", as_=world.contractor,
                   json={"text": "Buy cheap stuff", "note": "draft"})
    assert sub.status_code == 201, sub.json
    assert sub.json["check_passed"] is False
    failed = {r["requirement"]: r for r in sub.json["check_result"] if not r["passed"]}
    assert set(failed) >= {"min_length", "required_words", "forbidden_words", "min_hashtags",
                           "required_hashtags"}
    assert failed["forbidden_words"]["reason"] == "Remove: cheap."
    assert failed["required_words"]["reason"] == "Missing: Acme."

    revised = api.post(f"/assignments/{aid}/request-revision", as_=world.manager,
                       json={"comment": "Mention Acme, no 'cheap'."})
    assert revised.status_code == 200 and revised.json["state"] == "revision_requested"
    assert revised.json["revision_rounds"] == 1
    subs = api.get(f"/assignments/{aid}/submissions", as_=world.contractor).json
    assert subs[0]["feedback"] == "Mention Acme, no 'cheap'."

    # submit is illegal now (resubmit is the action): 409 with state and allowed actions
    wrong = api.post(f"/assignments/{aid}/submit", as_=world.contractor, json={"text": GOOD_TEXT})
    assert wrong.status_code == 409
    assert wrong.json["error"]["details"]["state"] == "revision_requested"
    assert wrong.json["error"]["details"]["allowed_actions"] == ["resubmit"]
    again = api.post(f"/assignments/{aid}/resubmit", as_=world.contractor, json={"text": GOOD_TEXT})
    assert again.status_code == 201 and again.json["check_passed"] is True
    assert again.json["number"] == 2
    assert all(r["passed"] for r in again.json["check_result"])
    # the manager sees the same check result
    seen = api.get(f"/submissions/{again.json['id']}", as_=world.manager).json
    assert seen["check_result"] == again.json["check_result"]

    done = api.post(f"/assignments/{aid}/accept-work", as_=world.manager)
    assert done.status_code == 200 and done.json["state"] == "done"
    assert done.json["allowed_actions"] == []
    expense = db.scalar(select(Expense).where(Expense.assignment_id == aid))
    assert expense.kind == "contractor_fee" and expense.amount_minor == 5000
    assert expense.currency == "EUR" and expense.client_id == world.client_a.id
    listed = api.get(f"/clients/{world.client_a.id}/expenses", as_=world.manager).json["items"]
    assert [e["kind"] for e in listed] == ["contractor_fee"]
    # accepting twice is illegal and never records a second fee
    assert api.post(f"/assignments/{aid}/accept-work", as_=world.manager).status_code == 409
    assert api.post(f"/assignments/{aid}/cancel", as_=world.manager, json={}).status_code == 409
    assert db.scalar(select(func.count()).select_from(Expense)) == 1

    actions = list(db.scalars(select(AuditEvent.action).where(
        AuditEvent.object_type == "assignment", AuditEvent.object_id == str(aid),
        AuditEvent.action.not_in(["assignment.create", "assignment.update"])).order_by(AuditEvent.id)))
    assert actions == ["assignment.offer", "assignment.accept", "assignment.submit",
                       "assignment.request_revision", "assignment.resubmit", "assignment.accept_work"]
    assert db.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "expense.record_fee")) == 1

    changes = [(e["old_state"], e["new_state"]) for n, e in recorder.events
               if n == "on_assignment_changed"]
    assert changes == [("offered", "accepted"), ("accepted", "submitted"),
                       ("submitted", "revision_requested"), ("revision_requested", "submitted"),
                       ("submitted", "done")]
    assert recorder.names().count("on_assignment_offered") == 1
    received = [e["check_passed"] for n, e in recorder.events if n == "on_submission_received"]
    assert received == [False, True]


def test_decline_needs_a_reason_and_is_final(api, world, factory):
    _brief, offer = _setup(api, world, factory)
    aid = offer["id"]
    missing = api.post(f"/assignments/{aid}/decline", as_=world.contractor, json={})
    assert missing.status_code == 422 and "reason" in missing.json["error"]["details"]["fields"]
    resp = api.post(f"/assignments/{aid}/decline", as_=world.contractor, json={"reason": "Too busy"})
    assert resp.status_code == 200 and resp.json["state"] == "declined"
    assert resp.json["decline_reason"] == "Too busy"
    for action in ("accept", "decline"):
        resp = api.post(f"/assignments/{aid}/{action}", as_=world.contractor, json={"reason": "x"})
        assert resp.status_code == 409
        assert resp.json["error"]["details"] == {
            "state": "declined", "action": action, "allowed_actions": [],
            "pending_acknowledgement": False}
    assert api.post(f"/assignments/{aid}/cancel", as_=world.manager, json={}).status_code == 409


def test_sides_cannot_take_each_others_actions(api, world, factory):
    _brief, offer = _setup(api, world, factory)
    aid = offer["id"]
    assert api.post(f"/assignments/{aid}/accept", as_=world.manager).status_code == 403
    assert api.post(f"/assignments/{aid}/accept", as_=world.owner).status_code == 403
    assert api.post(f"/assignments/{aid}/cancel", as_=world.contractor, json={}).status_code == 403
    stranger = factory.contractor()
    assert api.post(f"/assignments/{aid}/accept", as_=stranger).status_code == 403
    assert api.get(f"/assignments/{aid}", as_=stranger).status_code == 403
    assert api.get(f"/assignments/{aid}", as_=world.other_manager).status_code == 403
    assert api.get(f"/assignments/{aid}", as_=world.client_member).status_code == 403
    assert api.post(f"/assignments/{aid}/cancel", as_=world.owner, json={"reason": "Budget"}).json[
        "state"] == "cancelled"


def test_lists_are_scoped_to_what_each_principal_may_see(api, world, factory):
    mine_brief = factory.brief(world.client_a)
    mine = factory.assignment(mine_brief, world.contractor)
    stranger = factory.contractor()
    theirs = factory.assignment(mine_brief, stranger, state="accepted")
    b_brief = factory.brief(world.client_b)
    other = factory.assignment(b_brief, stranger)

    def ids(user, query=""):
        resp = api.get(f"/assignments{query}", as_=user)
        assert resp.status_code == 200, resp.json
        return [a["id"] for a in resp.json["items"]]

    assert ids(world.contractor) == [mine.id]
    assert ids(world.manager) == [mine.id, theirs.id]
    assert ids(world.other_manager) == [other.id]
    assert ids(world.owner) == [mine.id, theirs.id, other.id]
    assert ids(world.owner, "?state=accepted") == [theirs.id]
    assert ids(world.owner, f"?client_id={world.client_b.id}") == [other.id]
    assert api.get("/assignments", as_=world.client_member).status_code == 403
    brief_list = api.get(f"/briefs/{mine_brief.id}/assignments", as_=world.manager).json
    assert [a["id"] for a in brief_list] == [mine.id, theirs.id]


def test_overdue_is_derived_and_filterable(api, world, factory):
    brief = factory.brief(world.client_a)
    past = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    late = factory.assignment(brief, world.contractor, state="accepted", due_at=past)
    handed_in = factory.assignment(factory.brief(world.client_a), world.contractor,
                                   state="submitted", due_at=past)
    on_track = factory.assignment(factory.brief(world.client_a), world.contractor, state="accepted")
    assert api.get(f"/assignments/{late.id}", as_=world.manager).json["overdue"] is True
    assert api.get(f"/assignments/{handed_in.id}", as_=world.manager).json["overdue"] is False
    got = api.get("/assignments?overdue=true", as_=world.manager).json["items"]
    assert [a["id"] for a in got] == [late.id]
    got = api.get("/assignments?overdue=false", as_=world.manager).json["items"]
    assert [a["id"] for a in got] == [handed_in.id, on_track.id]


def test_due_date_and_fee_edits(api, world, factory):
    _brief, offer = _setup(api, world, factory)
    aid = offer["id"]
    later = (dt.datetime.now(dt.UTC) + dt.timedelta(days=9)).isoformat()
    resp = api.patch(f"/assignments/{aid}", as_=world.manager, json={"fee_minor": 7000})
    assert resp.status_code == 200 and resp.json["fee_minor"] == 7000
    stale = api.patch(f"/assignments/{aid}", as_=world.manager, json={"fee_minor": 1},
                      headers={"If-Match": f'"assignments-{aid}-v1"'})
    assert stale.status_code == 409
    api.post(f"/assignments/{aid}/accept", as_=world.contractor)
    refused = api.patch(f"/assignments/{aid}", as_=world.manager, json={"fee_minor": 1})
    assert refused.status_code == 409 and refused.json["error"]["code"] == "fee_agreed"
    moved = api.patch(f"/assignments/{aid}", as_=world.manager, json={"due_at": later})
    assert moved.status_code == 200
    assert api.patch(f"/assignments/{aid}", as_=world.contractor, json={"due_at": later}).status_code == 403
