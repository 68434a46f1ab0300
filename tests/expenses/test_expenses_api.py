"""Expenses: manual kinds by hand, contractor fees only automatic."""

from __future__ import annotations

from sqlalchemy import func, select

from smmflow.audit.models import AuditEvent
from smmflow.expenses.models import Expense


def test_manager_records_lists_filters_and_deletes_manual_expenses(api, world, factory, db):
    a = world.client_a.id
    campaign = factory.campaign(world.client_a)
    resp = api.post(f"/clients/{a}/expenses", as_=world.manager,
                    json={"kind": "ad_spend", "amount_minor": 25_000, "incurred_on": "2026-02-03",
                          "campaign_id": campaign.id, "description": "Boosted reel"})
    assert resp.status_code == 201, resp.json
    ad = resp.json
    assert ad["currency"] == "EUR" and ad["client_id"] == a and ad["assignment_id"] is None
    tools = api.post(f"/clients/{a}/expenses", as_=world.owner,
                     json={"kind": "tools", "amount_minor": 1_500, "currency": "USD",
                           "incurred_on": "2026-03-01"}).json

    def ids(query=""):
        return [e["id"] for e in api.get(f"/clients/{a}/expenses{query}", as_=world.manager).json["items"]]

    assert ids() == [ad["id"], tools["id"]]
    assert ids("?kind=tools") == [tools["id"]]
    assert ids("?from=2026-02-10") == [tools["id"]]
    assert ids("?to=2026-02-03") == [ad["id"]]
    assert ids(f"?campaign_id={campaign.id}") == [ad["id"]]
    assert api.get(f"/expenses/{ad['id']}", as_=world.manager).json["amount_minor"] == 25_000

    assert api.delete(f"/expenses/{tools['id']}", as_=world.manager).status_code == 204
    assert ids() == [ad["id"]]
    actions = set(db.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "expense")))
    assert {"expense.add", "expense.remove"} <= actions


def test_contractor_fees_cannot_be_added_or_deleted_by_hand(api, world, factory, db):
    a = world.client_a.id
    resp = api.post(f"/clients/{a}/expenses", as_=world.manager,
                    json={"kind": "contractor_fee", "amount_minor": 100, "incurred_on": "2026-02-03"})
    assert resp.status_code == 422 and "kind" in resp.json["error"]["details"]["fields"]
    brief = factory.brief(world.client_a)
    assignment = factory.assignment(brief, world.contractor, state="done")
    fee = factory.expense(world.client_a, kind="contractor_fee", assignment_id=assignment.id)
    resp = api.delete(f"/expenses/{fee.id}", as_=world.owner)
    assert resp.status_code == 409 and resp.json["error"]["code"] == "automatic_expense"
    assert db.scalar(select(func.count()).select_from(Expense)) == 1


def test_bad_expenses_are_422_and_other_clients_are_refused(api, world, factory, db):
    a = world.client_a.id
    other_campaign = factory.campaign(world.client_b)
    cases = [({"kind": "ad_spend", "amount_minor": 0, "incurred_on": "2026-02-03"}, "amount_minor"),
             ({"kind": "ad_spend", "amount_minor": 1.5, "incurred_on": "2026-02-03"}, "amount_minor"),
             ({"kind": "ad_spend", "amount_minor": 10}, "incurred_on"),
             ({"kind": "ad_spend", "amount_minor": 10, "incurred_on": "2026-02-03",
               "currency": "eur"}, "currency"),
             ({"kind": "ad_spend", "amount_minor": 10, "incurred_on": "2026-02-03",
               "campaign_id": other_campaign.id}, "campaign_id"),
             ({"kind": "ad_spend", "amount_minor": 10, "incurred_on": "2026-02-03",
               "description": "x" * 501}, "description")]
    for body, field in cases:
        resp = api.post(f"/clients/{a}/expenses", as_=world.manager, json=body)
        assert resp.status_code == 422, (field, resp.json)
        assert field in resp.json["error"]["details"]["fields"], (field, resp.json)
    assert db.scalar(select(func.count()).select_from(Expense)) == 0
    spend = factory.expense(world.client_a)
    assert api.get(f"/expenses/{spend.id}", as_=world.other_manager).status_code == 403
    assert api.delete(f"/expenses/{spend.id}", as_=world.client_member).status_code == 403
    assert api.get(f"/clients/{a}/expenses", as_=world.contractor).status_code == 403
    assert api.get("/expenses/99999", as_=world.owner).status_code == 404
