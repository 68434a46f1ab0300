"""Webhooks the networks push: routing, secret check, ingest through the inbox, registration.

The network is an in-process test platform (``hooknet``) whose payload is
``{"comments": [...], "deleted": [...], "answer": "..."}`` and whose secret
travels in ``X-Hook-Secret``; the real Telegram and VK receivers are tested
in their plugins against their fakes.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import socket
from typing import Any, ClassVar

import pytest
from sqlalchemy import func, select

from smmflow.accounts.models import SocialAccount
from smmflow.audit.models import AuditEvent
from smmflow.db import Base, open_session
from smmflow.inbox.models import InboxItem
from smmflow.plugin_api import (
    WEBHOOK_SECRET_KEY,
    Account,
    Capability,
    ContentRejected,
    InboxItemData,
    JobContext,
    Platform,
    WebhookRejected,
    WebhookRequest,
    WebhookResult,
    hookimpl,
    secrets_match,
)
from smmflow.testing.client import ApiClient
from smmflow.testing.factories import Factory
from smmflow.webhooks.services import MAX_BODY_BYTES

SECRET = "s3cret-Token_for-tests"
BASE_URL = "https://smm.example/base"


class HookNet(Platform):
    """A network that pushes comments with a secret header, and lets smmflow set the URL."""

    name: ClassVar[str] = "hooknet"
    display_name: ClassVar[str] = "Hook net"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({
        Capability.PUBLISH, Capability.MODERATE, Capability.WEBHOOK, Capability.REGISTER_WEBHOOK})
    moderation_actions: ClassVar[frozenset[str]] = frozenset({"hide"})

    def __init__(self) -> None:
        self.registered: list[tuple[int, str, str]] = []
        self.moderated: list[tuple[str, str]] = []
        self.refuse_url: str | None = None

    def receive_webhook(self, ctx: JobContext, account: Account,
                        request: WebhookRequest) -> WebhookResult:
        if not secrets_match(account.credentials.get(WEBHOOK_SECRET_KEY),
                             request.header("X-Hook-Secret")):
            raise WebhookRejected("missing or wrong X-Hook-Secret")
        body = request.json_object()
        items = tuple(InboxItemData(
            platform_id=c["id"], text=c["text"], author_id=c.get("author", "u1"),
            author_name="Reader", received_at=dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC))
            for c in body.get("comments", []))
        return WebhookResult(items=items, deleted=tuple(body.get("deleted", [])),
                             body=body.get("answer", "ok"))

    def register_webhook(self, ctx: JobContext, account: Account, url: str, secret: str) -> None:
        if self.refuse_url:
            raise ContentRejected(self.refuse_url)
        self.registered.append((account.id, url, secret))

    def moderate(self, ctx: JobContext, account: Account, item: InboxItemData,
                 action: str) -> None:
        self.moderated.append((item.platform_id, action))


class ManualNet(HookNet):
    """Pushes, but a person enters the URL in the network's settings (like VK)."""

    name: ClassVar[str] = "manualnet"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.PUBLISH,
                                                              Capability.WEBHOOK})


class PollNet(HookNet):
    """Declares no webhook: its comments are polled."""

    name: ClassVar[str] = "pollnet"
    capabilities: ClassVar[frozenset[Capability]] = frozenset({Capability.PUBLISH})


class Networks:
    __name__ = "webhook_test_networks"

    def __init__(self) -> None:
        self.hooknet, self.manualnet, self.pollnet = HookNet(), ManualNet(), PollNet()
        self.received: list[int] = []

    @hookimpl
    def register_platforms(self) -> list[Platform]:
        return [self.hooknet, self.manualnet, self.pollnet]

    @hookimpl
    def classify_comment(self, item: InboxItemData, client_id: int) -> list[str]:
        return ["question"] if "?" in item.text else []

    @hookimpl
    def on_inbox_item_received(self, item_id: int, client_id: int, platform: str) -> None:
        self.received.append(item_id)


@pytest.fixture
def networks() -> Networks:
    return Networks()


@pytest.fixture
def happ(make_app: Any, networks: Networks) -> Any:
    return make_app(plugins=[networks], base_url=BASE_URL)


@pytest.fixture
def hdb(happ: Any) -> Any:
    with open_session(happ) as session:
        yield session


@pytest.fixture
def hfactory(happ: Any, hdb: Any) -> Factory:
    return Factory(happ, hdb)


@pytest.fixture
def client(hfactory: Factory) -> Any:
    return hfactory.client(name="Acme", slug="acme")


