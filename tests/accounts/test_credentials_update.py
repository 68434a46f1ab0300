"""Replacing an account's credentials keeps the webhook secret smmflow generated for it."""

from __future__ import annotations

from smmflow.accounts.models import SocialAccount
from smmflow.plugin_api import WEBHOOK_SECRET_KEY

HOOK_SECRET = "generated-by-smmflow_0123456789abcdef"


def _stored(api, db, account_id: int) -> dict | None:
    db.expire_all()
    row = db.get(SocialAccount, account_id)
    if row.credentials_encrypted is None:
        return None
    return api.app.extensions["smmflow"].vault.decrypt(row.credentials_encrypted)


def test_new_credentials_keep_the_stored_webhook_secret(api, world, factory, db):
    account = factory.account(world.client_a, "telegram", credentials={
        "bot_token": "1:old", "chat_id": "@acme", WEBHOOK_SECRET_KEY: HOOK_SECRET})

    resp = api.patch(f"/social-accounts/{account.id}", as_=world.manager,
                     json={"credentials": {"bot_token": "1:new", "chat_id": "@acme"}})
    assert resp.status_code == 200, resp.json
    assert _stored(api, db, account.id) == {"bot_token": "1:new", "chat_id": "@acme",
                                            WEBHOOK_SECRET_KEY: HOOK_SECRET}
    assert HOOK_SECRET not in resp.get_data(as_text=True)

    # credentials naming the secret set it; an empty one removes it
    api.patch(f"/social-accounts/{account.id}", as_=world.manager,
              json={"credentials": {"bot_token": "1:new", WEBHOOK_SECRET_KEY: "chosen"}})
    assert _stored(api, db, account.id) == {"bot_token": "1:new", WEBHOOK_SECRET_KEY: "chosen"}
    api.patch(f"/social-accounts/{account.id}", as_=world.manager,
              json={"credentials": {"bot_token": "1:newer", WEBHOOK_SECRET_KEY: ""}})
    assert _stored(api, db, account.id) == {"bot_token": "1:newer"}
    api.patch(f"/social-accounts/{account.id}", as_=world.manager,
              json={"credentials": {"bot_token": "1:newest"}})
    assert _stored(api, db, account.id) == {"bot_token": "1:newest"}   # nothing to keep


def test_clearing_the_credentials_clears_the_secret_too(api, world, factory, db):
    account = factory.account(world.client_a, "telegram", credentials={
        "bot_token": "1:old", WEBHOOK_SECRET_KEY: HOOK_SECRET})
    resp = api.patch(f"/social-accounts/{account.id}", as_=world.manager,
                     json={"credentials": None})
    assert resp.status_code == 200 and resp.json["has_credentials"] is False
    assert _stored(api, db, account.id) is None
