"""The fake test network enforces its API, fails on demand, and takes many calls at once."""

from __future__ import annotations

import datetime as dt
import logging
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from smmflow_testnet.fake import FakeTestnet
from smmflow_testnet.platform import TestnetPlatform

from smmflow.plugin_api import (
    Content,
    ContentRejected,
    JobContext,
    MediaItem,
    RateLimited,
    TransientError,
    make_http_client,
)


@pytest.fixture
def fake():
    with FakeTestnet() as server:
        yield server


@pytest.fixture
def http():
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture
def ctx(fake):
    client = make_http_client(timeout=1.0)
    yield JobContext(settings=fake.settings, http=client, log=logging.getLogger("testnet"))
    client.close()


def _auth(fake):
    return {"Authorization": f"Bearer {fake.token}"}


def _post(fake, http, body, headers=None, account="acct-demo"):
    return http.post(f"{fake.url}/v1/accounts/{account}/posts", json=body,
                     headers=headers if headers is not None else _auth(fake))


def test_token_is_required(fake, http):
    resp = _post(fake, http, {"marker": "m", "text": "hi"}, headers={})
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "unauthorized"
    resp = _post(fake, http, {"marker": "m", "text": "hi"}, headers={"Authorization": "Bearer x"})
    assert resp.status_code == 401 and resp.json()["error"]["code"] == "invalid_token"
    assert fake.count() == 0


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"text": "no marker"}, 400, "invalid_request"),
    ({"marker": "m", "text": "hi", "colour": "red"}, 400, "invalid_request"),
    ({"marker": "m"}, 400, "invalid_request"),
    ({"marker": "m", "text": "hi", "media": [{"kind": "image"}]}, 400, "invalid_request"),
    ({"marker": "m", "text": "hi", "pinned": "yes"}, 400, "invalid_request"),
    ({"marker": "m", "text": "x" * 501}, 422, "text_too_long"),
    ({"marker": "m", "text": "hi", "title": "t" * 101}, 422, "title_too_long"),
])
def test_publish_enforces_its_contract(fake, http, body, status, code):
    resp = _post(fake, http, body)
    assert resp.status_code == status
    assert resp.json()["error"]["code"] == code and resp.json()["error"]["message"]
    assert fake.count() == 0


def test_json_body_is_required(fake, http):
    resp = http.post(f"{fake.url}/v1/accounts/acct-demo/posts", content=b"marker=m",
                     headers={**_auth(fake), "Content-Type": "application/x-www-form-urlencoded"})
    assert resp.status_code == 415


def test_publish_stores_and_reports(fake, http):
    resp = _post(fake, http, {"marker": "m1", "text": "hello"})
    assert resp.status_code == 201
    data = resp.json()
    assert data["url"] == f"{fake.url}/p/{data['id']}"
    [post] = fake.posts
    assert (post["marker"], post["text"], post["account"]) == ("m1", "hello", "acct-demo")
    assert fake.count("m1") == 1 and fake.count("other") == 0
    assert fake.calls[-1][:2] == ("POST", "/v1/accounts/acct-demo/posts")


def test_rate_limit_answer_carries_retry_after(fake, http):
    fake.fail_next("rate_limit", retry_after=7)
    resp = _post(fake, http, {"marker": "m", "text": "hi"})
    assert resp.status_code == 429 and resp.headers["Retry-After"] == "7"
    assert resp.json()["error"]["retry_after"] == 7


def test_faults_apply_to_the_endpoints_named(fake, http):
    fake.fail_next("server_error", on="find")
    assert _post(fake, http, {"marker": "m", "text": "hi"}).status_code == 201
    find = http.get(f"{fake.url}/v1/accounts/acct-demo/posts", headers=_auth(fake))
    assert find.status_code == 503
    fake.fail_next("auth", times=2, on="any")
    assert http.get(f"{fake.url}/v1/accounts/acct-demo/stats", headers=_auth(fake)).status_code == 401
    assert _post(fake, http, {"marker": "n", "text": "hi"}).status_code == 401
    assert _post(fake, http, {"marker": "n", "text": "hi"}).status_code == 201
    with pytest.raises(ValueError, match="unknown fault"):
        fake.fail_next("meteor")


def test_random_faults_are_reproducible(fake, http):
    def run(seed):
        fake.random_faults(seed, rate=0.5, kinds=["rate_limit", "server_error", "reject"])
        codes = [_post(fake, http, {"marker": f"r{i}", "text": "hi"}).status_code for i in range(20)]
        fake.random_faults(None)
        return codes

    first, second = run(42), run(42)
    assert first == second
    assert {429, 503, 422, 201} <= set(first)
    assert run(7) != first


