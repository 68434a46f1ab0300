"""End to end on the test network's fake: poll, rules, moderator reply, SLA breach event."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest
import smmflow_testnet.plugin as testnet_plugin
from smmflow_testnet.fake import FakeTestnet

from smmflow import hookimpl
from smmflow.accounts.models import SocialAccount
from smmflow.inbox.models import InboxItem
from tests.plugin_framework.hook_registry import exercises


class Recorder:
    def __init__(self) -> None:
        self.breaches: list[int] = []
        self.received: list[int] = []

    @hookimpl
    def on_inbox_sla_breached(self, item_id: int, client_id: int) -> None:
        self.breaches.append(item_id)

    @hookimpl
    def on_inbox_item_received(self, item_id: int, client_id: int, platform: str) -> None:
        self.received.append(item_id)

    @hookimpl
    def classify_comment(self, item, client_id):
        return ["question"] if "?" in item.text else []


@pytest.fixture
def fake():
    with FakeTestnet() as server:
        yield server


@exercises("on_inbox_item_received", "on_inbox_sla_breached", "classify_comment")
def test_poll_rules_reply_and_sla(make_app, fake, run_jobs):
    recorder = Recorder()
    app = make_app(plugins=[testnet_plugin, recorder], extra=dict(fake.settings),
                   http_timeout=1.0)
    from smmflow.db import open_session
    from smmflow.testing.client import ApiClient
    from smmflow.testing.factories import Factory

    with open_session(app) as db:
        factory = Factory(app, db)
        api = ApiClient(app, factory)
        client = factory.client(inbox_sla_minutes=30)
        manager = factory.member(client, "manager")
        moderator = factory.member(client, "moderator")
        factory.account(client, "testnet", credentials=fake.account_credentials(),
                                  external_id="acct-1")
        ids = fake.seed_comments(3, account="acct-1")
        texts = ["Win big at the CASINO tonight", "This coffee is awful", "When do you open?"]
        for cid, text in zip(ids, texts, strict=True):
            fake.comments[cid]["text"] = text
        for rule in ({"name": "spam", "condition": "stop_words", "condition_value": ["casino"],
                      "action": "hide"},
                     {"name": "negative", "condition": "regex",
                      "condition_value": r"\b(awful|terrible)\b", "action": "label",
                      "action_value": "negative", "position": 1}):
            assert api.post(f"/clients/{client.id}/moderation-rules", as_=manager,
                            json=rule).status_code == 201

        assert api.post(f"/clients/{client.id}/inbox/poll", as_=moderator).status_code == 202
        assert run_jobs(app)  # poll, then the hide action it queued
        run_jobs(app)
        items = {i.platform_id: i for i in db.query(InboxItem).all()}
        assert len(items) == 3 and len(recorder.received) == 3
        assert fake.comment_state(ids[0]) == "hidden"
        assert items[ids[0]].status == "hidden"
        assert "negative" in items[ids[1]].labels
        assert items[ids[2]].labels == ["question"]

        # polling again stores nothing twice
        api.post(f"/clients/{client.id}/inbox/poll", as_=moderator)
        run_jobs(app)
        assert db.query(InboxItem).count() == 3

        question = items[ids[2]]
        resp = api.post(f"/inbox/{question.id}/replies", as_=moderator,
                        json={"text": "We open at 8 am!"})
        assert resp.status_code == 202, resp.json
        run_jobs(app)
        assert len(fake.replies_to(ids[2])) == 1
        db.expire_all()
        answered = db.get(InboxItem, question.id)
        assert answered.status == "replied" and answered.first_response_at is not None
        assert answered.replies[0].status == "sent"

        # the unanswered negative comment breaches the 30-minute SLA, once
        negative = db.get(InboxItem, items[ids[1]].id)
        negative.received_at = negative.received_at - dt.timedelta(hours=1)
        db.commit()
        from smmflow.jobs.queues import enqueue

        enqueue(app, "smmflow.inbox.jobs.check_sla", queue="moderation")
        enqueue(app, "smmflow.inbox.jobs.check_sla", queue="moderation")
        run_jobs(app)
        assert recorder.breaches == [negative.id]
        item = api.get(f"/inbox/{negative.id}", as_=moderator).json
        assert item["sla_breached_at"] is not None


def test_manual_hide_not_supported_is_clear(api, world, factory, db):
    account = factory.account(world.client_a, "nowhere")
    item = InboxItem(client_id=world.client_a.id, social_account_id=account.id,
                     platform="nowhere", platform_id="x1", text="hi",
                     received_at=dt.datetime.now(dt.UTC), labels=[])
    db.add(item)
    db.commit()
    resp = api.post(f"/inbox/{item.id}/actions", as_=world.moderator, json={"action": "hide"})
    assert resp.status_code == 409
    assert resp.json["error"]["code"] == "unsupported_action"
    bad = api.post(f"/inbox/{item.id}/actions", as_=world.moderator, json={"action": "explode"})
    assert bad.status_code == 422 and "action" in bad.json["error"]["details"]["fields"]


def test_label_filter_is_applied_before_paging(api, world, factory, db):
    account = factory.account(world.client_a, "telegram")
    now = dt.datetime.now(dt.UTC)
    for i in range(6):
        db.add(InboxItem(client_id=world.client_a.id, social_account_id=account.id,
                         platform="telegram", platform_id=f"p{i}", text="t", received_at=now,
                         labels=["negative"] if i >= 4 else ["question"]))
    db.commit()
    page = api.get(f"/clients/{world.client_a.id}/inbox?label=negative&limit=2",
                   as_=world.moderator).json
    assert [i["platform_id"] for i in page["items"]] == ["p4", "p5"]


def test_a_reply_the_network_did_not_confirm_is_not_sent_twice(make_app, fake, run_jobs):
    app = make_app(plugins=[testnet_plugin], extra=dict(fake.settings), http_timeout=0.5)
    from smmflow.db import open_session
    from smmflow.testing.client import ApiClient
    from smmflow.testing.factories import Factory

    fake.timeout_sleep = 0.8
    with open_session(app) as db:
        factory = Factory(app, db)
        api = ApiClient(app, factory)
        client = factory.client()
        moderator = factory.member(client, "moderator")
        factory.account(client, "testnet", credentials=fake.account_credentials(),
                        external_id="acct-1")
        [cid] = fake.seed_comments(1, account="acct-1")
        api.post(f"/clients/{client.id}/inbox/poll", as_=moderator)
        run_jobs(app)
        item = db.query(InboxItem).one()
        fake.fail_next("accept_then_timeout", on="reply")
        resp = api.post(f"/inbox/{item.id}/replies", as_=moderator, json={"text": "Thanks!"})
        assert resp.status_code == 202, resp.json
        run_jobs(app)
        run_jobs(app)
        assert len(fake.replies_to(cid)) == 1  # posted once, never retried blindly
        db.expire_all()
        [reply] = db.get(InboxItem, item.id).replies
        assert reply.status == "unknown" and "did not confirm" in reply.error


def test_an_edited_comment_is_ruled_again_without_a_second_auto_reply(make_app, fake, run_jobs):
    app = make_app(plugins=[testnet_plugin], extra=dict(fake.settings), http_timeout=1.0)
    from smmflow.audit.models import AuditEvent
    from smmflow.db import open_session
    from smmflow.testing.client import ApiClient
    from smmflow.testing.factories import Factory

    with open_session(app) as db:
        factory = Factory(app, db)
        api = ApiClient(app, factory)
        client = factory.client()
        manager = factory.member(client, "manager")
        factory.account(client, "testnet", credentials=fake.account_credentials(),
                        external_id="acct-1")
        for rule in ({"name": "thanks", "condition": "regex", "condition_value": ".",
                      "action": "auto_reply", "action_value": "Thanks, {author_name}!"},
                     {"name": "spam", "condition": "stop_words", "condition_value": ["casino"],
                      "action": "hide", "position": 1}):
            assert api.post(f"/clients/{client.id}/moderation-rules", as_=manager,
                            json=rule).status_code == 201
        [cid] = fake.seed_comments(1, account="acct-1")
        fake.comments[cid]["text"] = "Lovely coffee"
        api.post(f"/clients/{client.id}/inbox/poll", as_=manager)
        run_jobs(app)
        assert fake.comment_state(cid) != "hidden" and len(fake.replies_to(cid)) == 1

        # the network reports the edit (a VK wall_reply_edit, or a page polled again)
        from smmflow.inbox.jobs import enqueue_followups
        from smmflow.inbox.services import data_of, ingest

        item = db.query(InboxItem).one()
        fake.comments[cid]["text"] = "Lovely coffee, and win at the CASINO"
        edited = dataclasses.replace(data_of(item), text=fake.comments[cid]["text"])
        with app.app_context():
            new, followups = ingest(app, db, db.get(SocialAccount, item.social_account_id),
                                    [edited])
            db.commit()
            assert new == []
            enqueue_followups(app, followups)
        run_jobs(app)
        db.refresh(item)
        assert item.text == "Lovely coffee, and win at the CASINO"
        assert fake.comment_state(cid) == "hidden" and item.status == "hidden"
        assert len(fake.replies_to(cid)) == 1  # the auto-reply is not sent again
        assert db.query(AuditEvent).filter_by(action="inbox.edited_on_network").count() == 1


def test_a_network_failing_for_now_is_one_warning_and_the_next_poll_reads(make_app, fake,
                                                                         run_jobs, caplog):
    app = make_app(plugins=[testnet_plugin], extra=dict(fake.settings), http_timeout=1.0)
    from smmflow.db import open_session
    from smmflow.inbox.jobs import poll_account
    from smmflow.testing.factories import Factory

    with open_session(app) as db:
        factory = Factory(app, db)
        client = factory.client()
        row = factory.account(client, "testnet", credentials=fake.account_credentials(),
                              external_id="acct-1")
        fake.seed_comments(2, account="acct-1")
        fake.fail_next("server_error", on="comments")
        with app.app_context(), caplog.at_level("WARNING", logger="smmflow.inbox"):
            assert poll_account(row.id) == 0  # no exception: no RQ traceback, no retry storm
            assert "failed for now" in caplog.text
            assert db.query(InboxItem).count() == 0
            assert poll_account(row.id) == 2
