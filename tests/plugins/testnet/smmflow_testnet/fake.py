"""FakeTestnet: the test network's HTTP server, on 127.0.0.1, threaded.

It enforces its own small JSON API (see the README of this distribution):
bearer-token auth, required parameters, unknown fields refused, a text limit,
error envelopes ``{"error": {"code", "message"}}``, 429 with ``Retry-After``.
Tests drive faults with :meth:`FakeTestnet.fail_next` and
:meth:`FakeTestnet.random_faults`, and count what was stored with
:meth:`FakeTestnet.count`. It also implements the FakeNetwork protocol of
:class:`smmflow.testing.contract.PlatformContract`.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import random
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable
from typing import Any

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from smmflow.plugin_api import Account, Content
from smmflow.testing.fakeserver import FakeServer

FAULT_KINDS = ("rate_limit", "server_error", "timeout", "auth", "reject", "accept_then_timeout")
ENDPOINTS = ("publish", "find", "delete", "metrics", "stats", "comments", "moderate", "reply",
             "profile")
MAX_TEXT = 500
MAX_TITLE = 100
MAX_MEDIA = 4
DEFAULT_ACCOUNT = "acct-demo"
ACCOUNT_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
POST_FIELDS = {"marker", "text", "title", "media", "pinned"}
ACTIONS = {"hide": ("visible", "hidden"), "unhide": ("hidden", "visible"),
           "delete": (None, "deleted")}

URLS = Map([
    Rule("/v1/accounts/<account>/posts", methods=["POST"], endpoint="publish"),
    Rule("/v1/accounts/<account>/posts", methods=["GET"], endpoint="find"),
    Rule("/v1/accounts/<account>/posts/<post_id>", methods=["DELETE"], endpoint="delete"),
    Rule("/v1/accounts/<account>/metrics", methods=["GET"], endpoint="metrics"),
    Rule("/v1/accounts/<account>/stats", methods=["GET"], endpoint="stats"),
    Rule("/v1/accounts/<account>/comments", methods=["GET"], endpoint="comments"),
    Rule("/v1/accounts/<account>/comments/<comment_id>/moderation", methods=["POST"],
         endpoint="moderate"),
    Rule("/v1/accounts/<account>/comments/<comment_id>/replies", methods=["POST"],
         endpoint="reply"),
    Rule("/v1/public/<account>", methods=["GET"], endpoint="profile"),
])


class ApiFailure(Exception):
    """An error answer of the fake API."""

    def __init__(self, status: int, code: str, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.extra = status, code, message, extra


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=headers or {},
                    content_type="application/json")


class FakeTestnet(FakeServer):
    """The test network. ``with FakeTestnet() as fake: ...`` or ``start()``/``stop()``."""

    thread_name = "fake-testnet"

    def __init__(self, *, latency: float = 0.0, timeout_sleep: float = 1.5) -> None:
        self.token = "tn-" + secrets.token_hex(12)
        self.latency = latency
        self.timeout_sleep = timeout_sleep
        self.posts: list[dict[str, Any]] = []
        self.comments: dict[str, dict[str, Any]] = {}
        self.replies: dict[str, list[str]] = {}
        self.public_accounts: dict[str, int | None] = {}  # someone else's account -> subscribers
        self.calls: list[tuple[str, str, float]] = []
        self.max_in_flight: dict[str, int] = {}
        self._in_flight: dict[str, int] = {}
        self._faults: deque[tuple[str, dict[str, Any], tuple[str, ...]]] = deque()
        self._random: tuple[random.Random, float, tuple[str, ...], tuple[str, ...],
                            dict[str, Any]] | None = None
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    @property
    def settings(self) -> dict[str, str]:
        return {"TESTNET_API_BASE": self.url}

    # -- the FakeNetwork protocol -------------------------------------------------
    def account_credentials(self) -> dict[str, str]:
        return {"access_token": self.token}

    def account(self, external_id: str = DEFAULT_ACCOUNT) -> Account:
        return Account(id=1, platform="testnet", handle="testnet_demo", external_id=external_id,
                       credentials=self.account_credentials())

    def sample_content(self) -> Content:
        return Content(text="Hello from the test network #launch", title="Launch day")

    def add_public_account(self, name: str, subscribers: int | None) -> str:
        """Someone else's account: its public profile shows ``subscribers`` (None: hidden).

        Its private endpoints (``/v1/accounts/<name>/...``) answer 403 to our token.
        """
        with self._lock:
            self.public_accounts[name] = subscribers
        return name

    def competitor_account(self, followers: int | None = 4321) -> Account:
        """A public rival with ``followers`` (None: hidden), as the core hands it over:
        the rival's handle and id, the credentials of :meth:`account`."""
        name = self.add_public_account(f"rival-{next(self._ids)}", followers)
        return Account(id=2, platform="testnet", handle=name, external_id=name,
                       credentials=self.account_credentials(), is_competitor=True)

    def too_long_content(self) -> Content:
        return Content(text="x" * (MAX_TEXT + 1))

    def count(self, marker: str | None = None) -> int:
        with self._lock:
            return sum(1 for p in self.posts if marker is None or p["marker"] == marker)

    def fail_next(self, kind: str, times: int = 1, *, on: str | Iterable[str] = "publish",
                  **kw: Any) -> None:
        """Make the next ``times`` calls to endpoint(s) ``on`` fail with ``kind``.

        ``on`` is an endpoint name (``publish``, ``find``, ``delete``, ``metrics``,
        ``stats``, ``comments``, ``moderate``, ``reply``, ``profile``), several of them, or
        ``"any"``. Keywords: ``retry_after`` (rate_limit), ``status``
        (server_error), ``message`` (reject).
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULT_KINDS}")
        where = _endpoints(on)
        with self._lock:
            for _ in range(times):
                self._faults.append((kind, kw, where))

    def random_faults(self, seed: int | None, rate: float = 0.1,
                      kinds: Iterable[str] = FAULT_KINDS, *,
                      on: str | Iterable[str] = "publish", **kw: Any) -> None:
        """Fail a seeded random ``rate`` of the calls to ``on`` with one of ``kinds``.

        ``random_faults(None)`` turns random faults off.
        """
        kinds = tuple(kinds)
        unknown = set(kinds) - set(FAULT_KINDS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}")
        with self._lock:
            self._random = None if seed is None else (random.Random(seed), rate, kinds,
                                                      _endpoints(on), kw)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()
            self._random = None

    def seed_comments(self, n: int, post_external_id: str | None = None,
                      account: str = DEFAULT_ACCOUNT) -> list[str]:
        """Add ``n`` visible comments by fans on a post of ``account``; their ids."""
        ids = []
        with self._lock:
            post_id = post_external_id or f"tn-seed-{next(self._ids)}"
            for _ in range(n):
                number = next(self._ids)
                cid = f"c{number}"
                self.comments[cid] = {
                    "id": cid, "account": account, "post_id": post_id,
                    "text": f"Comment {number} from a fan", "state": "visible",
                    "author": {"id": f"u{number}", "name": f"Fan {number}"},
                    "created_at": time.time(), "parent_id": None,
                }
                ids.append(cid)
        return ids

    def comment_state(self, platform_id: str) -> str:
        with self._lock:
            return str(self.comments[platform_id]["state"])

    def replies_to(self, platform_id: str) -> list[str]:
        with self._lock:
            return list(self.replies.get(platform_id, []))

    # -- serving --------------------------------------------------------------------
    def _take_fault(self, endpoint: str) -> tuple[str, dict[str, Any]] | None:
        with self._lock:
            for i, (kind, kw, where) in enumerate(self._faults):
                if "any" in where or endpoint in where:
                    del self._faults[i]
                    return kind, kw
            if self._random is not None:
                rng, rate, kinds, where, kw = self._random
                if ("any" in where or endpoint in where) and rng.random() < rate:
                    return rng.choice(kinds), kw
        return None

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        with self._lock:
            self.calls.append((request.method, request.path, time.time()))
        try:
            endpoint, args = URLS.bind_to_environ(environ).match()
        except HTTPException as exc:
            code = exc.code or 404
            response = _json(code, {"error": {"code": "not_found" if code == 404 else
                                              "method_not_allowed", "message": exc.description}})
            return response(environ, start_response)
        account = args["account"]
        with self._lock:
            self._in_flight[account] = self._in_flight.get(account, 0) + 1
            self.max_in_flight[account] = max(self.max_in_flight.get(account, 0),
                                              self._in_flight[account])
        try:
            response = self._answer(request, str(endpoint), args)
        finally:
            with self._lock:
                self._in_flight[account] -= 1
        return response(environ, start_response)

    def _answer(self, request: Request, endpoint: str, args: dict[str, str]) -> Response:
        if self.latency:
            time.sleep(self.latency)
        try:
            self._authenticate(request, args["account"])
            fault = self._take_fault(endpoint)
            if fault is not None and fault[0] != "accept_then_timeout":
                return self._fault_response(*fault)
            status, body = getattr(self, f"_{endpoint}")(request, **args)
            if fault is not None:  # accept_then_timeout: applied, answered too late
                time.sleep(self.timeout_sleep)
        except ApiFailure as exc:
            return _json(exc.status, {"error": {"code": exc.code, "message": exc.message,
                                                **exc.extra}})
        if status == 204:
            return Response(status=204)
        return _json(status, body)

    def _fault_response(self, kind: str, kw: dict[str, Any]) -> Response:
        if kind == "rate_limit":
            wait = int(kw.get("retry_after", 2))
            return _json(429, {"error": {"code": "rate_limited", "retry_after": wait,
                                         "message": f"Too many requests; retry after {wait} s"}},
                         headers={"Retry-After": str(wait)})
        if kind == "server_error":
            return _json(int(kw.get("status", 503)),
                         {"error": {"code": "unavailable", "message": "Try again later"}})
        if kind == "auth":
            return _json(401, {"error": {"code": "token_revoked",
                                         "message": "The access token was revoked"}})
        if kind == "reject":
            return _json(422, {"error": {"code": "content_rejected", "message": kw.get(
                "message", "This post breaks the community rules")}})
        time.sleep(self.timeout_sleep)  # "timeout": never applied, answered too late
        return _json(504, {"error": {"code": "gateway_timeout", "message": "Upstream timeout"}})

    def _authenticate(self, request: Request, account: str) -> None:
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise ApiFailure(401, "unauthorized", "Send Authorization: Bearer <token>")
        if not secrets.compare_digest(header[len("Bearer "):], self.token):
            raise ApiFailure(401, "invalid_token", "The access token is invalid")
        if not ACCOUNT_NAME.match(account):
            raise ApiFailure(404, "not_found", "No such account")
        if account in self.public_accounts and request.path.startswith("/v1/accounts/"):
            raise ApiFailure(403, "forbidden", "This token does not manage that account; read "
                             "its public profile at /v1/public/<account>")

    @staticmethod
    def _body(request: Request) -> dict[str, Any]:
        if request.mimetype != "application/json":
            raise ApiFailure(415, "unsupported_media_type", "Send a JSON body")
        try:
            body = json.loads(request.get_data(as_text=True) or "null")
        except ValueError as exc:
            raise ApiFailure(400, "invalid_request", "The body is not valid JSON") from exc
        if not isinstance(body, dict):
            raise ApiFailure(400, "invalid_request", "The body must be a JSON object")
        return body

    # -- endpoints --------------------------------------------------------------------
    def _publish(self, request: Request, account: str) -> tuple[int, Any]:
        body = self._body(request)
        unknown = sorted(set(body) - POST_FIELDS)
        if unknown:
            raise ApiFailure(400, "invalid_request", f"Unknown field {unknown[0]!r}", field=unknown[0])
        marker = body.get("marker")
        if not isinstance(marker, str) or not 1 <= len(marker) <= 128:
            raise ApiFailure(400, "invalid_request", "marker is required (1-128 characters)",
                             field="marker")
        text, title = body.get("text", ""), body.get("title", "")
        media = body.get("media", [])
        if not isinstance(text, str) or not isinstance(title, str):
            raise ApiFailure(400, "invalid_request", "text and title must be strings", field="text")
        if not isinstance(media, list) or len(media) > MAX_MEDIA:
            raise ApiFailure(400, "invalid_request", f"media is a list of at most {MAX_MEDIA}",
                             field="media")
        for item in media:
            if not isinstance(item, dict) or item.get("kind") not in ("image", "video") \
                    or not str(item.get("url", "")).startswith(("http://", "https://")):
                raise ApiFailure(400, "invalid_request", "each media item needs kind and url",
                                 field="media")
        if not text and not media:
            raise ApiFailure(400, "invalid_request", "text or media is required", field="text")
        if "pinned" in body and not isinstance(body["pinned"], bool):
            raise ApiFailure(400, "invalid_request", "pinned must be a boolean", field="pinned")
        if len(text) > MAX_TEXT:
            raise ApiFailure(422, "text_too_long", f"Text is limited to {MAX_TEXT} characters")
        if len(title) > MAX_TITLE:
            raise ApiFailure(422, "title_too_long", f"Title is limited to {MAX_TITLE} characters")
        now = time.time()
        with self._lock:
            post_id = f"tn{next(self._ids)}"
            post = {"id": post_id, "marker": marker, "text": text, "title": title, "media": media,
                    "account": account, "received_at": now, "url": f"{self.url}/p/{post_id}",
                    "created_at": dt.datetime.fromtimestamp(now, dt.UTC).isoformat()}
            self.posts.append(post)
        return 201, {"id": post_id, "url": post["url"], "created_at": post["created_at"]}

    def _public(self, post: dict[str, Any]) -> dict[str, Any]:
        return {k: post[k] for k in ("id", "marker", "text", "title", "url", "created_at")}

    def _find(self, request: Request, account: str) -> tuple[int, Any]:
        marker = request.args.get("marker")
        with self._lock:
            found = [self._public(p) for p in self.posts if p["account"] == account
                     and (marker is None or p["marker"] == marker)]
        return 200, {"posts": found}

    def _delete(self, request: Request, account: str, post_id: str) -> tuple[int, Any]:
        with self._lock:
            for i, post in enumerate(self.posts):
                if post["id"] == post_id and post["account"] == account:
                    del self.posts[i]
                    return 204, None
        raise ApiFailure(404, "not_found", "No such post")

    def _metrics(self, request: Request, account: str) -> tuple[int, Any]:
        ids = [i for i in request.args.get("ids", "").split(",") if i]
        if not ids or len(ids) > 50:
            raise ApiFailure(400, "invalid_request", "ids: 1 to 50 comma-separated post ids",
                             field="ids")
        out = {}
        with self._lock:
            for post in self.posts:
                if post["id"] in ids and post["account"] == account:
                    n = int(post["id"][2:])
                    out[post["id"]] = {
                        "view_count": 100 + 7 * n, "like_count": (3 * n) % 50,
                        "comment_count": sum(1 for c in self.comments.values()
                                             if c["post_id"] == post["id"]),
                        "reshare_count": n % 5,
                    }
        return 200, {"metrics": out}

    def _stats(self, request: Request, account: str) -> tuple[int, Any]:
        with self._lock:
            posts = sum(1 for p in self.posts if p["account"] == account)
        return 200, {"subscriber_count": 1000 + posts, "reach_7d": 5000 + 10 * posts}

    def _profile(self, request: Request, account: str) -> tuple[int, Any]:
        with self._lock:
            if account not in self.public_accounts:
                raise ApiFailure(404, "not_found", "No public account with this name")
            subscribers = self.public_accounts[account]
        if subscribers is None:
            return 200, {"name": account, "subscriber_count_hidden": True}
        return 200, {"name": account, "subscriber_count": subscribers,
                     "subscriber_count_hidden": False}

    def _comments(self, request: Request, account: str) -> tuple[int, Any]:
        try:
            since = float(request.args.get("since", "0"))
        except ValueError as exc:
            raise ApiFailure(400, "invalid_request", "since is a Unix time", field="since") from exc
        with self._lock:
            found = sorted((dict(c) for c in self.comments.values()
                            if c["account"] == account and c["created_at"] > since
                            and c["state"] != "deleted"), key=lambda c: c["created_at"])
        return 200, {"comments": found}

    def _comment(self, account: str, comment_id: str) -> dict[str, Any]:
        comment = self.comments.get(comment_id)
        if comment is None or comment["account"] != account or comment["state"] == "deleted":
            raise ApiFailure(404, "not_found", "No such comment")
        return comment

    def _moderate(self, request: Request, account: str, comment_id: str) -> tuple[int, Any]:
        action = self._body(request).get("action")
        if action not in ACTIONS:
            raise ApiFailure(400, "invalid_request", f"action is one of {sorted(ACTIONS)}",
                             field="action")
        with self._lock:
            comment = self._comment(account, comment_id)
            before, after = ACTIONS[action]
            if before is not None and comment["state"] != before:
                raise ApiFailure(409, "conflict", f"The comment is {comment['state']}")
            comment["state"] = after
            return 200, {"comment": dict(comment)}

    def _reply(self, request: Request, account: str, comment_id: str) -> tuple[int, Any]:
        text = self._body(request).get("text")
        if not isinstance(text, str) or not 1 <= len(text) <= MAX_TEXT:
            raise ApiFailure(400, "invalid_request", f"text is required (1-{MAX_TEXT} characters)",
                             field="text")
        with self._lock:
            self._comment(account, comment_id)
            reply_id = f"r{next(self._ids)}"
            self.replies.setdefault(comment_id, []).append(reply_id)
        return 201, {"id": reply_id}


def _endpoints(on: str | Iterable[str]) -> tuple[str, ...]:
    where = (on,) if isinstance(on, str) else tuple(on)
    unknown = set(where) - {*ENDPOINTS, "any"}
    if unknown:
        raise ValueError(f"unknown endpoints {sorted(unknown)}; use {ENDPOINTS} or 'any'")
    return where
