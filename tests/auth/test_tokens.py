from __future__ import annotations

from smmflow.auth.models import ApiToken
from smmflow.testing.factories import PASSWORD


def test_login_returns_token_once_and_it_authenticates(api, factory, db):
    user = factory.owner(email="boss@example.test")
    resp = api.post("/auth/tokens", json={"email": "boss@example.test", "password": PASSWORD})
    assert resp.status_code == 201, resp.json
    token = resp.json["token"]
    assert token.startswith("smf_")
    stored = db.query(ApiToken).one()
    assert token not in (stored.token_hash, stored.prefix)
    me = api.client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json["id"] == user.id
    listing = api.get("/auth/tokens", as_=user)
    assert all("token" not in item for item in listing.json["items"])


def test_wrong_password_is_401_with_envelope(api, factory):
    factory.owner(email="boss@example.test")
    resp = api.post("/auth/tokens", json={"email": "boss@example.test", "password": "nope"})
    assert resp.status_code == 401
    assert resp.json["error"]["code"] == "unauthorized"
    assert set(resp.json["error"]) == {"code", "message", "details"}


def test_login_attempts_are_rate_limited(make_app, factory):
    app = make_app(login_rate_limit="3 per minute")
    client = app.test_client()
    for _ in range(3):
        assert client.post("/api/v1/auth/tokens",
                           json={"email": "x@example.test", "password": "bad"}).status_code == 401
    resp = client.post("/api/v1/auth/tokens", json={"email": "x@example.test", "password": "bad"})
    assert resp.status_code == 429
    assert int(resp.headers["Retry-After"]) >= 1
    assert resp.json["error"]["code"] == "rate_limited"


def test_revoked_token_is_refused(api, factory):
    user = factory.owner()
    token = api.token_for(user)
    token_id = api.get("/auth/tokens", as_=user).json["items"][0]["id"]
    assert api.delete(f"/auth/tokens/{token_id}", as_=user).status_code == 204
    resp = api.client.get("/api/v1/users/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401


def test_garbage_token_is_401(api):
    resp = api.client.get("/api/v1/users/me", headers={"Authorization": "Bearer smf_nope"})
    assert resp.status_code == 401
    assert resp.headers["WWW-Authenticate"].startswith("Bearer")
