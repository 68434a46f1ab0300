"""Telegram's webhook: setWebhook with a secret token, and updates pushed to the core's receiver.

The fake Bot API delivers its pending updates to the registered URL with the
``X-Telegram-Bot-Api-Secret-Token`` header, as Telegram does, here through
the app's test client; an update not answered 2xx stays pending.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fake_telegram import GROUP_ID, FakeTelegram
from rq.job import Job
from smmflow_telegram import plugin
from smmflow_telegram.platform import TelegramPlatform
from smmflow_telegram.webhook import SECRET_HEADER
from sqlalchemy import select

from smmflow.accounts.models import SocialAccount
from smmflow.audit.models import AuditEvent
from smmflow.db import open_session
from smmflow.inbox.models import InboxItem
from smmflow.jobs.queues import get_queue
from smmflow.plugin_api import (
    WEBHOOK_SECRET_KEY,
    Account,
    Capability,
    ContentRejected,
    WebhookMalformed,
    WebhookRejected,
    WebhookRequest,
)
from smmflow.testing.client import ApiClient
from smmflow.testing.factories import Factory

SECRET = "tg-secret_0123456789-abcdefghijklmnop"
BASE_URL = "https://smm.example"





def _account(fake: FakeTelegram, **credentials: str) -> Account:
    return fake.account(**({WEBHOOK_SECRET_KEY: SECRET} | credentials))


def _request(update: dict[str, Any], secret: str | None = SECRET) -> WebhookRequest:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    return WebhookRequest(headers=headers, body=json.dumps(update).encode())


def _pending(fake: FakeTelegram) -> list[dict[str, Any]]:
    """The updates Telegram would push now (webhook set or not), as JSON bodies."""
    hook = fake.webhook
    fake.webhook = hook or {"url": "https://smm.example/x"}
    try:
        return [json.loads(body) for _, _, _, body in fake.webhook_deliveries()]
    finally:
        fake.webhook = hook


# -- the platform alone ------------------------------------------------------------------------
def test_declares_webhook_and_registration(platform: TelegramPlatform) -> None:
    assert platform.supports(Capability.WEBHOOK)
    assert platform.supports(Capability.REGISTER_WEBHOOK)


def test_a_comment_update_with_the_right_header(platform, fake, ctx) -> None:
    (cid,) = fake.seed_comments(1)
    (update,) = [u for u in _pending(fake) if f"{GROUP_ID}:{u['message']['message_id']}" == cid]
    result = platform.receive_webhook(ctx, _account(fake), _request(update))
    (item,) = result.items
    assert item.platform_id == cid and item.kind == "comment"
    assert item.text == "Comment 1 from a reader" and item.post_external_id
    assert result.deleted == () and result.body == "ok"
    # the same platform id as polling gives: the core de-duplicates the two paths
    polled = {i.platform_id for i in platform.fetch_comments(ctx, fake.account(), None)}
    assert cid in polled


@pytest.mark.parametrize("header", [None, "", "wrong", SECRET[:-1], SECRET + "x", SECRET.upper()])
def test_a_missing_or_wrong_secret_header_is_refused(platform, fake, ctx, header) -> None:
    fake.seed_comments(1)
    update = _pending(fake)[-1]
    with pytest.raises(WebhookRejected) as info:
        platform.receive_webhook(ctx, _account(fake), _request(update, header))
    assert SECRET not in str(info.value)


def test_an_account_never_registered_accepts_nothing(platform, fake, ctx) -> None:
    fake.seed_comments(1)
    update = _pending(fake)[-1]
    with pytest.raises(WebhookRejected, match="register"):
        platform.receive_webhook(ctx, fake.account(), _request(update, ""))
    with pytest.raises(WebhookRejected):
        platform.receive_webhook(ctx, fake.account(), _request(update, "anything"))


def test_a_body_that_is_no_update_object_is_malformed(platform, fake, ctx) -> None:
    for body in (b"{oops", b"[]", b"\xff\xfe"):
        with pytest.raises(WebhookMalformed):
            platform.receive_webhook(ctx, _account(fake), WebhookRequest(
                headers={SECRET_HEADER: SECRET}, body=body))


def test_updates_that_are_no_comment_give_nothing(platform, fake, ctx) -> None:
    account = _account(fake)
    fake.seed_comments(1)
    forward = next(u for u in _pending(fake) if u["message"].get("is_automatic_forward"))
    other_chat = {"update_id": 9, "message": {"message_id": 5, "date": 1760000000, "text": "hi",
                                              "chat": {"id": -100999, "type": "supergroup"},
                                              "from": {"id": 1, "first_name": "A"}}}
    reaction = {"update_id": 10, "message_reaction_count": {"chat": fake.channel, "message_id": 1,
                                                            "date": 1760000000, "reactions": []}}
    for update in (forward, other_chat, reaction):
        assert platform.receive_webhook(ctx, account, _request(update)).items == ()
    # without a discussion group configured nothing is read (as with polling)
    no_group = fake.account(**{WEBHOOK_SECRET_KEY: SECRET, "discussion_chat_id": ""})
    (cid,) = fake.seed_comments(1)
    update = _pending(fake)[-1]
    assert [i.platform_id for i in platform.receive_webhook(ctx, account, _request(update)).items
            ] == [cid]
    assert platform.receive_webhook(ctx, no_group, _request(update)).items == ()


def test_register_sets_the_webhook_with_the_secret_and_allowed_updates(platform, fake,
                                                                        ctx) -> None:
    url = "https://smm.example/api/v1/webhooks/telegram/7"
    platform.register_webhook(ctx, fake.account(), url, SECRET)
    assert fake.webhook == {"url": url, "secret_token": SECRET}
    assert fake.allowed_updates == ["message", "edited_message"]
    fake.seed_comments(1)
    deliveries = fake.webhook_deliveries()
    assert deliveries and all(h[SECRET_HEADER] == SECRET and u == url
                              for _, u, h, _ in deliveries)
    # polling now meets Telegram's 409 and gives nothing instead of failing
    assert platform.fetch_comments(ctx, _account(fake), None) == []


def test_polling_an_account_without_the_secret_while_a_webhook_is_set_says_so(platform, fake,
                                                                               ctx) -> None:
    platform.register_webhook(ctx, fake.account(), "https://smm.example/hook", SECRET)
    fake.seed_comments(1)
    # the account lost its webhook_secret: the pushes are refused, so reading nothing is wrong
    with pytest.raises(ContentRejected, match="Register the webhook again") as info:
        platform.fetch_comments(ctx, fake.account(), None)
    assert info.value.platform_code == "409" and "/social-accounts/1/webhook" in info.value.message


def test_register_is_refused_without_https_or_with_a_bad_secret(platform, fake, ctx) -> None:
    with pytest.raises(ContentRejected, match="HTTPS"):
        platform.register_webhook(ctx, fake.account(), "http://smm.example/hook", SECRET)
    with pytest.raises(ContentRejected, match="unallowed characters"):
        platform.register_webhook(ctx, fake.account(), "https://smm.example/hook", "a b/c")
    assert fake.webhook is None


# -- through the core's receiver -----------------------------------------------------------------
@pytest.fixture
def app(make_app: Callable[..., Any], fake: FakeTelegram) -> Any:
    return make_app(plugins=[plugin], extra=fake.settings, http_timeout=1.0, base_url=BASE_URL)


def _sender(app: Any) -> Callable[[str, dict[str, str], bytes], int]:
    client = app.test_client()

    def send(url: str, headers: dict[str, str], body: bytes) -> int:
        return client.post(url, headers=headers, data=body).status_code

    return send


def test_register_from_smmflow_then_telegram_pushes_comments(app, fake, run_jobs) -> None:
    with open_session(app) as db:
        factory = Factory(app, db)
        api = ApiClient(app, factory)
        client = factory.client()
        manager = factory.member(client, "manager")
        row = factory.account(client, "telegram", credentials=fake.credentials(),
                              external_id=str(fake.channel["id"]))
        assert api.post(f"/clients/{client.id}/moderation-rules", as_=manager, json={
            "name": "spam", "condition": "stop_words", "condition_value": ["casino"],
            "action": "delete"}).status_code == 201

        resp = api.post(f"/social-accounts/{row.id}/webhook", as_=manager)
        assert resp.status_code == 202, resp.json
        url = f"{BASE_URL}/api/v1/webhooks/telegram/{row.id}"
        assert resp.json["url"] == url
        assert run_jobs(app)
        assert fake.webhook is not None and fake.webhook["url"] == url
        db.expire_all()
        stored = app.extensions["smmflow"].vault.decrypt(
            db.get(SocialAccount, row.id).credentials_encrypted)
        assert stored[WEBHOOK_SECRET_KEY] == fake.webhook["secret_token"]
        assert stored["bot_token"] == fake.token

        good, spam = fake.seed_comments(2)
        fake.messages[fake._key(spam)]["text"] = "Cheap CASINO chips"
        replayed = fake.webhook_deliveries()
        statuses = fake.deliver_webhook(_sender(app))
        assert statuses and set(statuses) == {200}
        assert fake.webhook_deliveries() == []      # Telegram drops what was answered 2xx
        # Telegram retries an update it thinks failed: the repeat stores nothing
        send = _sender(app)
        assert {send(u, h, b) for _, u, h, b in replayed} == {200}

        items = {i.platform_id: i for i in db.scalars(select(InboxItem))}
        assert set(items) == {good, spam}
        assert items[good].kind == "comment" and items[good].author_name == "Reader 500"
        run_jobs(app)          # the rule's delete runs on Telegram
        assert fake.comment_state(spam) == "deleted"
        assert fake.comment_state(good) == "visible"


def test_a_wrong_secret_is_refused_and_telegram_keeps_the_update(app, fake) -> None:
    with open_session(app) as db:
        factory = Factory(app, db)
        client = factory.client()
        row = factory.account(client, "telegram",
                              credentials=fake.credentials() | {WEBHOOK_SECRET_KEY: SECRET})
        fake.webhook = {"url": f"{BASE_URL}/api/v1/webhooks/telegram/{row.id}",
                        "secret_token": "not-the-one-smmflow-knows"}
        fake.seed_comments(1)
        pending = len(fake.webhook_deliveries())
        assert set(fake.deliver_webhook(_sender(app))) == {403}
        assert len(fake.webhook_deliveries()) == pending
        fake.webhook["secret_token"] = None      # no header at all
        assert set(fake.deliver_webhook(_sender(app))) == {403}
        assert db.scalar(select(InboxItem.id)) is None

        fake.webhook["secret_token"] = SECRET
        assert set(fake.deliver_webhook(_sender(app))) == {200}
        assert len(db.scalars(select(InboxItem)).all()) == 1


def _register(app: Any, db: Any, factory: Factory, fake: FakeTelegram) -> tuple[Any, Any, Any]:
    """A manager and a Telegram account; the webhook registration asked for (not run yet)."""
    api = ApiClient(app, factory)
    client = factory.client()
    manager = factory.member(client, "manager")
    row = factory.account(client, "telegram", credentials=fake.credentials(),
                          external_id=str(fake.channel["id"]))
    assert api.post(f"/social-accounts/{row.id}/webhook", as_=manager).status_code == 202
    return api, manager, row


def test_new_credentials_keep_the_webhook_working(app, fake, run_jobs) -> None:
    with open_session(app) as db:
        factory = Factory(app, db)
        api, manager, row = _register(app, db, factory, fake)
        assert run_jobs(app) and fake.webhook is not None
        # the manager pastes the bot token again (as after /token in @BotFather)
        resp = api.patch(f"/social-accounts/{row.id}", as_=manager,
                         json={"credentials": fake.credentials()})
        assert resp.status_code == 200, resp.json
        fake.seed_comments(1)
        assert set(fake.deliver_webhook(_sender(app))) == {200}
        assert len(db.scalars(select(InboxItem)).all()) == 1


def test_a_poll_that_meets_a_webhook_smmflow_cannot_check_is_recorded(app, fake,
                                                                       run_jobs) -> None:
    with open_session(app) as db:
        factory = Factory(app, db)
        api = ApiClient(app, factory)
        client = factory.client()
        moderator = factory.member(client, "moderator")
        row = factory.account(client, "telegram", credentials=fake.credentials(),
                              external_id=str(fake.channel["id"]))
        fake.webhook = {"url": f"{BASE_URL}/api/v1/webhooks/telegram/{row.id}",
                        "secret_token": "a-secret-smmflow-lost"}
        fake.seed_comments(1)
        assert api.post(f"/clients/{client.id}/inbox/poll", as_=moderator).status_code == 202
        assert run_jobs(app)
        failed = db.scalars(select(AuditEvent).where(AuditEvent.action == "inbox.poll_failed",
                                                     AuditEvent.object_id == str(row.id))).one()
        assert "Register the webhook again" in failed.details["error"]
        assert fake.token not in failed.details["error"]
        db.expire_all()
        assert db.get(SocialAccount, row.id).status == "active"


def _release_scheduled(app: Any, queue: str = "default") -> list[str]:
    """Enqueue the jobs scheduled for later now (what RQ's scheduler does when they are due)."""
    q = get_queue(app, queue)
    registry = q.scheduled_job_registry
    ids = registry.get_job_ids()
    for job_id in ids:
        registry.remove(job_id)
        q.enqueue_job(Job.fetch(job_id, connection=q.connection))
    return ids


def test_registration_is_retried_after_each_rate_limit(app, fake, run_jobs) -> None:
    with open_session(app) as db:
        factory = Factory(app, db)
        _api, _manager, row = _register(app, db, factory, fake)
        fake.fail_next("rate_limit", times=2, method="setWebhook", retry_after=1)
        assert run_jobs(app)
        assert _release_scheduled(app) == [f"webhook-register-{row.id}-attempt-2"]
        assert run_jobs(app)
        assert _release_scheduled(app) == [f"webhook-register-{row.id}-attempt-3"]
        assert run_jobs(app)
        assert fake.webhook is not None
        db.expire_all()
        stored = app.extensions["smmflow"].vault.decrypt(
            db.get(SocialAccount, row.id).credentials_encrypted)
        assert stored[WEBHOOK_SECRET_KEY] == fake.webhook["secret_token"]
        assert _release_scheduled(app) == []


def test_registration_gives_up_after_its_last_attempt(app, fake, run_jobs) -> None:
    from smmflow.webhooks.jobs import REGISTER_ATTEMPTS

    with open_session(app) as db:
        factory = Factory(app, db)
        _api, _manager, row = _register(app, db, factory, fake)
        fake.fail_next("rate_limit", times=REGISTER_ATTEMPTS, method="setWebhook", retry_after=1)
        assert run_jobs(app)
        for _ in range(REGISTER_ATTEMPTS - 1):
            assert len(_release_scheduled(app)) == 1
            assert run_jobs(app)
        assert _release_scheduled(app) == []
        assert fake.webhook is None
        failed = db.scalars(select(AuditEvent).where(
            AuditEvent.action == "webhook.register_failed",
            AuditEvent.object_id == str(row.id))).one()
        assert failed.details["attempts"] == REGISTER_ATTEMPTS
        assert "Too Many Requests" in failed.details["error"]


def test_registration_needs_an_https_base_url(make_app, fake) -> None:
    app = make_app(plugins=[plugin], extra=fake.settings, base_url="http://127.0.0.1:5000")
    with open_session(app) as db:
        factory = Factory(app, db)
        api = ApiClient(app, factory)
        client = factory.client()
        manager = factory.member(client, "manager")
        row = factory.account(client, "telegram", credentials=fake.credentials())
        resp = api.post(f"/social-accounts/{row.id}/webhook", as_=manager)
        assert resp.status_code == 409 and resp.json["error"]["code"] == "https_required"
        assert "SMMFLOW_BASE_URL" in resp.json["error"]["message"]
        assert get_queue(app, "default").count == 0
