"""VK's Callback API: confirmation, secret and community checks, wall comment events.

The fake VK plays the community's Callback API server settings: the admin
adds smmflow's URL (``set_callback_server``), VK shows a confirmation string
and sends events with the admin's secret key, here through the app's test
client.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from fake_vk import FakeVK
from smmflow_vk import plugin
from smmflow_vk.callback import CONFIRMATION_KEY, SECRET_KEY
from smmflow_vk.platform import VKPlatform
from sqlalchemy import select

from smmflow.db import open_session
from smmflow.inbox.models import InboxItem
from smmflow.plugin_api import (
    Capability,
    JobContext,
    WebhookMalformed,
    WebhookRejected,
    WebhookRequest,
)
from smmflow.testing.client import ApiClient
from smmflow.testing.factories import Factory

SECRET = "vk-callback-secret-42"
BASE_URL = "https://smm.example"


def _request(event: dict[str, Any]) -> WebhookRequest:
    return WebhookRequest(headers={"Content-Type": "application/json"},
                          body=json.dumps(event).encode())


def _callback_account(vk: FakeVK, confirmation: str = "a1b2c3d4", **extra: Any) -> Any:
    return vk.account(**({SECRET_KEY: SECRET, CONFIRMATION_KEY: confirmation} | extra))


@pytest.fixture
def hooked(vk: FakeVK) -> str:
    """The callback server is set up with the secret; returns the confirmation string."""
    return vk.set_callback_server("https://smm.example/api/v1/webhooks/vk/1", SECRET)


# -- the platform alone ------------------------------------------------------------------------
def test_declares_webhook_but_no_registration(platform: VKPlatform) -> None:
    assert platform.supports(Capability.WEBHOOK)
    assert not platform.supports(Capability.REGISTER_WEBHOOK)


def test_confirmation_is_answered_with_the_string(platform, vk, ctx, hooked) -> None:
    result = platform.receive_webhook(ctx, _callback_account(vk, hooked),
                                      _request(vk.callback_event("confirmation")))
    assert result.body == hooked and result.items == () and result.deleted == ()


def test_confirmation_needs_the_string_and_the_right_community(platform, vk, ctx, hooked) -> None:
    event = vk.callback_event("confirmation")
    with pytest.raises(WebhookRejected, match=CONFIRMATION_KEY):
        platform.receive_webhook(ctx, vk.account(**{SECRET_KEY: SECRET}), _request(event))
    other = vk.callback_event("confirmation", group_id=vk.group_id + 1)
    with pytest.raises(WebhookRejected):
        platform.receive_webhook(ctx, _callback_account(vk, hooked), _request(other))
    wrong = vk.callback_event("confirmation", secret="not-it")
    with pytest.raises(WebhookRejected):
        platform.receive_webhook(ctx, _callback_account(vk, hooked), _request(wrong))


def test_confirmation_without_the_configured_secret_is_refused(platform, vk, ctx) -> None:
    confirmation = vk.set_callback_server("https://smm.example/api/v1/webhooks/vk/1")  # no key
    event = vk.callback_event("confirmation")
    assert "secret" not in event
    with pytest.raises(WebhookRejected, match="secret"):
        platform.receive_webhook(ctx, _callback_account(vk, confirmation), _request(event))
    # an account without a callback_secret still confirms (it then accepts no other event)
    bare = vk.account(**{CONFIRMATION_KEY: confirmation})
    assert platform.receive_webhook(ctx, bare, _request(event)).body == confirmation


def test_a_new_comment_event_is_the_same_item_as_polling(platform, vk, ctx, account,
                                                         hooked) -> None:
    (cid,) = vk.seed_comments(1)
    result = platform.receive_webhook(ctx, _callback_account(vk), _request(vk.comment_event(cid)))
    (item,) = result.items
    assert result.body == "ok"
    (polled,) = [i for i in platform.fetch_comments(ctx, account, None) if i.platform_id == cid]
    assert (item.platform_id, item.text, item.author_id, item.kind, item.post_external_id,
            item.parent_id, item.received_at) == (
        polled.platform_id, polled.text, polled.author_id, polled.kind, polled.post_external_id,
        polled.parent_id, polled.received_at)
    assert item.extra["post_id"] == polled.extra["post_id"]


def test_a_reply_in_a_thread_and_the_communitys_own_comment(platform, vk, ctx, hooked) -> None:
    (top,) = vk.seed_comments(1)
    with vk.lock:
        parent = vk.comments[int(top.rpartition("_")[2])]
        reply = vk._new_comment(parent["post_id"], 777, "Me too", parent["id"])
        ours = vk._new_comment(parent["post_id"], vk.owner_id, "Thanks!", parent["id"])
    account = _callback_account(vk)
    (item,) = platform.receive_webhook(ctx, account, _request(
        vk.comment_event(f"{vk.owner_id}_{reply['id']}"))).items
    assert (item.kind, item.parent_id, item.author_id) == ("reply", top, "777")
    assert platform.receive_webhook(ctx, account, _request(
        vk.comment_event(f"{vk.owner_id}_{ours['id']}"))).items == ()


@pytest.mark.parametrize("secret", ["", "wrong", SECRET + "x", SECRET[:-1]])
def test_events_with_a_missing_or_wrong_secret_are_refused(platform, vk, ctx, hooked,
                                                          secret) -> None:
    (cid,) = vk.seed_comments(1)
    event = vk.comment_event(cid)
    if secret:
        event["secret"] = secret
    else:
        event.pop("secret")
    with pytest.raises(WebhookRejected) as info:
        platform.receive_webhook(ctx, _callback_account(vk), _request(event))
    assert SECRET not in str(info.value)


def test_events_need_a_configured_secret_and_the_accounts_community(platform, vk, ctx,
                                                                    hooked) -> None:
    (cid,) = vk.seed_comments(1)
    with pytest.raises(WebhookRejected, match=SECRET_KEY):
        platform.receive_webhook(ctx, vk.account(), _request(vk.comment_event(cid)))
    with pytest.raises(WebhookRejected, match="community"):
        platform.receive_webhook(ctx, _callback_account(vk), _request(
            vk.comment_event(cid, group_id=vk.group_id + 1)))


def test_malformed_events(platform, vk, ctx, hooked) -> None:
    account = _callback_account(vk)
    for body in (b"not json", b"[]", json.dumps({"group_id": vk.group_id}).encode(),
                 json.dumps({"type": "confirmation"}).encode()):
        with pytest.raises(WebhookMalformed):
            platform.receive_webhook(ctx, account, WebhookRequest(body=body))
    broken = vk.callback_event("wall_reply_new", {"text": "no ids", "post_owner_id": vk.owner_id})
    with pytest.raises(WebhookMalformed):
        platform.receive_webhook(ctx, account, _request(broken))


def test_delete_and_other_events(platform, vk, ctx, hooked) -> None:
    (cid,) = vk.seed_comments(1)
    account = _callback_account(vk)
    result = platform.receive_webhook(ctx, account, _request(vk.delete_event(cid)))
    assert result.deleted == (cid,) and result.items == () and result.body == "ok"
    join = vk.callback_event("group_join", {"user_id": 5, "join_type": "join"})
    assert platform.receive_webhook(ctx, account, _request(join)).body == "ok"


# -- through the core's receiver -----------------------------------------------------------------
@pytest.fixture
def app(make_app: Callable[..., Any], vk: FakeVK) -> Any:
    return make_app(plugins=[plugin], extra=vk.settings, http_timeout=1.0, base_url=BASE_URL)


def _sender(app: Any) -> Callable[[str, dict[str, str], bytes], tuple[int, str]]:
    client = app.test_client()

    def send(url: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
        answer = client.post(url, headers=headers, data=body)
        return answer.status_code, answer.get_data(as_text=True)

    return send


def test_set_up_in_vk_confirmed_then_comments_arrive(app, vk: FakeVK, ctx: JobContext,
                                                     run_jobs) -> None:
    with open_session(app) as db:
        factory = Factory(app, db)
        api = ApiClient(app, factory)
        client = factory.client()
        manager = factory.member(client, "manager")
        row = factory.account(client, "vk", credentials=dict(vk.account().credentials),
                              external_id=str(vk.group_id))
        # smmflow cannot register it: the manager is told the URL to enter in VK
        resp = api.post(f"/social-accounts/{row.id}/webhook", as_=manager)
        assert resp.status_code == 409 and resp.json["error"]["code"] == "manual_setup"
        url = resp.json["error"]["details"]["url"]
        assert url == f"{BASE_URL}/api/v1/webhooks/vk/{row.id}"

        # the admin adds the server in VK, types a secret key, copies the confirmation string
        confirmation = vk.set_callback_server(url, SECRET)
        send = _sender(app)
        assert not vk.confirm_callback_server(send)     # not in smmflow yet: refused
        assert api.patch(f"/social-accounts/{row.id}", as_=manager, json={
            "credentials": dict(vk.account().credentials) | {
                SECRET_KEY: SECRET, CONFIRMATION_KEY: confirmation}},
            headers={"If-Match": api.get(f"/social-accounts/{row.id}", as_=manager)
                     .headers["ETag"]}).status_code == 200
        assert vk.confirm_callback_server(send)

        assert api.post(f"/clients/{client.id}/moderation-rules", as_=manager, json={
            "name": "links", "condition": "contains_link", "action": "delete"}).status_code == 201
        good, spam = vk.seed_comments(2)
        with vk.lock:
            vk.comments[int(spam.rpartition("_")[2])]["text"] = "see https://spam.example"
        for cid in (good, spam):
            event = vk.comment_event(cid)
            assert vk.deliver_callback(event, send) == (200, "ok")
            assert vk.deliver_callback(event, send) == (200, "ok")    # VK retried
        items = {i.platform_id: i for i in db.scalars(select(InboxItem))}
        assert set(items) == {good, spam}
        run_jobs(app)      # the rule's delete runs on VK
        assert vk.comment_state(spam) == "deleted"

        # polling the same comments stores nothing more
        from smmflow.jobs.queues import enqueue

        enqueue(app, "smmflow.inbox.jobs.poll_account", row.id, queue="moderation")
        run_jobs(app)
        assert len(db.scalars(select(InboxItem)).all()) == 2

        # deleted on vk.com by someone: VK says so, the item follows
        with vk.lock:
            vk.comments[int(good.rpartition("_")[2])]["_deleted"] = True
        assert vk.deliver_callback(vk.delete_event(good), send) == (200, "ok")
        db.expire_all()
        assert db.scalar(select(InboxItem.status).where(InboxItem.platform_id == good)) == \
            "deleted"

        # a forged event: wrong secret, or another community
        (late,) = vk.seed_comments(1)
        status, _ = vk.deliver_callback(vk.comment_event(late, secret="guess"), send)
        assert status == 403
        status, _ = vk.deliver_callback(vk.comment_event(late, group_id=1), send)
        assert status == 403
        assert db.scalar(select(InboxItem.id).where(InboxItem.platform_id == late)) is None

        # restored on vk.com: the item comes back; edited to add a link: the rules run again
        with vk.lock:
            vk.comments[int(good.rpartition("_")[2])]["_deleted"] = False
        assert vk.deliver_callback(vk.comment_event(good, "wall_reply_restore"), send) == \
            (200, "ok")
        db.expire_all()
        assert db.scalar(select(InboxItem.status).where(InboxItem.platform_id == good)) == "new"
        with vk.lock:
            vk.comments[int(good.rpartition("_")[2])]["text"] = "now with https://spam.example"
        assert vk.deliver_callback(vk.comment_event(good, "wall_reply_edit"), send) == (200, "ok")
        db.expire_all()
        edited = db.scalar(select(InboxItem).where(InboxItem.platform_id == good))
        assert edited.text == "now with https://spam.example"
        run_jobs(app)      # the link rule's delete, queued again for the edited comment
        assert vk.comment_state(good) == "deleted"
        assert len(db.scalars(select(InboxItem)).all()) == 2
