"""Outbound webhooks: subscriptions through the API, signed deliveries to a local receiver,
retries with backoff, give-up, redelivery and recovery of work lost from Redis."""

from __future__ import annotations

import datetime as dt
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import redis
from sqlalchemy import select, text, update
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from smmflow import events
from smmflow.db import open_session
from smmflow.outbound.models import OutboundDelivery
from smmflow.outbound.signing import verify


@dataclass
class Receiver:
    """An HTTP receiver on 127.0.0.1 that records requests and answers the queued codes."""

    answers: list[int] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""

    def __call__(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        self.requests.append({"headers": dict(request.headers), "body": request.get_data()})
        code = self.answers.pop(0) if self.answers else 200
        return Response("thanks" if code < 300 else "nope", status=code)(environ, start_response)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    box = Receiver()
    server = make_server("127.0.0.1", 0, box, threaded=True)
    box.url = f"http://127.0.0.1:{server.server_port}/hooks/smmflow"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield box
    server.shutdown()
    server.server_close()


@pytest.fixture
def app(make_app):
    return make_app(plugins=[], outbound_backoff_seconds=0.0, outbound_max_attempts=3,
                    http_timeout=2.0)


def _fire(app, name, **kwargs):
    with open_session(app) as db:
        events.emit(db, name, **kwargs)
        db.commit()


def _subscribe(api, owner, url, **body):
    resp = api.post("/outbound-webhooks", as_=owner, json={"url": url, **body})
    assert resp.status_code == 201, resp.json
    return resp.json


def _deliveries(db):
    db.expire_all()
    return list(db.scalars(select(OutboundDelivery).order_by(OutboundDelivery.id)))


def test_an_event_is_delivered_signed_once(app, api, db, factory, receiver, run_jobs):
    owner = factory.owner()
    client = factory.client()
    created = _subscribe(api, owner, receiver.url, events=["post_published"])
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(secret) > 30

    _fire(app, "on_post_published", target_id=7, post_id=3, client_id=client.id,
          platform="vk", external_id="-1_5", url="https://vk.com/wall-1_5")
    _fire(app, "on_inbox_item_received", item_id=1, client_id=client.id, platform="vk")
    run_jobs(app)

    assert len(receiver.requests) == 1
    request = receiver.requests[0]
    headers, body = request["headers"], request["body"]
    assert headers["X-Smmflow-Event"] == "post_published"
    assert verify(secret, headers["X-Smmflow-Timestamp"], body, headers["X-Smmflow-Signature"],
                  now=time.time())
    assert not verify("whsec_other", headers["X-Smmflow-Timestamp"], body,
                      headers["X-Smmflow-Signature"], now=time.time())
    payload = json.loads(body)
    assert payload["event"] == "post_published"
    assert payload["id"] == int(headers["X-Smmflow-Delivery"])
    assert payload["data"] == {"target_id": 7, "post_id": 3, "client_id": client.id,
                               "platform": "vk", "external_id": "-1_5",
                               "url": "https://vk.com/wall-1_5"}

    [row] = _deliveries(db)
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 1, 200)
    listed = api.get(f"/outbound-webhooks/{created['id']}/deliveries", as_=owner).json["items"]
    assert [(d["event"], d["status"]) for d in listed] == [("post_published", "delivered")]
    # the secret is never shown again, and is not stored in clear
    got = api.get(f"/outbound-webhooks/{created['id']}", as_=owner).json
    assert "secret" not in got and "secret_encrypted" not in got
    raw = db.execute(text("SELECT secret_encrypted FROM outbound_webhooks")).scalar_one()
    assert secret.encode() not in bytes(raw)


def test_client_filter_and_every_event(app, api, db, factory, receiver, run_jobs):
    owner = factory.owner()
    mine, other = factory.client(), factory.client()
    _subscribe(api, owner, receiver.url, client_id=mine.id)  # every event of one client
    _fire(app, "on_inbox_item_received", item_id=1, client_id=other.id, platform="vk")
    _fire(app, "on_inbox_item_received", item_id=2, client_id=mine.id, platform="vk")
    _fire(app, "on_budget_threshold_crossed", client_id=mine.id, threshold_percent=80,
          spent_minor=800, budget_minor=1000)
    run_jobs(app)
    events_seen = [(json.loads(r["body"])["event"], json.loads(r["body"])["data"].get("item_id"))
                   for r in receiver.requests]
    assert sorted(events_seen, key=str) == sorted(
        [("inbox_item_received", 2), ("budget_threshold_crossed", None)], key=str)


def test_a_failing_receiver_is_retried_then_succeeds(app, api, db, factory, receiver, run_jobs):
    owner = factory.owner()
    _subscribe(api, owner, receiver.url)
    receiver.answers = [500, 503]
    _fire(app, "on_inbox_item_received", item_id=1, client_id=factory.client().id, platform="vk")
    run_jobs(app)
    assert len(receiver.requests) == 3
    ids = {r["headers"]["X-Smmflow-Delivery"] for r in receiver.requests}
    assert len(ids) == 1  # the same delivery each time: receivers deduplicate by it
    [row] = _deliveries(db)
    assert (row.status, row.attempts, row.last_status_code) == ("delivered", 3, 200)


