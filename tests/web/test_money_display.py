"""Pages write amounts with the decimals of their currency (ISO 4217 minor units)."""

from __future__ import annotations

import re

import pytest

from smmflow.testing.factories import PASSWORD, Factory

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _page_as(app, user, path: str) -> str:
    """``path`` as ``user`` sees it after logging in through the login form."""
    browser = app.test_client()
    token = CSRF.search(browser.get("/login").get_data(as_text=True)).group(1)
    login = browser.post("/login", data={"email": user.email, "password": PASSWORD,
                                         "csrf_token": token})
    assert login.status_code == 302
    resp = browser.get(path)
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


@pytest.mark.parametrize(("currency", "shown"), [
    ("JPY", "12,345 JPY"), ("EUR", "123.45 EUR"), ("KWD", "12.345 KWD"),
])
def test_assignment_fee(app, world, factory: Factory, currency, shown):
    brief = factory.brief(world.client_a)
    assignment = factory.assignment(brief, world.contractor, fee_minor=12_345, currency=currency)
    page = _page_as(app, world.contractor, f"/assignments/{assignment.id}")
    assert f'<td class="fee">{shown}</td>' in page
