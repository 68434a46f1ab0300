"""Web UI login: session cookie, CSRF on every form, safe redirects."""

from __future__ import annotations

import re

from smmflow.testing.factories import PASSWORD

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _csrf(page: str) -> str:
    match = CSRF.search(page)
    assert match, "form without CSRF token"
    return match.group(1)


def test_login_requires_csrf_and_then_opens_a_session(app, factory):
    factory.owner(email="boss@example.test")
    client = app.test_client()
    assert client.get("/").status_code == 302
    no_token = client.post("/login", data={"email": "boss@example.test", "password": PASSWORD})
    assert no_token.status_code == 400
    token = _csrf(client.get("/login").get_data(as_text=True))
    ok = client.post("/login", data={"email": "boss@example.test", "password": PASSWORD,
                                     "csrf_token": token})
    assert ok.status_code == 302
    home = client.get("/")
    assert home.status_code == 200
    assert "Clients" in home.get_data(as_text=True)


def test_wrong_password_shows_error_and_no_session(app, factory):
    factory.owner(email="boss@example.test")
    client = app.test_client()
    token = _csrf(client.get("/login").get_data(as_text=True))
    resp = client.post("/login", data={"email": "boss@example.test", "password": "wrong-one",
                                       "csrf_token": token})
    assert resp.status_code == 401
    assert "Wrong e-mail or password" in resp.get_data(as_text=True)
    assert client.get("/").status_code == 302


def test_open_redirect_is_refused(app, factory):
    factory.owner(email="boss@example.test")
    client = app.test_client()
    token = _csrf(client.get("/login").get_data(as_text=True))
    resp = client.post("/login?next=https://evil.example/", data={
        "email": "boss@example.test", "password": PASSWORD, "csrf_token": token})
    assert resp.status_code == 302
    assert resp.location == "/"


def test_logout_needs_csrf(app, factory):
    factory.owner(email="boss@example.test")
    client = app.test_client()
    token = _csrf(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": "boss@example.test", "password": PASSWORD,
                                "csrf_token": token})
    assert client.post("/logout").status_code == 400
    home_token = _csrf(client.get("/").get_data(as_text=True))
    assert client.post("/logout", data={"csrf_token": home_token}).status_code == 302
    assert client.get("/").status_code == 302


def test_api_ignores_session_cookie(app, factory):
    factory.owner(email="boss@example.test")
    client = app.test_client()
    token = _csrf(client.get("/login").get_data(as_text=True))
    client.post("/login", data={"email": "boss@example.test", "password": PASSWORD,
                                "csrf_token": token})
    assert client.get("/api/v1/users/me").status_code == 401
