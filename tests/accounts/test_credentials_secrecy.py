"""Social account credentials never leave the vault: no response, no log line, no OpenAPI example."""

from __future__ import annotations

import json
import logging

from smmflow.accounts.models import SocialAccount

SECRET = "tg-SECRET-7f3a9c21-do-not-leak"


def test_credentials_are_write_only_and_encrypted(api, world, db, caplog):
    caplog.set_level(logging.DEBUG)
    manager = world.manager
    created = api.post(f"/clients/{world.client_a.id}/accounts", as_=manager,
                       json={"platform": "telegram", "handle": "acme_tg",
                             "credentials": {"bot_token": SECRET}})
    assert created.status_code == 201, created.json
    account_id = created.json["id"]
    assert created.json["has_credentials"] is True
    responses = [
        created,
        api.get(f"/social-accounts/{account_id}", as_=manager),
        api.get(f"/clients/{world.client_a.id}/accounts", as_=manager),
        api.patch(f"/social-accounts/{account_id}", as_=manager,
                  json={"credentials": {"bot_token": SECRET + "-2"}}),
        api.get("/audit-events", as_=world.owner),
        api.get("/openapi.json"),
    ]
    for resp in responses:
        assert resp.status_code == 200 or resp.status_code == 201, resp.json
        assert SECRET not in resp.get_data(as_text=True)
    assert SECRET not in caplog.text
    row = db.get(SocialAccount, account_id)
    assert SECRET.encode() not in row.credentials_encrypted
    vault = api.app.extensions["smmflow"].vault
    assert vault.decrypt(row.credentials_encrypted) == {"bot_token": SECRET + "-2"}


def test_vault_repr_and_account_repr_hide_secrets(app):
    from smmflow.plugin_api import Account

    vault = app.extensions["smmflow"].vault
    assert "key" not in repr(vault).lower() or "hidden" in repr(vault)
    account = Account(id=1, platform="telegram", handle="x", external_id=None,
                      credentials={"bot_token": SECRET})
    assert SECRET not in repr(account)


def test_competitor_accounts_take_no_credentials(api, world):
    resp = api.post(f"/clients/{world.client_a.id}/accounts", as_=world.manager,
                    json={"platform": "vk", "handle": "rival", "is_competitor": True,
                          "credentials": {"access_token": "x"}})
    assert resp.status_code == 422
    assert "credentials" in resp.json["error"]["details"]["fields"]


def test_openapi_examples_hold_no_credentials(app):
    doc = json.dumps(app.test_client().get("/api/v1/openapi.json").json)
    assert "bot_token" not in doc and "access_token" not in doc