@pytest.fixture
def account(hfactory: Factory, client: Any) -> SocialAccount:
    return hfactory.account(client, "hooknet", credentials={"token": "t-1",
                                                            WEBHOOK_SECRET_KEY: SECRET})


def _push(app: Any, platform: str, account_id: int, payload: Any, *, secret: str | None = SECRET,
          raw: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    hdrs = {"Content-Type": "application/json", **(headers or {})}
    if secret is not None:
        hdrs["X-Hook-Secret"] = secret
    body = raw if raw is not None else json.dumps(payload).encode()
    return app.test_client().post(f"/api/v1/webhooks/{platform}/{account_id}", data=body,
                                  headers=hdrs)


def _counts(db: Any) -> dict[str, int]:
    import smmflow.models  # noqa: F401

    db.rollback()
    return {t.name: db.scalar(select(func.count()).select_from(t))
            for t in Base.metadata.sorted_tables}


def _comment(cid: str, text: str, author: str = "u1") -> dict[str, str]:
    return {"id": cid, "text": text, "author": author}


# -- receiving ---------------------------------------------------------------------------------
def test_pushed_comments_are_stored_once_classified_and_ruled(happ, hdb, hfactory, client, account,
                                                              networks, run_jobs):
    manager = hfactory.member(client, "manager")
    api = ApiClient(happ, hfactory)
    assert api.post(f"/clients/{client.id}/moderation-rules", as_=manager, json={
        "name": "spam", "condition": "stop_words", "condition_value": ["casino"],
        "action": "hide"}).status_code == 201
    payload = {"comments": [_comment("c-1", "Win at the CASINO"), _comment("c-2", "Open today?")]}

    first = _push(happ, "hooknet", account.id, payload)
    assert first.status_code == 200, first.get_data(as_text=True)
    assert first.get_data(as_text=True) == "ok" and first.mimetype == "text/plain"
    again = _push(happ, "hooknet", account.id, payload)     # the network delivers twice
    assert again.status_code == 200

    hdb.expire_all()
    items = {i.platform_id: i for i in hdb.scalars(select(InboxItem))}
    assert set(items) == {"c-1", "c-2"}
    assert len(networks.received) == 2
    assert items["c-2"].labels == ["question"]
    assert items["c-1"].client_id == client.id and items["c-1"].platform == "hooknet"

    assert run_jobs(happ)      # the rule's hide runs as a job, on the network
    assert networks.hooknet.moderated == [("c-1", "hide")]
    hdb.expire_all()
    assert hdb.get(InboxItem, items["c-1"].id).status == "hidden"

    actions = list(hdb.scalars(select(AuditEvent.action).where(
        AuditEvent.action.in_(["webhook.received", "inbox.rules_applied", "inbox_item.create"]))))
    assert actions.count("webhook.received") == 1       # the repeat wrote nothing
    assert actions.count("inbox_item.create") == 2
    assert actions.count("inbox.rules_applied") == 1


@pytest.mark.parametrize("secret", [None, "", "wrong-secret", SECRET + "x", SECRET[:-1]])
def test_missing_or_wrong_secret_is_refused_and_writes_nothing(happ, hdb, account, networks,
                                                               secret):
    before = _counts(hdb)
    resp = _push(happ, "hooknet", account.id, {"comments": [_comment("c-1", "hi")]},
                 secret=secret)
    assert resp.status_code == 403
    assert resp.json["error"]["code"] == "forbidden"
    assert SECRET not in resp.get_data(as_text=True)
    assert _counts(hdb) == before
    assert networks.received == []


def test_an_account_without_a_secret_accepts_nothing(happ, hdb, hfactory, client):
    bare = hfactory.account(client, "hooknet", credentials={"token": "t-2"})
    before = _counts(hdb)
    assert _push(happ, "hooknet", bare.id, {"comments": [_comment("c-9", "hi")]},
                 secret="").status_code == 403
    assert _push(happ, "hooknet", bare.id, {"comments": []}, secret="anything").status_code == 403
    assert _counts(hdb) == before


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", "\u00e9".encode("latin-1")])
def test_unreadable_body_is_400_and_writes_nothing(happ, hdb, account, raw):
    before = _counts(hdb)
    resp = _push(happ, "hooknet", account.id, None, raw=raw)
    assert resp.status_code == 400 and resp.json["error"]["code"] == "bad_request"
    assert _counts(hdb) == before


def test_every_unknown_receiver_is_the_same_404(happ, hdb, hfactory, client, account):
    competitor = hfactory.account(client, "hooknet", is_competitor=True)
    disabled = hfactory.account(client, "hooknet", status="disabled",
                                credentials={WEBHOOK_SECRET_KEY: SECRET})
    polled = hfactory.account(client, "pollnet", credentials={WEBHOOK_SECRET_KEY: SECRET})
    unloaded = hfactory.account(client, "gonenet", credentials={WEBHOOK_SECRET_KEY: SECRET})
    before = _counts(hdb)
    answers = set()
    for platform, account_id in [("hooknet", 999_999), ("pollnet", account.id),
                                 ("hooknet", competitor.id), ("hooknet", disabled.id),
                                 ("pollnet", polled.id), ("gonenet", unloaded.id),
                                 ("manualnet", account.id)]:
        resp = _push(happ, platform, account_id, {"comments": [_comment("c-1", "hi")]})
        assert resp.status_code == 404, (platform, account_id)
        answers.add(resp.get_data(as_text=True))
    assert len(answers) == 1          # nothing tells one reason from another
    assert _counts(hdb) == before


def test_a_body_over_the_limit_is_refused(happ, hdb, account):
    before = _counts(hdb)
    huge = json.dumps({"comments": [_comment("c-1", "x" * MAX_BODY_BYTES)]}).encode()
    resp = _push(happ, "hooknet", account.id, None, raw=huge)
    assert resp.status_code == 413 and resp.json["error"]["code"] == "payload_too_large"
    assert _counts(hdb) == before


def test_the_plugins_answer_is_returned(happ, account):
    resp = _push(happ, "hooknet", account.id, {"answer": "3f9a1c"})
    assert resp.status_code == 200 and resp.get_data(as_text=True) == "3f9a1c"


def test_deleted_on_the_network_marks_the_stored_item(happ, hdb, account):
    _push(happ, "hooknet", account.id, {"comments": [_comment("c-1", "hi"), _comment("c-2", "yo")]})
    resp = _push(happ, "hooknet", account.id, {"deleted": ["c-1", "never-stored"]})
    assert resp.status_code == 200
    assert _push(happ, "hooknet", account.id, {"deleted": ["c-1"]}).status_code == 200
    hdb.expire_all()
    states = {i.platform_id: i.status for i in hdb.scalars(select(InboxItem))}
    assert states == {"c-1": "deleted", "c-2": "new"}
    deletions = hdb.scalars(select(AuditEvent).where(
        AuditEvent.action == "inbox.deleted_on_network")).all()
    assert len(deletions) == 1 and deletions[0].client_id == account.client_id


def test_a_bearer_token_is_not_needed_and_the_route_is_in_the_openapi_document(happ, account):
    doc = happ.test_client().get("/api/v1/openapi.json").json
    operation = doc["paths"]["/api/v1/webhooks/{platform}/{account_id}"]["post"]
    assert operation["security"] == []
    assert {"200", "400", "403", "404", "413"} <= set(operation["responses"])


# -- registering ---------------------------------------------------------------------------------
def test_manager_registers_the_webhook_and_the_secret_is_kept_hidden(happ, hdb, hfactory, client,
                                                                      networks, run_jobs):
    manager = hfactory.member(client, "manager")
    row = hfactory.account(client, "hooknet", credentials={"token": "t-3"})
    api = ApiClient(happ, hfactory)
    resp = api.post(f"/social-accounts/{row.id}/webhook", as_=manager)
    assert resp.status_code == 202, resp.json
    url = f"{BASE_URL}/api/v1/webhooks/hooknet/{row.id}"
    assert resp.json == {"url": url, "status": "queued"}
    assert run_jobs(happ)
    [(account_id, registered_url, secret)] = networks.hooknet.registered
    assert (account_id, registered_url) == (row.id, url)
    assert len(secret) >= 32 and secret.replace("-", "").replace("_", "").isalnum()

    hdb.expire_all()
    stored = happ.extensions["smmflow"].vault.decrypt(
        hdb.get(SocialAccount, row.id).credentials_encrypted)
    assert stored == {"token": "t-3", WEBHOOK_SECRET_KEY: secret}
    shown = api.get(f"/social-accounts/{row.id}", as_=manager)
    assert secret not in shown.get_data(as_text=True)
    events = hdb.scalars(select(AuditEvent).where(AuditEvent.object_id == str(row.id),
                                                  AuditEvent.action.like("webhook.%"))).all()
    assert [e.action for e in events] == ["webhook.register_requested", "webhook.registered"]
    assert secret not in json.dumps([e.details for e in events])

    # the network now pushes with that secret, and only that one
    assert _push(happ, "hooknet", row.id, {"comments": [_comment("c-7", "hi")]},
                 secret=secret).status_code == 200
    assert _push(happ, "hooknet", row.id, {"comments": []}, secret=SECRET).status_code == 403


def test_a_refused_registration_keeps_the_old_secret(happ, hdb, hfactory, client, account,
                                                     networks, run_jobs):
    manager = hfactory.member(client, "manager")
    networks.hooknet.refuse_url = "An HTTPS URL must be provided for webhook"
    api = ApiClient(happ, hfactory)
    assert api.post(f"/social-accounts/{account.id}/webhook", as_=manager).status_code == 202
    run_jobs(happ)
    hdb.expire_all()
    stored = happ.extensions["smmflow"].vault.decrypt(
        hdb.get(SocialAccount, account.id).credentials_encrypted)
    assert stored[WEBHOOK_SECRET_KEY] == SECRET
    failed = hdb.scalars(select(AuditEvent).where(
        AuditEvent.action == "webhook.register_failed")).one()
    assert failed.details["error"] == "An HTTPS URL must be provided for webhook"
    assert _push(happ, "hooknet", account.id, {"comments": []}).status_code == 200


def test_registration_where_the_network_cannot_be_told(happ, hfactory, client):
    manager = hfactory.member(client, "manager")
    api = ApiClient(happ, hfactory)
    manual = hfactory.account(client, "manualnet", credentials={"token": "t"})
    resp = api.post(f"/social-accounts/{manual.id}/webhook", as_=manager)
    assert resp.status_code == 409 and resp.json["error"]["code"] == "manual_setup"
    assert resp.json["error"]["details"]["url"] == f"{BASE_URL}/api/v1/webhooks/manualnet/{manual.id}"
    polled = hfactory.account(client, "pollnet", credentials={"token": "t"})
    competitor = hfactory.account(client, "hooknet", is_competitor=True)
    for row in (polled, competitor):
        resp = api.post(f"/social-accounts/{row.id}/webhook", as_=manager)
        assert resp.status_code == 409 and resp.json["error"]["code"] == "unsupported_action"
    moderator = hfactory.member(client, "moderator")
    assert api.post(f"/social-accounts/{manual.id}/webhook", as_=moderator).status_code == 403


def test_registration_needs_an_https_base_url_when_the_network_does(make_app, networks):
    app = make_app(plugins=[networks], base_url="http://127.0.0.1:5000")
    with open_session(app) as db:
        factory = Factory(app, db)
        client = factory.client()
        manager = factory.member(client, "manager")
        row = factory.account(client, "hooknet", credentials={"token": "t"})
        api = ApiClient(app, factory)
        resp = api.post(f"/social-accounts/{row.id}/webhook", as_=manager)
        assert resp.status_code == 409 and resp.json["error"]["code"] == "https_required"
        assert "SMMFLOW_BASE_URL" in resp.json["error"]["message"]
        assert resp.json["error"]["details"]["url"].startswith("http://127.0.0.1:5000/")
        assert not db.scalars(select(AuditEvent).where(
            AuditEvent.action == "webhook.register_requested")).all()

        networks.hooknet.webhook_requires_https = False   # a network that takes plain http
        assert api.post(f"/social-accounts/{row.id}/webhook", as_=manager).status_code == 202


def _unused_redis_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


def test_pushed_items_are_acknowledged_when_the_job_queue_is_down(make_app, networks, caplog):
    app = make_app(plugins=[networks], base_url=BASE_URL, redis_url=_unused_redis_url())
    with open_session(app) as db:
        factory = Factory(app, db)
        client = factory.client()
        manager = factory.member(client, "manager")
        row = factory.account(client, "hooknet", credentials={WEBHOOK_SECRET_KEY: SECRET})
        assert ApiClient(app, factory).post(f"/clients/{client.id}/moderation-rules", as_=manager,
                                            json={"name": "spam", "condition": "stop_words",
                                                  "condition_value": ["casino"],
                                                  "action": "hide"}).status_code == 201
        with caplog.at_level(logging.ERROR, logger="smmflow.inbox"):
            resp = _push(app, "hooknet", row.id, {"comments": [_comment("c-1", "CASINO!")]})
        assert resp.status_code == 200 and resp.get_data(as_text=True) == "ok"
        item = db.scalars(select(InboxItem)).one()        # stored: the network must not resend
        [error] = [r for r in caplog.records if r.name == "smmflow.inbox"]
        assert f"item {item.id}: hide" in error.getMessage()
