from __future__ import annotations

import datetime as dt

from smmflow import hookimpl
from smmflow.expenses.models import Expense
from tests.plugin_framework.hook_registry import exercises


class Alerts:
    def __init__(self) -> None:
        self.seen: list[int] = []

    @hookimpl
    def on_budget_threshold_crossed(self, client_id, threshold_percent, spent_minor,
                                    budget_minor):
        self.seen.append(threshold_percent)


@exercises("on_budget_threshold_crossed")
def test_budget_status_and_alerts_fire_once(make_app, run_jobs):
    alerts = Alerts()
    app = make_app(plugins=[alerts])
    from smmflow.db import open_session
    from smmflow.jobs.queues import enqueue
    from smmflow.testing.client import ApiClient
    from smmflow.testing.factories import Factory

    with open_session(app) as db:
        factory = Factory(app, db)
        api = ApiClient(app, factory)
        client = factory.client(monthly_budget_minor=100_000, timezone="UTC")
        manager = factory.member(client, "manager")
        today = dt.datetime.now(dt.UTC).date()
        db.add_all([Expense(client_id=client.id, kind="ad_spend", amount_minor=85_000,
                            currency="EUR", incurred_on=today)])
        db.commit()
        status = api.get(f"/clients/{client.id}/budget", as_=manager).json
        assert status["spent_minor"] == 85_000 and status["remaining_minor"] == 15_000
        assert status["percent_used"] == 85.0
        enqueue(app, "smmflow.budgets.jobs.check_budgets")
        run_jobs(app)
        enqueue(app, "smmflow.budgets.jobs.check_budgets")
        run_jobs(app)
        assert alerts.seen == [80]
        bad = api.get(f"/clients/{client.id}/budget?month=2026-13", as_=manager)
        assert bad.status_code == 422 and "month" in bad.json["error"]["details"]["fields"]


def test_revenue_must_use_client_currency(api, world):
    resp = api.post(f"/clients/{world.client_a.id}/revenues", as_=world.manager,
                    json={"amount_minor": 100, "currency": "USD", "received_on": "2026-01-02"})
    assert resp.status_code == 422 and "currency" in resp.json["error"]["details"]["fields"]
    ok = api.post(f"/clients/{world.client_a.id}/revenues", as_=world.manager,
                  json={"amount_minor": 100, "currency": "EUR", "received_on": "2026-01-02"})
    assert ok.status_code == 201