def test_gives_up_after_the_last_attempt_and_redelivers_on_request(app, api, db, factory,
                                                                    receiver, run_jobs):
    owner = factory.owner()
    created = _subscribe(api, owner, receiver.url)
    receiver.answers = [500, 500, 500]
    _fire(app, "on_inbox_item_received", item_id=1, client_id=factory.client().id, platform="vk")
    run_jobs(app)
    [row] = _deliveries(db)
    assert (row.status, row.attempts, row.last_status_code) == ("failed", 3, 500)
    assert "HTTP 500" in row.last_error
    failed = api.get(f"/outbound-webhooks/{created['id']}/deliveries?status=failed",
                     as_=owner).json["items"]
    assert [d["id"] for d in failed] == [row.id]

    resp = api.post(f"/outbound-webhooks/{created['id']}/deliveries/{row.id}/redeliver", as_=owner)
    assert resp.status_code == 202 and resp.json["status"] == "pending"
    run_jobs(app)
    [row] = _deliveries(db)
    assert (row.status, row.attempts) == ("delivered", 1)
    assert len(receiver.requests) == 4


def test_unreachable_receiver_records_the_error(app, api, db, factory, run_jobs):
    owner = factory.owner()
    _subscribe(api, owner, "http://127.0.0.1:9/nothing-listens")
    _fire(app, "on_inbox_item_received", item_id=1, client_id=factory.client().id, platform="vk")
    run_jobs(app)
    [row] = _deliveries(db)
    assert row.status == "failed" and row.last_status_code is None
    assert "ConnectError" in row.last_error


def test_a_paused_subscription_gets_nothing_and_its_pending_deliveries_are_skipped(
        app, api, db, factory, receiver, run_jobs):
    owner = factory.owner()
    created = _subscribe(api, owner, receiver.url)
    client = factory.client()
    _fire(app, "on_inbox_item_received", item_id=1, client_id=client.id, platform="vk")
    resp = api.patch(f"/outbound-webhooks/{created['id']}", as_=owner, json={"is_active": False})
    assert resp.status_code == 200 and resp.json["is_active"] is False
    _fire(app, "on_inbox_item_received", item_id=2, client_id=client.id, platform="vk")
    run_jobs(app)
    assert receiver.requests == []
    assert [r.status for r in _deliveries(db)] == ["skipped"]


def test_work_lost_from_redis_is_recovered_from_the_database(app, api, db, factory, receiver,
                                                            run_jobs, smmflow_redis_url):
    from smmflow.outbound.jobs import recover

    owner = factory.owner()
    _subscribe(api, owner, receiver.url)
    _fire(app, "on_inbox_item_received", item_id=1, client_id=factory.client().id, platform="vk")
    redis.Redis.from_url(smmflow_redis_url).flushdb()
    run_jobs(app)
    assert receiver.requests == []
    db.execute(update(OutboundDelivery).values(
        next_attempt_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)))
    db.commit()
    with app.app_context():
        assert recover() == 1
    run_jobs(app)
    assert len(receiver.requests) == 1
    assert [r.status for r in _deliveries(db)] == ["delivered"]


def test_rotating_the_secret_signs_with_the_new_one(app, api, db, factory, receiver, run_jobs):
    owner = factory.owner()
    created = _subscribe(api, owner, receiver.url)
    resp = api.post(f"/outbound-webhooks/{created['id']}/rotate-secret", as_=owner)
    assert resp.status_code == 200
    new = resp.json["secret"]
    assert new != created["secret"]
    _fire(app, "on_inbox_item_received", item_id=1, client_id=factory.client().id, platform="vk")
    run_jobs(app)
    headers, body = receiver.requests[0]["headers"], receiver.requests[0]["body"]
    args = (headers["X-Smmflow-Timestamp"], body, headers["X-Smmflow-Signature"])
    assert verify(new, *args, now=time.time())
    assert not verify(created["secret"], *args, now=time.time())


def test_an_old_timestamp_does_not_verify():
    from smmflow.outbound.signing import sign

    body = b'{"id":1}'
    signature = sign("whsec_x", 1_000, body)
    assert verify("whsec_x", "1000", body, signature, now=1_100)
    assert not verify("whsec_x", "1000", body, signature, now=2_000)
    assert not verify("whsec_x", "not-a-number", body, signature, now=1_000)


@pytest.mark.parametrize(("body", "field"), [
    ({"url": "ftp://example.test/x"}, "url"),
    ({"url": "not a url"}, "url"),
    ({"url": "https://example.test/x", "events": ["post_exploded"]}, "events"),
    ({"url": "https://example.test/x", "client_id": 999_999}, "client_id"),
])
def test_bad_subscriptions_name_the_field_and_store_nothing(api, db, factory, body, field):
    owner = factory.owner()
    resp = api.post("/outbound-webhooks", as_=owner, json=body)
    assert resp.status_code == 422
    assert field in resp.json["error"]["details"]["fields"]
    assert db.execute(text("SELECT count(*) FROM outbound_webhooks")).scalar_one() == 0


