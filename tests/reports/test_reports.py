"""Reports: figures computed in SQL, HTML with inline SVG, CSV with the same figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from sqlalchemy import event

from smmflow.reports import data as report_data
from tests.reports.conftest import JAN, seed_posts

PERIOD = {"period": "custom", "starts_on": "2026-01-01", "ends_on": "2026-01-31"}


def test_monthly_figures(api, report_world):
    w = report_world
    resp = api.post(f"/clients/{w.client_a.id}/reports", as_=w.manager, json=PERIOD)
    assert resp.status_code == 201, resp.json
    data = resp.json["data"]
    kpis = data["kpis"]
    assert kpis["posts"] == 6
    assert kpis["reach"] == 400                      # 4 Instagram posts x latest reach 100
    assert kpis["engagement"] == 4 * 14 + 2 * 6
    assert abs(kpis["er_by_reach"] - (4 * 14) / 400) < 1e-9   # Telegram (no reach) left out
    # ER by followers: engagement / followers at publish time, over posts that have both
    assert abs(kpis["er_by_followers"] - (4 * 14 + 2 * 6) / (4 * 1000 + 2 * 500)) < 1e-9
    assert kpis["follower_growth"] == 150
    assert kpis["spend_minor"] == 40_000             # the February tool is outside the period
    assert kpis["revenue_minor"] == 80_000
    assert abs(kpis["roi"] - 1.0) < 1e-9
    assert abs(kpis["cost_per_engagement_minor"] - 40_000 / 68) < 1e-9
    by_platform = {p["platform"]: p for p in data["platforms"]}
    assert by_platform["telegram"]["reach"] is None  # absent, never zero
    assert by_platform["telegram"]["er_by_reach"] is None
    assert by_platform["instagram"]["likes"] == 40
    assert len(data["top_posts"]) == 6 and data["top_posts"][0]["platform"] == "instagram"
    assert set(data["formulas"]) >= {"er_by_reach", "er_by_followers", "roi"}


def test_html_and_csv_hold_the_same_figures(api, report_world):
    w = report_world
    report = api.post(f"/clients/{w.client_a.id}/reports", as_=w.manager, json=PERIOD).json
    html = api.get(f"/reports/{report['id']}/html", as_=w.client_member)
    assert html.status_code == 200 and html.mimetype == "text/html"
    page = html.get_data(as_text=True)
    assert page.count("<svg") >= 2
    assert "<script" not in page
    assert "ER by reach = (likes + comments + shares + saves) / reach" in page
    raw = api.get(f"/reports/{report['id']}/csv", as_=w.client_member)
    assert raw.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(raw.get_data(as_text=True))))
    kpi_rows = [r for r in rows if r["section"] == "kpi"]
    assert len(kpi_rows) == 10
    for row in kpi_rows:
        match = re.search(rf'data-kpi="{row["metric"]}"><td>[^<]*</td><td class="num">([^<]*)<',
                          page)
        assert match, row["metric"]
        assert match.group(1) == row["value"], row["metric"]
    platform_rows = [r for r in rows if r["section"] == "platform" and r["metric"] == "reach"]
    assert {r["subject"]: r["value"] for r in platform_rows} == {"instagram": "400",
                                                                 "telegram": "n/a"}
    assert sum(1 for r in rows if r["section"] == "post" and r["metric"] == "reach") == 6


def test_query_count_does_not_grow_with_posts(app, db, factory):
    client = factory.client()
    account = factory.account(client, "instagram")
    engine = app.extensions["smmflow"].engine

    def count_queries(start, end):
        statements = []
        listener = lambda *a: statements.append(a[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            report_data.build(db, client, start, end)
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        return len(statements)

    seed_posts(db, client, account, 5)
    small = count_queries(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    seed_posts(db, client, account, 50, start=JAN + dt.timedelta(days=3))
    large = count_queries(dt.date(2026, 1, 1), dt.date(2026, 1, 31))
    assert small == large


def test_bad_period_names_the_field(api, world):
    resp = api.post(f"/clients/{world.client_a.id}/reports", as_=world.manager,
                    json={"period": "custom", "starts_on": "2026-02-01", "ends_on": "2026-01-01"})
    assert resp.status_code == 422
    assert "ends_on" in resp.json["error"]["details"]["fields"]


def test_week_and_month_periods_are_the_last_complete_ones():
    from smmflow.reports.services import period_bounds

    today = dt.date(2026, 11, 26)  # a Thursday
    assert period_bounds("week", today=today) == (dt.date(2026, 11, 16), dt.date(2026, 11, 22))
    assert period_bounds("month", today=today) == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