def test_many_concurrent_calls_are_served_in_parallel(fake):
    fake.latency = 0.3

    def call(i):
        with httpx.Client(timeout=10.0) as client:
            return _post(fake, client, {"marker": f"c{i}", "text": "hi"}, account=f"a{i % 5}")

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = [r.status_code for r in pool.map(call, range(40))]
    elapsed = time.monotonic() - started
    assert statuses == [201] * 40
    assert elapsed < 3.0, f"40 calls of 0.3 s took {elapsed:.1f} s: not served in parallel"
    assert fake.count() == 40
    assert max(fake.max_in_flight.values()) > 1


def test_comments_moderation_and_replies(fake, http):
    first, second = fake.seed_comments(2)
    base = f"{fake.url}/v1/accounts/acct-demo/comments"
    comments = http.get(base, headers=_auth(fake)).json()["comments"]
    assert [c["id"] for c in comments] == [first, second]
    since = comments[0]["created_at"]
    later = http.get(base, params={"since": since}, headers=_auth(fake)).json()["comments"]
    assert [c["id"] for c in later] == [second]
    hide = http.post(f"{base}/{first}/moderation", json={"action": "hide"}, headers=_auth(fake))
    assert hide.status_code == 200 and fake.comment_state(first) == "hidden"
    again = http.post(f"{base}/{first}/moderation", json={"action": "hide"}, headers=_auth(fake))
    assert again.status_code == 409
    reply = http.post(f"{base}/{second}/replies", json={"text": "Thanks!"}, headers=_auth(fake))
    assert reply.status_code == 201 and fake.replies_to(second) == [reply.json()["id"]]
    http.post(f"{base}/{second}/moderation", json={"action": "delete"}, headers=_auth(fake))
    gone = http.post(f"{base}/{second}/replies", json={"text": "Hi"}, headers=_auth(fake))
    assert gone.status_code == 404
    other = http.get(f"{fake.url}/v1/accounts/someone-else/comments", headers=_auth(fake))
    assert other.json()["comments"] == []


def test_platform_validates_network_rules():
    platform = TestnetPlatform()
    image = MediaItem(kind="image", mime_type="image/jpeg", size_bytes=1000, format="jpeg")
    problems = platform.validate(Content(text="hi", media=(image,)), {"pinned": "maybe"})
    assert {(p.field, p.code) for p in problems} == {("media[0]", "media_url_required"),
                                                     ("options.pinned", "invalid_option")}
    assert platform.validate(Content(), {})[0].code == "text_required"


def test_platform_operations_against_the_fake(fake, ctx):
    platform = TestnetPlatform()
    account = fake.account()
    image = MediaItem(kind="image", mime_type="image/jpeg", size_bytes=10, url="https://cdn/x.jpg")
    result = platform.publish(ctx, account, Content(text="hi", media=(image,)), {"pinned": True},
                              "mk")
    assert fake.posts[0]["media"] == [{"kind": "image", "url": "https://cdn/x.jpg"}]
    assert result.published_at is not None and result.published_at.tzinfo is not None
    assert platform.find_published(ctx, account, "mk") == result
    metrics = platform.fetch_post_metrics(ctx, account, [result.external_id, "tn-missing"])
    assert set(metrics) == {result.external_id}
    assert set(metrics[result.external_id]) == {"views", "likes", "comments", "shares"}
    assert platform.fetch_account_metrics(ctx, account) == {"followers": 1001, "reach": 5010}
    platform.delete(ctx, account, result.external_id)
    platform.delete(ctx, account, result.external_id)  # already gone: fine
    assert fake.count() == 0
    since = dt.datetime.now(dt.UTC)
    assert platform.fetch_comments(ctx, account, since) == []


def test_platform_maps_errors(fake, ctx):
    platform = TestnetPlatform()
    account = fake.account()
    fake.fail_next("rate_limit", retry_after=4, on="metrics")
    with pytest.raises(RateLimited) as info:
        platform.fetch_post_metrics(ctx, account, ["tn1"])
    assert info.value.retry_after == 4
    fake.fail_next("timeout", on="stats")
    with pytest.raises(TransientError):  # a read that timed out changed nothing
        platform.fetch_account_metrics(ctx, account)
    with pytest.raises(ContentRejected, match="cannot restore"):
        platform.moderate(ctx, account, None, "restore")  # type: ignore[arg-type]
    fake.stop()
    with pytest.raises(TransientError, match="unreachable"):
        platform.publish(ctx, account, Content(text="hi"), {}, "m")