def test_unknown_event_message_lists_the_known_ones(api, factory):
    resp = api.post("/outbound-webhooks", as_=factory.owner(),
                    json={"url": "https://example.test/x", "events": ["nope"]})
    message = " ".join(resp.json["error"]["details"]["fields"]["events"])
    assert "nope" in message and "post_published" in message


def test_deliveries_commit_with_the_event_and_vanish_with_its_rollback(app, api, db, factory,
                                                                       receiver, run_jobs):
    owner = factory.owner()
    _subscribe(api, owner, receiver.url)
    client = factory.client()
    with open_session(app) as session:
        events.emit(session, "on_inbox_item_received", item_id=1, client_id=client.id,
                    platform="vk")
        session.rollback()
        with session.begin_nested():
            events.emit(session, "on_inbox_item_received", item_id=2, client_id=client.id,
                        platform="vk")
            session.flush()
            assert len(_deliveries(session)) == 1  # written in the emitting transaction
            session.rollback()  # the savepoint only
        events.emit(session, "on_inbox_item_received", item_id=3, client_id=client.id,
                    platform="vk")
        session.commit()
    run_jobs(app)
    assert [json.loads(r["body"])["data"]["item_id"] for r in receiver.requests] == [3]
    assert [r.payload["data"]["item_id"] for r in _deliveries(db)] == [3]


def test_a_deleted_subscription_gets_nothing_and_breaks_nothing(app, api, db, factory, receiver,
                                                                run_jobs):
    owner = factory.owner()
    first = _subscribe(api, owner, receiver.url)
    _subscribe(api, owner, receiver.url + "?second")
    assert api.delete(f"/outbound-webhooks/{first['id']}", as_=owner).status_code == 204
    _fire(app, "on_inbox_item_received", item_id=1, client_id=factory.client().id, platform="vk")
    run_jobs(app)
    assert len(receiver.requests) == 1 and [r.status for r in _deliveries(db)] == ["delivered"]


def test_an_error_after_the_claim_is_recorded_and_retried_not_left_claimed(app, api, db, factory,
                                                                          receiver, run_jobs):
    from smmflow.outbound.models import OutboundWebhook

    owner = factory.owner()
    _subscribe(api, owner, receiver.url)
    db.execute(update(OutboundWebhook).values(secret_encrypted=b"not a fernet token"))
    db.commit()
    _fire(app, "on_inbox_item_received", item_id=1, client_id=factory.client().id, platform="vk")
    run_jobs(app)
    [row] = _deliveries(db)
    assert (row.status, row.attempts) == ("failed", 3)  # outbound_max_attempts of this app
    assert "could not send" in row.last_error and receiver.requests == []


def test_recovery_fails_a_delivery_whose_worker_died_on_the_last_attempt(app, api, db, factory,
                                                                         receiver, run_jobs,
                                                                         smmflow_redis_url):
    from smmflow.outbound.jobs import recover

    owner = factory.owner()
    _subscribe(api, owner, receiver.url)
    _fire(app, "on_inbox_item_received", item_id=1, client_id=factory.client().id, platform="vk")
    redis.Redis.from_url(smmflow_redis_url).flushdb()
    db.execute(update(OutboundDelivery).values(  # claimed for its 3rd and last try, then died
        attempts=3, next_attempt_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)))
    db.commit()
    with app.app_context():
        assert recover() == 0
    [row] = _deliveries(db)
    assert row.status == "failed" and row.last_error
    assert receiver.requests == []


def test_redeliver_refuses_a_pending_delivery_and_is_audited(app, api, db, factory, receiver,
                                                             run_jobs, smmflow_redis_url):
    from smmflow.audit.models import AuditEvent

    owner = factory.owner()
    created = _subscribe(api, owner, receiver.url)
    _fire(app, "on_inbox_item_received", item_id=1, client_id=factory.client().id, platform="vk")
    [row] = _deliveries(db)
    path = f"/outbound-webhooks/{created['id']}/deliveries/{row.id}/redeliver"
    resp = api.post(path, as_=owner)
    assert resp.status_code == 409 and resp.json["error"]["code"] == "delivery_pending"
    run_jobs(app)
    assert api.post(path, as_=owner).status_code == 202
    run_jobs(app)
    assert len(receiver.requests) == 2
    actions = list(db.scalars(select(AuditEvent.action).where(
        AuditEvent.action == "outbound.redeliver")))
    assert actions == ["outbound.redeliver"]


def test_the_receivers_answer_body_is_not_kept(app, api, db, factory, receiver, run_jobs):
    owner = factory.owner()
    _subscribe(api, owner, receiver.url)
    receiver.answers = [500, 500, 500]
    _fire(app, "on_inbox_item_received", item_id=1, client_id=factory.client().id, platform="vk")
    run_jobs(app)
    [row] = _deliveries(db)
    assert row.last_error == "HTTP 500"  # not "nope" or whatever an internal service answers
