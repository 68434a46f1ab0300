"""Report amounts are written with the decimals of their currency, in the HTML and the CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest

from smmflow.budgets.models import Revenue
from smmflow.expenses.models import Expense

PERIOD = {"period": "custom", "starts_on": "2026-01-01", "ends_on": "2026-01-31"}


def _report(api, db, world, currency: str, expenses: list[tuple[str, int, str]]):
    client = world.client_a
    client.currency = currency
    db.add_all([Expense(client_id=client.id, kind=kind, amount_minor=amount, currency=cur,
                        incurred_on=dt.date(2026, 1, 15)) for kind, amount, cur in expenses])
    db.add(Revenue(client_id=client.id, amount_minor=100_000, currency=currency,
                   received_on=dt.date(2026, 1, 20)))
    db.commit()
    resp = api.post(f"/clients/{client.id}/reports", as_=world.manager, json=PERIOD)
    assert resp.status_code == 201, resp.json
    report_id = resp.json["id"]
    page = api.get(f"/reports/{report_id}/html", as_=world.client_member).get_data(as_text=True)
    raw = api.get(f"/reports/{report_id}/csv", as_=world.client_member).get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(raw)))
    return page, {(r["section"], r["subject"], r["metric"]): r["value"] for r in rows}


def _kpi(page: str, key: str) -> str:
    match = re.search(rf'data-kpi="{key}"><td>[^<]*</td><td class="num">([^<]*)<', page)
    assert match, key
    return match.group(1)


@pytest.mark.parametrize(("currency", "spend", "revenue", "pie"), [
    ("JPY", "12,345 JPY", "100,000 JPY", "12345"),
    ("EUR", "123.45 EUR", "1,000.00 EUR", "123.45"),
    ("KWD", "12.345 KWD", "100.000 KWD", "12.345"),
])
def test_spend_and_revenue_in_the_clients_currency(api, db, world, currency, spend, revenue,
                                                   pie):
    page, table = _report(api, db, world, currency, [("ad_spend", 12_345, currency)])
    assert _kpi(page, "spend_minor") == table[("kpi", "total", "spend_minor")] == spend
    assert _kpi(page, "revenue_minor") == table[("kpi", "total", "revenue_minor")] == revenue
    assert table[("spend", "ad_spend", "amount_minor")] == spend
    assert f'<td>ad_spend</td><td class="num">{spend}</td>' in page
    spend_chart = page.split('<table id="spend">')[0].rsplit("<h2>Spend</h2>", 1)[1]
    assert re.findall(r'<desc class="value">([^<]*)</desc>', spend_chart) == [pie]  # major units
    # the CSV keeps its columns and one value per figure
    assert set(table) >= {("kpi", "total", "spend_minor"), ("spend", "ad_spend", "amount_minor")}


def test_a_spend_row_in_another_currency_has_that_currencys_decimals(api, db, world):
    page, table = _report(api, db, world, "EUR", [("tools", 12_345, "JPY")])
    assert table[("spend", "tools (JPY)", "amount_minor")] == "12,345 JPY"
    assert '<td>tools (JPY)</td><td class="num">12,345 JPY</td>' in page


def test_other_currencies_are_listed_apart_and_never_added_to_totals(api, db, world):
    page, table = _report(api, db, world, "EUR", [("tools", 12_345, "JPY"),
                                                  ("tools", 2_000, "EUR"),
                                                  ("ad_spend", 5_000, "EUR")])
    # 20.00 + 50.00 EUR; the 12,345 JPY are not "123.45 EUR"
    assert _kpi(page, "spend_minor") == table[("kpi", "total", "spend_minor")] == "70.00 EUR"
    assert table[("spend", "tools", "amount_minor")] == "20.00 EUR"
    assert table[("spend", "tools (JPY)", "amount_minor")] == "12,345 JPY"
    spend_chart = page.split('<table id="spend">')[0].rsplit("<h2>Spend</h2>", 1)[1]
    assert sorted(re.findall(r'<desc class="value">([^<]*)</desc>', spend_chart)) == ["20", "50"]


def test_contractor_fees_are_kept_per_currency(api, db, world, factory):
    brief = factory.brief(world.client_a)
    done = dt.datetime(2026, 1, 10, 12, tzinfo=dt.UTC)
    for fee, currency in ((5_000, "EUR"), (2_500, "EUR"), (30_000, "JPY")):
        factory.assignment(brief, world.contractor, state="done", fee_minor=fee, currency=currency,
                           done_at=done, due_at=done + dt.timedelta(days=1))
    page, table = _report(api, db, world, "EUR", [])
    name = world.contractor.name
    assert table[("contractor", name, "fees_minor")] == "75.00 EUR"
    assert table[("contractor", name, "done")] == "2"
    assert table[("contractor", f"{name} (JPY)", "fees_minor")] == "30,000 JPY"
    assert f"<td>{name} (JPY)</td>" in page and "30,000 JPY" in page
