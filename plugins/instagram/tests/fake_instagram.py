"""FakeInstagram: a fake Instagram Graph API (v25.0) on 127.0.0.1, threaded.

It enforces the contract the plugin relies on (see the plugin README and the platform reference
§3): the version prefix, the ``access_token`` parameter, object ids and edges, required and
unknown parameters, caption/hashtag/mention limits, JPEG-only images, carousel 2–10 children,
reels instead of single feed videos, container states (``IN_PROGRESS`` -> ``FINISHED`` ->
``PUBLISHED``, ``EXPIRED`` after 24 h), the publishing quota of a rolling 24 h, current insight
metric names (removed ones answer the real ``(#100)`` error), replies only to visible top-level
comments, and the Graph error envelope ``{"error": {"message", "type", "code",
"error_subcode", "is_transient", "fbtrace_id"}}`` with usage headers on rate limits.

It implements the FakeNetwork protocol of :class:`smmflow.testing.contract.PlatformContract`.
Instagram carries no field for smmflow's marker, so :meth:`count` matches a marker against
captions and, when no caption holds it, counts every post published through the API (each test
gets its own fake).

Run ``python fake_instagram.py`` to serve it for a demo; it prints the settings and the
credentials to use.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import math
import re
import secrets
import threading
import time
from collections import deque
from collections.abc import Iterable, Mapping
from typing import Any

from werkzeug.wrappers import Request, Response

from smmflow.plugin_api import Account, Content, MediaItem
from smmflow.testing.fakeserver import FakeServer

API_VERSION = "v25.0"
FAULT_KINDS = ("rate_limit", "server_error", "timeout", "auth", "reject", "accept_then_timeout",
               "buc_rate_limit", "quota", "policy_block", "not_ready", "spam", "restricted",
               "permission", "transient", "expired")
ENDPOINTS = ("user", "limit", "container", "status", "publish", "media_list", "media", "delete",
             "insights", "comments", "comment", "moderate", "reply", "replies")
DEFAULT_ON = {"timeout": "publish", "accept_then_timeout": "publish", "reject": "container",
              "not_ready": "publish", "expired": "publish", "quota": "publish", "spam": "publish",
              "restricted": "publish"}
MAX_CAPTION = 2200
MAX_HASHTAGS = 30
MAX_MENTIONS = 20
MAX_CHILDREN = 10
CONTAINER_TTL = 24 * 3600
QUOTA_DURATION = 86400
HASHTAG = re.compile(r"(?<!\w)#(\w+)", re.UNICODE)
MENTION = re.compile(r"(?<!\w)@(\w[\w.]*)", re.UNICODE)
CONTAINER_PARAMS = {"image_url", "video_url", "media_type", "caption", "is_carousel_item",
                    "children", "alt_text", "location_id", "share_to_feed", "cover_url",
                    "thumb_offset", "user_tags", "collaborators", "audio_name", "product_tags"}
MEDIA_FIELDS = {"id", "caption", "media_type", "media_product_type", "permalink", "timestamp",
                "like_count", "comments_count", "shortcode", "username", "media_url"}
USER_FIELDS = {"id", "username", "name", "followers_count", "follows_count", "media_count"}
DISCOVERY = re.compile(r"^business_discovery\.username\(([^()]*)\)$")
DISCOVERY_FIELDS = {"id", "ig_id", "username", "name", "biography", "website", "profile_picture_url",
                    "followers_count", "follows_count", "media_count"}  # public fields of IG User
CONTAINER_FIELDS = {"id", "status_code", "status"}
COMMENT_FIELDS = {"id", "text", "timestamp", "username", "from", "hidden", "like_count",
                  "parent_id", "media", "replies"}
FEED_METRICS = {"views", "reach", "likes", "comments", "saved", "shares", "total_interactions",
                "follows", "profile_visits", "profile_activity"}
REELS_METRICS = {"views", "reach", "likes", "comments", "saved", "shares", "total_interactions",
                 "ig_reels_avg_watch_time", "ig_reels_video_view_total_time"}
REMOVED_METRICS = ("impressions", "plays", "clips_replays_count",
                   "ig_reels_aggregated_all_plays_count", "video_views")


class GraphError(Exception):
    """An error answer in the Graph envelope."""

    def __init__(self, status: int, code: int, message: str, *, subcode: int | None = None,
                 type_: str = "OAuthException", transient: bool = False,
                 user_msg: str | None = None, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.subcode = status, code, message, subcode
        self.type, self.transient, self.user_msg = type_, transient, user_msg
        self.headers = dict(headers or {})

    def response(self) -> Response:
        error: dict[str, Any] = {"message": self.message, "type": self.type, "code": self.code,
                                 "fbtrace_id": "A" + secrets.token_hex(10)}
        if self.subcode is not None:
            error["error_subcode"] = self.subcode
        if self.transient:
            error["is_transient"] = True
        if self.user_msg:
            error["error_user_title"] = "Cannot publish"
            error["error_user_msg"] = self.user_msg
        return _json(self.status, {"error": error}, self.headers)


def _missing(obj_id: str, method: str = "GET") -> GraphError:
    return GraphError(400, 100, f"Unsupported {method.lower()} request. Object with ID '{obj_id}' "
                      "does not exist, cannot be loaded due to missing permissions, or does not "
                      "support this operation.", subcode=33, type_="GraphMethodException")


def _bad_param(message: str, *, subcode: int | None = None) -> GraphError:
    return GraphError(400, 100, f"(#100) {message}", subcode=subcode)


def _json(status: int, body: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status=status, headers=dict(headers or {}),
                    content_type="application/json")


def _iso(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def parse_fields(raw: str | None) -> dict[str, dict[str, Any] | None]:
    """``"a,b,c{x,y}"`` -> ``{"a": None, "b": None, "c": {"x": None, "y": None}}``."""
    out: dict[str, dict[str, Any] | None] = {}
    if not raw:
        return out
    depth, start = 0, 0
    pieces: list[str] = []
    for i, ch in enumerate(raw):
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth < 0:
                raise _bad_param("Syntax error in the fields parameter")
        elif ch == "," and depth == 0:
            pieces.append(raw[start:i])
            start = i + 1
    if depth != 0:
        raise _bad_param("Syntax error in the fields parameter")
    pieces.append(raw[start:])
    for piece in pieces:
        piece = piece.strip()
        if not piece:
            continue
        if "{" in piece:
            name, _, rest = piece.partition("{")
            out[name.strip()] = parse_fields(rest[:-1])
        else:
            out[piece] = None
    return out


def _bool(value: str | None, name: str) -> bool | None:
    if value is None:
        return None
    if value.lower() in ("true", "1"):
        return True
    if value.lower() in ("false", "0"):
        return False
    raise _bad_param(f"Param {name} must be a boolean")


class FakeInstagram(FakeServer):
    """The fake Graph API. ``with FakeInstagram() as fake: ...`` or ``start()``/``stop()``."""

    thread_name = "fake-instagram"

    def __init__(self, *, timeout_sleep: float = 1.5, quota_total: int = 100,
                 video_polls: int = 2, latency: float = 0.0) -> None:
        self.token = "IGAA" + secrets.token_hex(20)
        self.ig_user_id = "17841" + str(secrets.randbelow(10**10)).zfill(10)
        self.username = "smmflow_brand"
        self.followers_count = 1234
        self.professional_accounts: dict[str, dict[str, Any]] = {}  # others, for Business Discovery
        self.timeout_sleep = timeout_sleep
        self.quota_total = quota_total
        self.quota_extra_usage = 0
        self.video_polls = video_polls
        self.latency = latency
        self.containers: dict[str, dict[str, Any]] = {}
        self.media: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, dict[str, Any]] = {}
        self.insights: dict[str, dict[str, int]] = {}
        self.unsupported_metrics: dict[str, set[str]] = {}
        self.calls: list[dict[str, Any]] = []
        self.publish_times: list[float] = []
        self.next_container_error: int | None = None  # e.g. 2207026: the next container fails
        self._offset = 0.0
        self._faults: deque[tuple[str, dict[str, Any], tuple[str, ...]]] = deque()
        self._ids = itertools.count(17900000000000001)
        self._seed_media: str | None = None
        self._lock = threading.Lock()

    @property
    def settings(self) -> dict[str, str]:
        return {"INSTAGRAM_API_BASE": self.url, "INSTAGRAM_POLL_INTERVAL": "0.01",
                "INSTAGRAM_POLL_ATTEMPTS": "20"}

    # -- the FakeNetwork protocol ---------------------------------------------------------
    def account_credentials(self) -> dict[str, str]:
        return {"access_token": self.token, "ig_user_id": self.ig_user_id}

    def account(self) -> Account:
        return Account(id=1, platform="instagram", handle=self.username,
                       external_id=self.ig_user_id, credentials=self.account_credentials())

    def image(self, name: str = "photo.jpg", **kw: Any) -> MediaItem:
        """A JPEG that passes Instagram's limits, at a public URL."""
        values: dict[str, Any] = {"kind": "image", "mime_type": "image/jpeg", "size_bytes": 450_000,
                                  "url": f"https://cdn.example.com/{name}", "filename": name,
                                  "width": 1080, "height": 1080, "format": "jpeg"}
        values.update(kw)
        return MediaItem(**values)

    def video(self, name: str = "clip.mp4", **kw: Any) -> MediaItem:
        values: dict[str, Any] = {"kind": "video", "mime_type": "video/mp4",
                                  "size_bytes": 12_000_000, "url": f"https://cdn.example.com/{name}",
                                  "filename": name, "width": 1080, "height": 1920,
                                  "duration_seconds": 20.0, "format": "mp4"}
        values.update(kw)
        return MediaItem(**values)

    def sample_content(self) -> Content:
        return Content(text="Autumn collection is here #autumn #style", media=(self.image(),))

    def too_long_content(self) -> Content:
        return Content(text="x" * (MAX_CAPTION + 1), media=(self.image(),))

    def count(self, marker: str | None = None) -> int:
        with self._lock:
            posts = [m for m in self.media.values() if m["api"] and not m["deleted"]]
            if marker is None:
                return len(posts)
            tagged = [m for m in self.media.values() if marker in (m["caption"] or "")]
            if tagged:
                return sum(1 for m in tagged if m["api"] and not m["deleted"])
            return len(posts)

    def fail_next(self, kind: str, times: int = 1, *, on: str | Iterable[str] | None = None,
                  **kw: Any) -> None:
        """Make the next ``times`` calls to endpoint(s) ``on`` fail with ``kind``.

        ``on``: one of ENDPOINTS, several, or ``"any"``; by default ``publish``
        (``media_publish``) for the timeout kinds, ``container`` for ``reject`` and ``any``
        otherwise. Keywords: ``retry_after`` seconds (rate limits), ``message``.
        """
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {FAULT_KINDS}")
        where = on if on is not None else DEFAULT_ON.get(kind, "any")
        names = (where,) if isinstance(where, str) else tuple(where)
        for name in names:
            if name != "any" and name not in ENDPOINTS:
                raise ValueError(f"unknown endpoint {name!r}; one of {ENDPOINTS} or 'any'")
        with self._lock:
            for _ in range(times):
                self._faults.append((kind, kw, names))

    def seed_comments(self, n: int, post_external_id: str | None = None) -> list[str]:
        """Add ``n`` visible comments by fans on a post of the account; their ids."""
        media_id = post_external_id or self.seed_post()
        with self._lock:
            ids = []
            for _ in range(n):
                number = next(self._ids)
                cid = str(number)
                self.comments[cid] = {
                    "id": cid, "media": media_id, "parent": None, "text": f"Love it! ({number})",
                    "from": {"id": f"9{number}", "username": f"fan_{number % 100000}"},
                    "timestamp": self.now(), "hidden": False, "deleted": False, "like_count": 0}
                ids.append(cid)
            return ids

    def seed_post(self) -> str:
        """The id of a post of the account made outside smmflow (not counted by :meth:`count`)."""
        with self._lock:
            if self._seed_media is None:
                self._seed_media = self._new_media(caption="Seeded post", kind="IMAGE", api=False)
            return self._seed_media

    def comment_state(self, platform_id: str) -> str:
        with self._lock:
            comment = self.comments[platform_id]
            if comment["deleted"]:
                return "deleted"
            return "hidden" if comment["hidden"] else "visible"

    def replies_to(self, platform_id: str) -> list[str]:
        with self._lock:
            return [c["id"] for c in self.comments.values() if c["parent"] == platform_id]

    def competitor_account(self, followers: int | None = 4321) -> Account | None:
        """A professional account of someone else, as the core hands it over (the credentials of
        :meth:`account`). Instagram always shows a professional account's followers_count, so
        ``followers=None`` has no such account: None."""
        if followers is None:
            return None
        name = f"rival.{len(self.professional_accounts) + 1}"
        self.add_professional_account(name, followers_count=followers)
        return Account(id=2, platform="instagram", handle=f"@{name}", external_id=None,
                       credentials=self.account_credentials(), is_competitor=True)

    def add_professional_account(self, username: str, *, followers_count: int = 1000,
                                 media_count: int = 25) -> str:
        """Another business/creator account Business Discovery can read; its IG user id."""
        with self._lock:
            ig_id = "17841" + str(secrets.randbelow(10**10)).zfill(10)
            self.professional_accounts[username.lower()] = {
                "id": ig_id, "ig_id": int(ig_id[5:]), "username": username.lower(),
                "name": f"{username} Co", "biography": "", "website": "https://example.com",
                "profile_picture_url": "https://cdn.example.com/p.jpg",
                "followers_count": followers_count, "follows_count": 10, "media_count": media_count}
            return ig_id

    # -- knobs for tests ----------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the fake's clock forward (containers expire, the quota window slides)."""
        with self._lock:
            self._offset += seconds

    def exhaust_quota(self) -> None:
        with self._lock:
            self.quota_extra_usage = self.quota_total

    def quota_usage(self) -> int:
        now = self.now()
        return self.quota_extra_usage + sum(1 for t in self.publish_times
                                            if now - t < QUOTA_DURATION)

    def container_count(self) -> int:
        with self._lock:
            return len(self.containers)

    def publish_calls(self) -> int:
        return sum(1 for c in self.calls if c["endpoint"] == "publish")

    # -- WSGI -----------------------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self._handle(request)
        return response(environ, start_response)

    def _handle(self, request: Request) -> Response:
        if self.latency:
            time.sleep(self.latency)
        params: dict[str, str] = dict(request.args.items())
        token_in = "query" if "access_token" in request.args else None
        if request.method == "POST":
            for key, value in request.form.items():
                params.setdefault(key, value)
            if "access_token" in request.form:
                token_in = token_in or "form"
        try:
            endpoint, handler = self._route(request.method, request.path)
        except GraphError as exc:
            return exc.response()
        with self._lock:
            self.calls.append({"method": request.method, "path": request.path,
                               "endpoint": endpoint, "token_in": token_in, "time": time.time(),
                               "params": {k: v for k, v in params.items() if k != "access_token"}})
            fault = self._take_fault(endpoint)
        token = params.pop("access_token", None)
        if not token:
            return GraphError(400, 104, "An access token is required to request this "
                              "resource.").response()
        if token != self.token:
            return GraphError(400, 190, "Invalid OAuth access token - Cannot parse access "
                              "token", subcode=467).response()
        if fault is not None:
            kind, kw = fault
            if kind == "timeout":
                time.sleep(self.timeout_sleep)
                return GraphError(500, 2, "Service temporarily unavailable",
                                  transient=True).response()
            if kind != "accept_then_timeout":
                return self._fault_error(kind, kw).response()
        try:
            with self._lock:
                body = handler(params)
            response = _json(200, body, {"X-App-Usage": json.dumps(
                {"call_count": 1, "total_cputime": 1, "total_time": 1})})
        except GraphError as exc:
            response = exc.response()
        if fault is not None and fault[0] == "accept_then_timeout":
            time.sleep(self.timeout_sleep)
        return response

    def _take_fault(self, endpoint: str) -> tuple[str, dict[str, Any]] | None:
        for i, (kind, kw, names) in enumerate(self._faults):
            if "any" in names or endpoint in names:
                del self._faults[i]
                return kind, kw
        return None

    def _fault_error(self, kind: str, kw: Mapping[str, Any]) -> GraphError:
        message = kw.get("message")
        minutes = max(1, math.ceil(float(kw.get("retry_after", 60)) / 60.0))
        usage = {"X-App-Usage": json.dumps({"call_count": 100, "total_cputime": 40,
                                            "total_time": 60}),
                 "X-Business-Use-Case-Usage": json.dumps({self.ig_user_id: [{
                     "type": "instagram", "call_count": 100, "total_cputime": 40,
                     "total_time": 60, "estimated_time_to_regain_access": minutes}]})}
        table: dict[str, GraphError] = {
            "rate_limit": GraphError(400, 4, "(#4) Application request limit reached",
                                     transient=True, headers=usage),
            "buc_rate_limit": GraphError(400, 80002, "(#80002) There have been too many calls "
                                         "to this Instagram account. Wait a bit and try again.",
                                         headers=usage),
            "server_error": GraphError(500, 2, "An unexpected error has occurred. Please retry "
                                       "your request later.", transient=True),
            "transient": GraphError(500, 1, "An unknown error occurred", subcode=99,
                                    transient=True),
            "auth": GraphError(400, 190, "Error validating access token: Session has expired.",
                               subcode=463),
            "permission": GraphError(403, 10, "(#10) Application does not have permission for "
                                     "this action"),
            "reject": GraphError(400, 36003, message or "The submitted image with aspect ratio "
                                 "('3:1') cannot be published. Please submit an image with a "
                                 "valid aspect ratio.", subcode=2207009,
                                 user_msg="The aspect ratio is not supported."),
            "quota": GraphError(400, 9, "Application request limit reached", subcode=2207042,
                                user_msg="You reached maximum number of posts that is allowed "
                                "to be published by Content Publish API."),
            "policy_block": GraphError(400, 368, "The action attempted has been deemed abusive "
                                       "or is otherwise disallowed"),
            "not_ready": GraphError(400, 9007, "Media ID is not available", subcode=2207027,
                                    user_msg="The media is not ready for publishing, please "
                                    "wait for a moment"),
            "spam": GraphError(400, 4, "Application request limit reached", subcode=2207051,
                               user_msg="We restrict certain activity to protect our community."),
            "restricted": GraphError(400, 25, "The account is restricted", subcode=2207050,
                                     user_msg="The Instagram account is restricted."),
            "expired": GraphError(400, -2, "The media container has expired", subcode=2207020,
                                  user_msg="The media you are trying to publish has expired."),
        }
        return table[kind]

    # -- routing --------------------------------------------------------------------------
    def _route(self, method: str, path: str) -> tuple[str, Any]:
        parts = [p for p in path.split("/") if p]
        if not parts or not re.fullmatch(r"v\d+\.\d+", parts[0]):
            raise GraphError(400, 2500, "Unknown path components: " + path)
        if parts[0] != API_VERSION:
            raise GraphError(400, 12, f"This fake serves {API_VERSION} only; got {parts[0]}.")
        if len(parts) not in (2, 3):
            raise GraphError(400, 2500, "Unknown path components: " + path)
        obj_id = parts[1]
        edge = parts[2] if len(parts) == 3 else None
        with self._lock:
            kind = self._kind_of(obj_id)
        routes: dict[tuple[str, str, str | None], tuple[str, Any]] = {
            ("user", "GET", None): ("user", self._get_user),
            ("user", "GET", "content_publishing_limit"): ("limit", self._get_limit),
            ("user", "POST", "media"): ("container", self._create_container),
            ("user", "GET", "media"): ("media_list", self._list_media),
            ("user", "POST", "media_publish"): ("publish", self._media_publish),
            ("container", "GET", None): ("status", lambda p: self._get_container(obj_id, p)),
            ("media", "GET", None): ("media", lambda p: self._get_media(obj_id, p)),
            ("media", "DELETE", None): ("delete", lambda p: self._delete_media(obj_id)),
            ("media", "GET", "insights"): ("insights", lambda p: self._insights(obj_id, p)),
            ("media", "GET", "comments"): ("comments", lambda p: self._list_comments(obj_id, p)),
            ("comment", "GET", None): ("comment", lambda p: self._get_comment(obj_id, p)),
            ("comment", "POST", None): ("moderate", lambda p: self._hide(obj_id, p)),
            ("comment", "DELETE", None): ("moderate", lambda p: self._delete_comment(obj_id)),
            ("comment", "POST", "replies"): ("reply", lambda p: self._reply(obj_id, p)),
            ("comment", "GET", "replies"): ("replies", lambda p: self._list_replies(obj_id, p)),
        }
        route = routes.get((kind, method, edge))
        if route is None:
            raise _missing(obj_id, method)
        return route

    def _kind_of(self, obj_id: str) -> str | None:
        if obj_id == self.ig_user_id:
            return "user"
        if obj_id in self.containers:
            return "container"
        if obj_id in self.media:
            return "media"
        if obj_id in self.comments:
            return "comment"
        return None

    # -- user -----------------------------------------------------------------------------
    def _check_fields(self, params: Mapping[str, str], allowed: set[str],
                      node: str) -> dict[str, dict[str, Any] | None]:
        fields = parse_fields(params.get("fields"))
        for name in fields:
            if name not in allowed:
                raise _bad_param(f"Tried accessing nonexisting field ({name}) on node type "
                                 f"({node})")
        return fields

    def _get_user(self, params: Mapping[str, str]) -> dict[str, Any]:
        if "business_discovery" in (params.get("fields") or ""):
            return self._business_discovery(params)
        fields = self._check_fields(params, USER_FIELDS, "IGUser") or {"id": None}
        values = {"id": self.ig_user_id, "username": self.username, "name": "Smmflow Brand",
                  "followers_count": self.followers_count, "follows_count": 12,
                  "media_count": sum(1 for m in self.media.values() if not m["deleted"])}
        return {name: values[name] for name in fields} | {"id": self.ig_user_id}

    def _business_discovery(self, params: Mapping[str, str]) -> dict[str, Any]:
        """``fields=business_discovery.username(<name>){<public fields>}`` on our own IG user."""
        out: dict[str, Any] = {"id": self.ig_user_id}
        for name, sub in parse_fields(params.get("fields")).items():
            match = DISCOVERY.match(name)
            if match is None:
                if name.startswith("business_discovery"):
                    raise _bad_param("Syntax error: business_discovery needs .username(<name>)")
                if name not in USER_FIELDS:
                    raise _bad_param(f"Tried accessing nonexisting field ({name}) on node type "
                                     "(IGUser)")
                continue
            for field in sub or {"id": None}:
                if field not in DISCOVERY_FIELDS:  # insights, stories...: not public
                    raise GraphError(400, 10, "(#10) Application does not have permission for "
                                     "this action")
            target = self.professional_accounts.get(match.group(1).lower())
            if target is None:  # unknown and personal accounts answer alike
                raise GraphError(400, 110, "Invalid user id", subcode=2207013)
            out["business_discovery"] = {f: target[f] for f in sub or {}} | {"id": target["id"]}
        return out

    def _get_limit(self, params: Mapping[str, str]) -> dict[str, Any]:
        fields = self._check_fields(params, {"quota_usage", "config"}, "ContentPublishingLimit")
        entry: dict[str, Any] = {}
        if not fields or "quota_usage" in fields:
            entry["quota_usage"] = self.quota_usage()
        if "config" in fields:
            entry["config"] = {"quota_total": self.quota_total, "quota_duration": QUOTA_DURATION}
        return {"data": [entry]}

    # -- containers -----------------------------------------------------------------------
    def _create_container(self, params: Mapping[str, str]) -> dict[str, Any]:
        unknown = set(params) - CONTAINER_PARAMS
        if unknown:
            raise _bad_param(f"Param {sorted(unknown)[0]} is not a valid parameter")
        media_type = params.get("media_type")
        carousel_item = _bool(params.get("is_carousel_item"), "is_carousel_item") or False
        caption = params.get("caption")
        if caption is not None:
            self._check_caption(caption)
        if carousel_item and ("caption" in params or "location_id" in params):
            raise _bad_param("caption and location_id are not supported on carousel items")
        children: list[str] = []
        if media_type is None:
            self._require(params, "image_url", forbid=("video_url", "children"))
            self._check_image_url(params["image_url"])
            kind = "IMAGE"
        elif media_type == "VIDEO":
            if not carousel_item:
                raise _bad_param("The media_type VIDEO is not supported for feed posts; "
                                 "use REELS", subcode=2207023)
            self._require(params, "video_url", forbid=("image_url", "children"))
            self._check_video_url(params["video_url"])
            kind = "VIDEO"
        elif media_type == "REELS":
            if carousel_item:
                raise _bad_param("Reels cannot be carousel items")
            self._require(params, "video_url", forbid=("image_url", "children"))
            self._check_video_url(params["video_url"])
            kind = "REELS"
        elif media_type == "CAROUSEL":
            self._require(params, "children", forbid=("image_url", "video_url"))
            children = [c.strip() for c in params["children"].split(",") if c.strip()]
            self._check_children(children)
            kind = "CAROUSEL"
        else:
            raise _bad_param(f"media_type must be one of REELS, CAROUSEL, VIDEO (carousel "
                             f"items), STORIES; got {media_type}")
        cid = str(next(self._ids))
        video = kind in ("VIDEO", "REELS")
        self.containers[cid] = {
            "id": cid, "kind": kind, "caption": caption, "carousel_item": carousel_item,
            "children": children, "created_at": self.now(), "polls_left":
            self.video_polls if video else 0, "status_code": "IN_PROGRESS" if video else "FINISHED",
            "used": False, "media_id": None, "url": params.get("image_url") or params.get("video_url"),
            "error": None}
        if self.next_container_error is not None:
            self.containers[cid].update(status_code="ERROR", error=self.next_container_error)
            self.next_container_error = None
        for child in children:
            self.containers[child]["used"] = True
        return {"id": cid}

    @staticmethod
    def _require(params: Mapping[str, str], name: str, forbid: Iterable[str] = ()) -> None:
        if not params.get(name):
            raise _bad_param(f"The parameter {name} is required")
        for other in forbid:
            if other in params:
                raise _bad_param(f"Param {other} cannot be used with this media_type")

    def _check_caption(self, caption: str) -> None:
        if len(caption) > MAX_CAPTION:
            raise GraphError(400, 36004, "The caption is too long.", subcode=2207010,
                             user_msg=f"The caption may have at most {MAX_CAPTION} characters.")
        if len(HASHTAG.findall(caption)) > MAX_HASHTAGS:
            raise _bad_param(f"The caption may contain at most {MAX_HASHTAGS} hashtags")
        if len(MENTION.findall(caption)) > MAX_MENTIONS:
            raise _bad_param(f"The caption may contain at most {MAX_MENTIONS} @mentions")

    @staticmethod
    def _url_ext(url: str, name: str) -> str:
        if not re.match(r"^https?://[^\s/]+/\S*$", url):
            raise _bad_param(f"Param {name} must be a valid URL")
        path = url.split("?", 1)[0].rsplit("/", 1)[-1]
        if "unreachable" in url:
            raise GraphError(400, 9004, "The media could not be fetched from this uri",
                             subcode=2207052, user_msg="Media download has failed.")
        return path.rsplit(".", 1)[-1].lower() if "." in path else ""

    def _check_image_url(self, url: str) -> None:
        ext = self._url_ext(url, "image_url")
        if ext and ext not in ("jpg", "jpeg"):
            raise GraphError(400, 36001, "The image format is not supported.", subcode=2207005,
                             user_msg="Only JPEG images can be published.")

    def _check_video_url(self, url: str) -> None:
        ext = self._url_ext(url, "video_url")
        if ext and ext not in ("mp4", "mov"):
            raise GraphError(400, 352, "The video file format is not supported.",
                             subcode=2207026, user_msg="Use MOV or MP4.")

    def _check_children(self, children: list[str]) -> None:
        if not 2 <= len(children) <= MAX_CHILDREN:
            raise GraphError(400, 100, "(#100) The carousel needs between 2 and 10 items.",
                             subcode=2207028, user_msg="A carousel has 2 to 10 items.")
        for child in children:
            container = self.containers.get(child)
            if container is None or not container["carousel_item"]:
                raise _bad_param(f"Child {child} is not a carousel item container")
            if container["used"]:
                raise _bad_param(f"Child {child} is already part of a carousel")
            self._refresh(container)
            if container["status_code"] != "FINISHED":
                raise GraphError(400, 9007, "Media ID is not available", subcode=2207027,
                                 user_msg="A carousel item is not ready yet.")

    def _refresh(self, container: dict[str, Any]) -> None:
        if container["status_code"] in ("IN_PROGRESS", "FINISHED") and \
                self.now() - container["created_at"] > CONTAINER_TTL:
            container["status_code"] = "EXPIRED"

    def _get_container(self, cid: str, params: Mapping[str, str]) -> dict[str, Any]:
        fields = self._check_fields(params, CONTAINER_FIELDS, "ShadowIGMediaBuilder")
        container = self.containers[cid]
        self._refresh(container)
        if container["status_code"] == "IN_PROGRESS":
            if container["polls_left"] <= 0:
                container["status_code"] = "FINISHED"
            container["polls_left"] -= 1
        texts = {"IN_PROGRESS": "In Progress: Media is still being processed.",
                 "FINISHED": "Finished: Media has been uploaded and it is ready to be published.",
                 "PUBLISHED": "Published: Media has been successfully published.",
                 "EXPIRED": "Expired: Media was not published within 24 hours.",
                 "ERROR": f"Error: Media upload has failed with error code {container['error']}."}
        values = {"id": cid, "status_code": container["status_code"],
                  "status": texts[container["status_code"]]}
        return {name: values[name] for name in fields or {"id": None}} | {"id": cid}

    def _media_publish(self, params: Mapping[str, str]) -> dict[str, Any]:
        unknown = set(params) - {"creation_id"}
        if unknown:
            raise _bad_param(f"Param {sorted(unknown)[0]} is not a valid parameter")
        cid = params.get("creation_id")
        if not cid:
            raise _bad_param("The parameter creation_id is required")
        container = self.containers.get(cid)
        if container is None:
            raise GraphError(400, 24, "The requested resource does not exist", subcode=2207008)
        if container["carousel_item"]:
            raise _bad_param("A carousel item cannot be published on its own")
        self._refresh(container)
        status = container["status_code"]
        if status == "IN_PROGRESS":
            raise GraphError(400, 9007, "Media ID is not available", subcode=2207027,
                             user_msg="The media is not ready for publishing, please wait for "
                             "a moment")
        if status == "EXPIRED":
            raise GraphError(400, -2, "The media container has expired", subcode=2207020)
        if status == "PUBLISHED":
            raise _bad_param("The media has already been published")
        if status == "ERROR":
            raise GraphError(400, -1, "Failed to create the media", subcode=2207001,
                             transient=True)
        if self.quota_usage() >= self.quota_total:
            raise GraphError(400, 9, "Application request limit reached", subcode=2207042,
                             user_msg="You reached maximum number of posts that is allowed to "
                             "be published by Content Publish API.")
        kind = {"IMAGE": "IMAGE", "REELS": "VIDEO", "CAROUSEL": "CAROUSEL_ALBUM"}[container["kind"]]
        mid = self._new_media(caption=container["caption"], kind=kind, api=True,
                              container_id=cid, children=container["children"],
                              product="REELS" if container["kind"] == "REELS" else "FEED")
        container["status_code"] = "PUBLISHED"
        container["media_id"] = mid
        self.publish_times.append(self.now())
        return {"id": mid}

    def _new_media(self, *, caption: str | None, kind: str, api: bool, container_id: str | None = None,
                   children: list[str] | None = None, product: str = "FEED") -> str:
        mid = str(next(self._ids))
        shortcode = secrets.token_urlsafe(8).replace("-", "A").replace("_", "B")[:11]
        self.media[mid] = {
            "id": mid, "caption": caption, "media_type": kind, "media_product_type": product,
            "timestamp": self.now(), "shortcode": shortcode,
            "permalink": f"https://www.instagram.com/{'reel' if product == 'REELS' else 'p'}/"
                         f"{shortcode}/",
            "like_count": 0, "api": api, "deleted": False, "container_id": container_id,
            "children": list(children or [])}
        return mid

    # -- media ----------------------------------------------------------------------------
    def _media_values(self, media: dict[str, Any]) -> dict[str, Any]:
        comments = sum(1 for c in self.comments.values()
                       if c["media"] == media["id"] and not c["deleted"])
        return {"id": media["id"], "caption": media["caption"], "media_type": media["media_type"],
                "media_product_type": media["media_product_type"],
                "permalink": media["permalink"], "timestamp": _iso(media["timestamp"]),
                "like_count": media["like_count"], "comments_count": comments,
                "shortcode": media["shortcode"], "username": self.username,
                "media_url": f"https://cdn.example.com/media/{media['id']}.jpg"}

    def _live_media(self, mid: str) -> dict[str, Any]:
        media = self.media[mid]
        if media["deleted"]:
            raise _missing(mid)
        return media

    def _get_media(self, mid: str, params: Mapping[str, str]) -> dict[str, Any]:
        fields = self._check_fields(params, MEDIA_FIELDS, "IGMedia") or {"id": None}
        values = self._media_values(self._live_media(mid))
        return {name: values.get(name) for name in fields if values.get(name) is not None} | \
            {"id": mid}

    def _list_media(self, params: Mapping[str, str]) -> dict[str, Any]:
        fields = self._check_fields(params, MEDIA_FIELDS, "IGMedia") or {"id": None}
        since = self._int_param(params, "since")
        until = self._int_param(params, "until")
        items = sorted((m for m in self.media.values() if not m["deleted"]),
                       key=lambda m: (m["timestamp"], m["id"]), reverse=True)
        if since is not None:
            items = [m for m in items if m["timestamp"] >= since]
        if until is not None:
            items = [m for m in items if m["timestamp"] <= until]
        data = [{name: v for name in fields if (v := self._media_values(m).get(name)) is not None}
                | {"id": m["id"]} for m in items]
        return self._page(data, params, 25, 100)

    @staticmethod
    def _int_param(params: Mapping[str, str], name: str) -> int | None:
        raw = params.get(name)
        if raw is None:
            return None
        if not raw.lstrip("-").isdigit():
            raise _bad_param(f"Param {name} must be an integer")
        return int(raw)

    def _page(self, data: list[dict[str, Any]], params: Mapping[str, str], default: int,
              maximum: int) -> dict[str, Any]:
        limit = self._int_param(params, "limit") or default
        if not 1 <= limit <= maximum:
            raise _bad_param(f"Param limit must be between 1 and {maximum}")
        after = params.get("after")
        start = 0
        if after:
            if not after.startswith("c") or not after[1:].isdigit():
                raise _bad_param("Invalid cursor")
            start = int(after[1:])
        page = data[start:start + limit]
        out: dict[str, Any] = {"data": page}
        if page:
            out["paging"] = {"cursors": {"before": f"c{start}", "after": f"c{start + len(page)}"}}
            if start + len(page) < len(data):
                out["paging"]["next"] = f"{self.url}/next-page?after=c{start + len(page)}"
        return out

    def _delete_media(self, mid: str) -> dict[str, Any]:
        self._live_media(mid)["deleted"] = True
        return {"success": True}

    def _insights(self, mid: str, params: Mapping[str, str]) -> dict[str, Any]:
        media = self._live_media(mid)
        unknown = set(params) - {"metric", "period", "metric_type", "breakdown"}
        if unknown:
            raise _bad_param(f"Param {sorted(unknown)[0]} is not a valid parameter")
        raw = params.get("metric")
        if not raw:
            raise _bad_param("The parameter metric is required")
        names = [n.strip() for n in raw.split(",") if n.strip()]
        allowed = REELS_METRICS if media["media_product_type"] == "REELS" else FEED_METRICS
        refused = self.unsupported_metrics.get(mid, set())
        for i, name in enumerate(names):
            if name in REMOVED_METRICS:
                raise _bad_param(f"Starting from version 22 and above, the {name} metric is no "
                                 "longer supported for the queried media. Please refer to the "
                                 "documentation for a list of supported metrics.")
            if name in refused or (name in FEED_METRICS | REELS_METRICS and name not in allowed):
                raise _bad_param(f"The Media Insights API does not support the {name} metric "
                                 "for this media product type.")
            if name not in allowed:
                raise _bad_param(f"metric[{i}] must be one of the following values: "
                                 + ", ".join(sorted(allowed)))
        values = self.insights.get(mid)
        if values is None:
            seed = int(mid) % 97
            values = {"views": 300 + seed, "reach": 200 + seed, "likes": 20 + seed % 10,
                      "comments": sum(1 for c in self.comments.values()
                                      if c["media"] == mid and not c["deleted"]),
                      "saved": 3, "shares": 2, "total_interactions": 30 + seed % 10}
        data = [{"name": name, "period": "lifetime", "values": [{"value": values[name]}],
                 "title": name.replace("_", " ").title(), "description": "",
                 "id": f"{mid}/insights/{name}/lifetime"}
                for name in names if name in values]
        return {"data": data}

    # -- comments -------------------------------------------------------------------------
    def _comment_values(self, comment: dict[str, Any],
                        fields: Mapping[str, dict[str, Any] | None]) -> dict[str, Any]:
        values: dict[str, Any] = {
            "id": comment["id"], "text": comment["text"], "timestamp": _iso(comment["timestamp"]),
            "username": comment["from"]["username"], "from": dict(comment["from"]),
            "hidden": comment["hidden"], "like_count": comment["like_count"],
            "media": {"id": comment["media"]}}
        if comment["parent"]:
            values["parent_id"] = comment["parent"]
        out = {name: values[name] for name in fields if name in values}
        if "replies" in fields:
            sub = fields["replies"] or {"id": None, "text": None, "timestamp": None}
            replies = [self._comment_values(c, sub) for c in self.comments.values()
                       if c["parent"] == comment["id"] and not c["deleted"]]
            if replies:
                out["replies"] = {"data": replies}
        return out | {"id": comment["id"]}

    def _list_comments(self, mid: str, params: Mapping[str, str]) -> dict[str, Any]:
        self._live_media(mid)
        fields = self._check_fields(params, COMMENT_FIELDS, "IGComment") or \
            {"id": None, "text": None, "timestamp": None}
        for name, sub in fields.items():
            if sub is not None and name != "replies" and name != "from" and name != "media":
                raise _bad_param(f"Field {name} has no subfields")
        items = sorted((c for c in self.comments.values()
                        if c["media"] == mid and c["parent"] is None and not c["deleted"]),
                       key=lambda c: (c["timestamp"], c["id"]), reverse=True)
        return self._page([self._comment_values(c, fields) for c in items], params, 25, 50)

    def _live_comment(self, cid: str, method: str = "GET") -> dict[str, Any]:
        comment = self.comments[cid]
        if comment["deleted"]:
            raise _missing(cid, method)
        return comment

    def _get_comment(self, cid: str, params: Mapping[str, str]) -> dict[str, Any]:
        fields = self._check_fields(params, COMMENT_FIELDS, "IGComment") or {"id": None}
        return self._comment_values(self._live_comment(cid), fields)

    def _list_replies(self, cid: str, params: Mapping[str, str]) -> dict[str, Any]:
        self._live_comment(cid)
        fields = self._check_fields(params, COMMENT_FIELDS, "IGComment") or {"id": None}
        items = [self._comment_values(c, fields) for c in self.comments.values()
                 if c["parent"] == cid and not c["deleted"]]
        return self._page(items, params, 25, 50)

    def _hide(self, cid: str, params: Mapping[str, str]) -> dict[str, Any]:
        unknown = set(params) - {"hide"}
        if unknown:
            raise _bad_param(f"Param {sorted(unknown)[0]} is not a valid parameter")
        hide = _bool(params.get("hide"), "hide")
        if hide is None:
            raise _bad_param("The parameter hide is required")
        comment = self._live_comment(cid, "POST")
        if comment["from"]["id"] == self.ig_user_id:
            raise _bad_param("Comments made by the media owner cannot be hidden")
        comment["hidden"] = hide
        return {"success": True}

    def _delete_comment(self, cid: str) -> dict[str, Any]:
        self._live_comment(cid, "DELETE")["deleted"] = True
        return {"success": True}

    def _reply(self, cid: str, params: Mapping[str, str]) -> dict[str, Any]:
        unknown = set(params) - {"message"}
        if unknown:
            raise _bad_param(f"Param {sorted(unknown)[0]} is not a valid parameter")
        message = params.get("message") or ""
        if not message.strip():
            raise _bad_param("The parameter message is required")
        if len(message) > MAX_CAPTION:
            raise _bad_param(f"The message may have at most {MAX_CAPTION} characters")
        parent = self._live_comment(cid, "POST")
        if parent["parent"] is not None:
            raise _bad_param("Replies can only be made to top-level comments")
        if parent["hidden"]:
            raise _bad_param("Cannot reply to a hidden comment")
        rid = str(next(self._ids))
        self.comments[rid] = {
            "id": rid, "media": parent["media"], "parent": cid, "text": message,
            "from": {"id": self.ig_user_id, "username": self.username},
            "timestamp": self.now(), "hidden": False, "deleted": False, "like_count": 0}
        return {"id": rid}


def main() -> None:  # pragma: no cover - a demo helper
    fake = FakeInstagram().start()
    print(f"SMMFLOW_INSTAGRAM_API_BASE={fake.url}")
    print("credentials:", json.dumps(fake.account_credentials()))
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
