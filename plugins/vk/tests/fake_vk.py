"""A fake VK API server on 127.0.0.1 that enforces the contract smmflow-vk relies on.

Enforced: ``/method/<name>`` paths, the ``v`` parameter, the access token
(``Authorization: Bearer`` or ``access_token``; never accepted when a JSON body
carries the parameters, like VK), required parameters, the community's
ownership, text and attachment limits, ``guid`` dedupe on ``wall.post`` and
``wall.createComment``, the photo upload flow (upload URLs it issued, the
``server``/``hash`` pair it signed), ``count`` maxima, and VK's error shape: a
2xx body ``{"error": {"error_code", "error_msg", "request_params"}}``.

It also implements the FakeNetwork protocol of the smmflow contract suite.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import re
import secrets
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PIL import Image
from werkzeug.wrappers import Request, Response

from smmflow.plugin_api import Account, Content, MediaItem
from smmflow.testing.fakeserver import FakeServer

API_VERSION = "5.199"
TEXT_LIMIT = 16384
WRITE_METHODS = frozenset({"wall.post", "wall.createComment"})
ATTACHMENT = re.compile(r"^(photo|video|audio|doc|page|note|poll|album|market|market_album|"
                        r"audio_playlist)(-?\d+)_(\d+)(?:_\w+)?$")
MB = 1_000_000


class VKError(Exception):
    def __init__(self, code: int, msg: str, **extra: Any) -> None:
        super().__init__(msg)
        self.code = code
        self.msg = msg
        self.extra = extra


def _missing(name: str) -> VKError:
    return VKError(100, f"One of the parameters specified was missing or invalid: {name} is undefined")


class FakeVK(FakeServer):
    """``with FakeVK() as vk: ...`` — a threaded server on 127.0.0.1:0."""

    thread_name = "fake-vk"
    poll_interval = 0.02

    def __init__(self, group_id: int = 424242, user_id: int = 1001) -> None:
        self.group_id = group_id
        self.owner_id = -group_id
        self.user_id = user_id
        self.token = "vk1.a." + secrets.token_urlsafe(24)
        self.timeout_sleep = 1.5
        self.latency = 0.0
        self.daily_post_limit = 50            # per community (third-party report, unconfirmed)
        self.max_calls_per_second: int | None = None  # set to 3 to enforce VK's user-token rate
        self.members_count = 1234
        self.public_groups: dict[int, dict[str, Any]] = {}  # other communities (competitors)
        self.clock: Callable[[], float] = time.time
        self.lock = threading.RLock()
        self.posts: dict[int, dict[str, Any]] = {}
        self.photos: dict[int, dict[str, Any]] = {}
        self.comments: dict[int, dict[str, Any]] = {}
        self.reach: dict[int, int] = {}
        self.upload_keys: dict[str, int] = {}      # key of an issued upload URL -> server id
        self.uploads: list[dict[str, Any]] = []    # files received by the upload server
        self.calls: list[tuple[str, str, float]] = []
        self.params_log: list[tuple[str, dict[str, str]]] = []   # method calls and their parameters
        self.token_in_url = 0                      # requests that carried the token in the URL
        self.upload_auth_headers = 0               # uploads that (wrongly) carried a token
        self._faults: list[dict[str, Any]] = []
        self._secret = secrets.token_bytes(16)
        self._ids = {"post": 0, "photo": 456239000, "comment": 100, "server": 800}
        self._call_times: list[float] = []
        self._tmp = Path(tempfile.mkdtemp(prefix="fake-vk-"))

    # -- lifecycle -----------------------------------------------------------------------
    def stop(self) -> None:
        super().stop()
        shutil.rmtree(self._tmp, ignore_errors=True)

    # -- FakeNetwork protocol ------------------------------------------------------------
    @property
    def settings(self) -> dict[str, str]:
        return {"VK_API_BASE": self.url}

    def account(self, **credentials: Any) -> Account:
        creds = {"access_token": self.token, "group_id": self.group_id, **credentials}
        return Account(id=1, platform="vk", handle=f"club{self.group_id}", external_id=str(self.group_id),
                       credentials=creds)

    def count(self, marker: str | None = None) -> int:
        with self.lock:
            return sum(1 for p in self.posts.values()
                       if not p["_deleted"] and (marker is None or p["_guid"] == marker))

    def fail_next(self, kind: str, times: int = 1, **kw: Any) -> None:
        """Fault the next matching call(s).

        Kinds: rate_limit (``code`` 29 by default, or 9/6), server_error (code 10, or ``http=500``),
        timeout (never applied, answered after ``timeout_sleep``), auth (code 5), reject (``code``
        100 by default), accept_then_timeout (applied, answered after ``timeout_sleep``), error
        (any ``code``). Timeouts hit the next write (wall.post, wall.createComment), the others the
        next method call, unless ``method=`` names one.
        """
        known = {"rate_limit", "server_error", "timeout", "auth", "reject", "accept_then_timeout", "error"}
        if kind not in known:
            raise ValueError(f"unknown fault {kind!r}")
        with self.lock:
            self._faults.append({"kind": kind, "times": times, **kw})

    def seed_comments(self, n: int, post_external_id: str | None = None) -> list[str]:
        with self.lock:
            if post_external_id is not None:
                post_id = int(post_external_id.rpartition("_")[2])
            else:
                visible = [p for p in self.posts.values() if not p["_deleted"] and p["post_type"] == "post"]
                post = visible[-1] if visible else self._new_post("Seeded post", [], None, None)
                post_id = post["id"]
            ids = []
            for i in range(n):
                comment = self._new_comment(post_id, 5000 + i, f"Comment {i + 1}", None)
                ids.append(f"{self.owner_id}_{comment['id']}")
            return ids

    def comment_state(self, platform_id: str) -> str:
        with self.lock:
            comment = self.comments[int(platform_id.rpartition("_")[2])]
            return "deleted" if comment["_deleted"] else "visible"

    def replies_to(self, platform_id: str) -> list[str]:
        cid = int(platform_id.rpartition("_")[2])
        with self.lock:
            return [f"{self.owner_id}_{c['id']}" for c in self.comments.values()
                    if c.get("reply_to_comment") == cid and not c["_deleted"]]

    def sample_content(self) -> Content:
        return Content(text="Autumn collection is here #sale", media=(self.image(),))

    def too_long_content(self) -> Content:
        return Content(text="x" * (TEXT_LIMIT + 1))

    def competitor_account(self, followers: int | None = 4321) -> Account:
        """A public community of someone else; ``followers=None``: a banned one (VK gives no
        ``members_count`` for it). Handle = its screen name, external id = its id."""
        name = f"rival_{len(self.public_groups) + 1}_{secrets.token_hex(3)}"
        gid = self.add_public_group(name, members_count=followers,
                                    deactivated=None if followers is not None else "banned")
        return Account(id=2, platform="vk", handle=name, external_id=str(gid),
                       credentials=self.account().credentials, is_competitor=True)

    def add_public_group(self, screen_name: str, *, members_count: int | None = 1000,
                         deactivated: str | None = None, is_closed: int = 0,
                         group_id: int | None = None) -> int:
        """Register another community that ``groups.getById`` knows (by id, ``club<id>``,
        ``public<id>`` or screen name); our token administers nothing of it. Its id."""
        with self.lock:
            gid = group_id or 500000 + len(self.public_groups) + 1
            group: dict[str, Any] = {"id": gid, "name": f"Community {screen_name}",
                                     "screen_name": screen_name, "is_closed": is_closed,
                                     "type": "page"}
            if deactivated:
                group["deactivated"] = deactivated
            if members_count is not None and not deactivated:
                group["members_count"] = members_count
            self.public_groups[gid] = group
            return gid

    def _public_group(self, ref: str, fields: list[str]) -> dict[str, Any] | None:
        """The public community ``ref`` names, as groups.getById shows it (None: unknown)."""
        text = ref.strip()
        for prefix in ("club", "public", "event"):
            if text.startswith(prefix) and text[len(prefix):].isdigit():
                text = text[len(prefix):]
        for group in self.public_groups.values():
            if text == str(group["id"]) or text.lower() == group["screen_name"].lower():
                shown = {k: v for k, v in group.items() if k != "members_count"}
                if "members_count" in fields and "members_count" in group:
                    shown["members_count"] = group["members_count"]
                return shown
        return None

    # -- helpers for tests ---------------------------------------------------------------
    def image(self, name: str = "photo.png", size: tuple[int, int] = (64, 48),
              fmt: str = "PNG") -> MediaItem:
        """A real image file on disk, as the worker would have it."""
        buf = io.BytesIO()
        Image.new("RGB", size, (200, 80, 40)).save(buf, format=fmt)
        data = buf.getvalue()
        path = self._tmp / name
        path.write_bytes(data)
        fmt_name = fmt.lower().replace("jpg", "jpeg")
        return MediaItem(kind="image", mime_type=f"image/{fmt_name}", size_bytes=len(data),
                         sha256=hashlib.sha256(data).hexdigest(), path=str(path), filename=name,
                         width=size[0], height=size[1], format=fmt_name)

    def post_by_guid(self, marker: str) -> dict[str, Any] | None:
        with self.lock:
            for post in self.posts.values():
                if post["_guid"] == marker and not post["_deleted"]:
                    return post
        return None

    def set_counters(self, post_id: int, *, likes: int = 0, comments: int | None = None,
                     reposts: int = 0, views: int | None = 0, reach: int | None = None) -> None:
        with self.lock:
            post = self.posts[post_id]
            post["likes"]["count"] = likes
            post["reposts"]["count"] = reposts
            if comments is not None:
                post["comments"]["count"] = comments
            if views is None:
                post.pop("views", None)
            else:
                post["views"] = {"count": views}
            if reach is not None:
                self.reach[post_id] = reach

    def method_calls(self, name: str | None = None) -> list[str]:
        return [m for m, path, _ in self.calls if path.startswith("/method/") and (name is None or m == name)]

    # -- Callback API: what VK pushes to a community's server ------------------------------
    callback_server: dict[str, Any] | None = None

    def set_callback_server(self, url: str, secret: str | None = None) -> str:
        """Add a Callback API server as an admin does in the community's settings.

        Returns the confirmation string VK shows there (and expects back from the
        server); ``secret`` is the secret key the admin typed, sent in every event.
        """
        confirmation = secrets.token_hex(4)
        with self.lock:
            self.callback_server = {"url": url, "secret": secret, "confirmation": confirmation,
                                    "confirmed": False}
        return confirmation

    def callback_event(self, kind: str, obj: dict[str, Any] | None = None, *,
                       group_id: int | None = None, secret: str | None = None) -> dict[str, Any]:
        """One event as VK sends it: ``type``, ``object``, ``group_id``, ``event_id``, ``v``,
        and ``secret`` when the server has one (``secret=`` overrides it)."""
        event: dict[str, Any] = {"type": kind, "event_id": secrets.token_hex(20), "v": API_VERSION,
                                 "group_id": self.group_id if group_id is None else group_id}
        if obj is not None:
            event["object"] = obj
        server = self.callback_server or {}
        chosen = secret if secret is not None else server.get("secret")
        if chosen:
            event["secret"] = chosen
        return event

    def comment_event(self, platform_id: str, kind: str = "wall_reply_new",
                      **overrides: Any) -> dict[str, Any]:
        """``wall_reply_new``/``_edit``/``_restore`` for a stored comment: the comment object
        with ``post_owner_id``."""
        with self.lock:
            comment = self.comments[int(platform_id.rpartition("_")[2])]
            obj = self._public(comment)
        obj.pop("owner_id", None)
        obj["post_owner_id"] = self.owner_id
        if "reply_to_comment" in obj:
            obj["parents_stack"] = [obj["reply_to_comment"]]
        else:
            obj["parents_stack"] = []
        return self.callback_event(kind, obj, **overrides)

    def delete_event(self, platform_id: str, deleter_id: int | None = None,
                     **overrides: Any) -> dict[str, Any]:
        """``wall_reply_delete`` for a comment (VK sends it when anyone deletes one)."""
        with self.lock:
            comment = self.comments[int(platform_id.rpartition("_")[2])]
            obj = {"owner_id": self.owner_id, "id": comment["id"], "post_id": comment["post_id"],
                   "deleter_id": deleter_id if deleter_id is not None else self.user_id}
        return self.callback_event("wall_reply_delete", obj, **overrides)

    def deliver_callback(self, event: dict[str, Any],
                         send: Callable[[str, dict[str, str], bytes], tuple[int, str]] | None = None
                         ) -> tuple[int, str]:
        """POST ``event`` to the callback server; returns (HTTP status, answer text).

        ``send(url, headers, body) -> (status, text)`` makes the request (default:
        real HTTP). VK counts the event delivered only on 200 with the text ``ok``.
        """
        server = self.callback_server
        if server is None:
            raise RuntimeError("no callback server: call set_callback_server() first")
        if send is None:
            import httpx

            def send(url: str, headers: dict[str, str], body: bytes) -> tuple[int, str]:
                answer = httpx.post(url, headers=headers, content=body, timeout=5.0)
                return answer.status_code, answer.text

        body = json.dumps(event, ensure_ascii=False).encode()
        return send(server["url"], {"Content-Type": "application/json"}, body)

    def confirm_callback_server(
            self, send: Callable[[str, dict[str, str], bytes], tuple[int, str]] | None = None
    ) -> bool:
        """What VK does when the admin presses "Confirm": send ``confirmation``, compare the answer."""
        status, text = self.deliver_callback(self.callback_event("confirmation"), send)
        server = self.callback_server or {}
        confirmed = status == 200 and text.strip() == server.get("confirmation")
        server["confirmed"] = confirmed
        return confirmed

    # -- WSGI ----------------------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        if self.latency:
            time.sleep(self.latency)
        if request.path.startswith("/upload/wall"):
            response = self._upload(request)
        elif request.path.startswith("/method/"):
            response = self._method(request, request.path[len("/method/"):])
        else:
            response = Response("not found", status=404)
        return response(environ, start_response)

    def _json(self, body: Any) -> Response:
        return Response(json.dumps(body, ensure_ascii=False), mimetype="application/json")

    def _error_body(self, code: int, msg: str, method: str, params: dict[str, str],
                    **extra: Any) -> dict[str, Any]:
        echoed = [{"key": "method", "value": method}, {"key": "oauth", "value": "1"}]
        echoed += [{"key": k, "value": v} for k, v in params.items() if k != "access_token"]
        return {"error": {"error_code": code, "error_msg": msg, "request_params": echoed, **extra}}

    def _take_fault(self, method: str) -> dict[str, Any] | None:
        with self.lock:
            for fault in self._faults:
                target = fault.get("method")
                if target is not None:
                    hit = target == method
                elif fault["kind"] in ("timeout", "accept_then_timeout"):
                    hit = method in WRITE_METHODS
                else:
                    hit = True
                if hit:
                    fault["times"] -= 1
                    if fault["times"] <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _method(self, request: Request, method: str) -> Response:
        now = self.clock()
        with self.lock:
            self.calls.append((method, request.path, now))
        params: dict[str, str] = dict(request.args.items())
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            params.update(request.form.items())
        if "access_token" in request.args:
            self.token_in_url += 1
        with self.lock:
            self.params_log.append((method, {k: v for k, v in params.items() if k != "access_token"}))
        header = request.headers.get("Authorization", "")
        token = header[7:] if header.startswith("Bearer ") else params.get("access_token", "")
        try:
            if not token:
                raise VKError(5, "User authorization failed: no access_token passed.")
            if not hmac.compare_digest(token, self.token):
                raise VKError(5, "User authorization failed: invalid access_token (4).")
            if not params.get("v"):
                raise VKError(8, "Invalid request: v (version) is required or not supported")
            self._check_rate(now)
            fault = self._take_fault(method)
            if fault is not None:
                return self._apply_fault(fault, method, params)
            handler = getattr(self, "m_" + method.replace(".", "_"), None)
            if handler is None:
                raise VKError(3, "Unknown method passed")
            with self.lock:
                self._promote_due()
                return self._json({"response": handler(params)})
        except VKError as exc:
            return self._json(self._error_body(exc.code, exc.msg, method, params, **exc.extra))

    def _check_rate(self, now: float) -> None:
        if self.max_calls_per_second is None:
            return
        with self.lock:
            recent = [t for t in self._call_times if t > now - 1.0]
            if len(recent) >= self.max_calls_per_second:
                self._call_times = recent
                raise VKError(6, "Too many requests per second")
            self._call_times = [*recent, now]

    def _apply_fault(self, fault: dict[str, Any], method: str, params: dict[str, str]) -> Response:
        kind = fault["kind"]
        if kind == "accept_then_timeout":
            handler = getattr(self, "m_" + method.replace(".", "_"))
            with self.lock:
                body = {"response": handler(params)}
            time.sleep(self.timeout_sleep)
            return self._json(body)
        if kind == "timeout":
            time.sleep(self.timeout_sleep)
            return self._json(self._error_body(10, "Internal server error", method, params))
        if kind == "server_error" and fault.get("http"):
            return Response("Internal Server Error", status=int(fault["http"]))
        code, msg = {
            "rate_limit": (int(fault.get("code", 29)), "Rate limit reached"),
            "server_error": (10, "Internal server error"),
            "auth": (5, "User authorization failed: user revoke access for this token."),
            "reject": (int(fault.get("code", 100)),
                       "One of the parameters specified was missing or invalid"),
            "error": (int(fault.get("code", 1)), str(fault.get("msg", "Unknown error occurred"))),
        }[kind]
        if kind == "rate_limit" and code == 9:
            msg = "Flood control"
        if kind == "rate_limit" and code == 6:
            msg = "Too many requests per second"
        extra = {k: fault[k] for k in ("error_subcode",) if k in fault}
        return self._json(self._error_body(code, str(fault.get("msg", msg)), method, params, **extra))

    # -- state helpers -------------------------------------------------------------------
    def _next(self, kind: str) -> int:
        self._ids[kind] += 1
        return self._ids[kind]

    def _new_post(self, text: str, attachments: list[dict[str, Any]], guid: str | None,
                  publish_date: int | None, from_id: int | None = None) -> dict[str, Any]:
        post = {
            "id": self._next("post"), "owner_id": self.owner_id,
            "from_id": self.owner_id if from_id is None else from_id,
            "date": publish_date or int(self.clock()), "text": text, "attachments": attachments,
            "post_type": "postpone" if publish_date else "post",
            "likes": {"count": 0}, "reposts": {"count": 0}, "comments": {"count": 0},
            "views": {"count": 0}, "_guid": guid, "_deleted": False,
            "_created": int(self.clock()),
        }
        self.posts[post["id"]] = post
        return post

    def _new_comment(self, post_id: int, from_id: int, text: str, reply_to: int | None,
                     guid: str | None = None) -> dict[str, Any]:
        comment = {"id": self._next("comment"), "from_id": from_id, "post_id": post_id,
                   "owner_id": self.owner_id, "date": int(self.clock()), "text": text,
                   "likes": {"count": 0}, "_deleted": False, "_guid": guid}
        if reply_to is not None:
            comment["reply_to_comment"] = reply_to
            comment["reply_to_user"] = self.comments[reply_to]["from_id"]
            comment["parents_stack"] = [reply_to]
        self.comments[comment["id"]] = comment
        self.posts[post_id]["comments"]["count"] += 1
        return comment

    def _promote_due(self) -> None:
        """Scheduled posts whose time has come are published (same id kept here; see README)."""
        now = int(self.clock())
        for post in self.posts.values():
            if post["post_type"] == "postpone" and post["date"] <= now:
                post["post_type"] = "post"

    @staticmethod
    def _public(obj: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in obj.items() if not k.startswith("_")}

    def _int(self, params: dict[str, str], name: str, *, required: bool = False) -> int | None:
        raw = params.get(name)
        if raw is None or raw == "":
            if required:
                raise _missing(name)
            return None
        try:
            return int(raw)
        except ValueError:
            raise VKError(100, f"One of the parameters specified was missing or invalid: {name} "
                               "not integer") from None

    def _own_wall(self, params: dict[str, str]) -> int:
        owner = self._int(params, "owner_id", required=True)
        if owner != self.owner_id:
            raise VKError(15, "Access denied: this wall is not yours")
        return owner

    def _own_group(self, params: dict[str, str]) -> int:
        gid = self._int(params, "group_id", required=True)
        if gid is None or gid <= 0:
            raise VKError(100, "One of the parameters specified was missing or invalid: group_id "
                               "must be positive")
        if gid != self.group_id:
            raise VKError(203, "Access to group denied: access to the group is denied")
        return gid

    def _count(self, params: dict[str, str], default: int, maximum: int) -> int:
        count = self._int(params, "count")
        if count is None:
            return default
        if count < 0 or count > maximum:
            raise VKError(100, f"One of the parameters specified was missing or invalid: count "
                               f"must be at most {maximum}")
        return count

    # -- the upload server ---------------------------------------------------------------
    def _upload(self, request: Request) -> Response:
        with self.lock:
            self.calls.append(("upload", request.path, self.clock()))
        if request.headers.get("Authorization") or "access_token" in request.args:
            self.upload_auth_headers += 1
        server = self.upload_keys.get(request.args.get("key", ""))
        if request.method != "POST" or server is None or str(server) != request.args.get("srv"):
            return self._json({"error": "upload URL is invalid or expired"})
        file = request.files.get("photo")
        data = file.read() if file is not None else b""
        photo = "[]"
        if data and len(data) <= 50 * MB and self._valid_image(data):
            key = secrets.token_hex(8)
            photo = json.dumps([{"photo": key, "sizes": [], "kid": secrets.token_hex(4)}])
        with self.lock:
            self.uploads.append({"server": server, "photo": photo, "bytes": len(data),
                                 "filename": file.filename if file is not None else None})
        return self._json({"server": server, "photo": photo, "hash": self._sign(server, photo)})

    @staticmethod
    def _valid_image(data: bytes) -> bool:
        try:
            with Image.open(io.BytesIO(data)) as img:
                width, height = img.size
                fmt = (img.format or "").upper()
        except Exception:
            return False
        if fmt not in ("JPEG", "PNG", "GIF") or width + height > 14000:
            return False
        return max(width, height) / max(1, min(width, height)) <= 20

    def _sign(self, server: int, photo: str) -> str:
        return hmac.new(self._secret, f"{server}:{photo}".encode(), hashlib.sha256).hexdigest()[:32]

    # -- methods: photos -----------------------------------------------------------------
    def m_photos_getWallUploadServer(self, params: dict[str, str]) -> dict[str, Any]:
        self._own_group(params)
        server = self._next("server")
        key = secrets.token_hex(12)
        self.upload_keys[key] = server
        return {"upload_url": f"{self.url}/upload/wall?srv={server}&key={key}", "album_id": -14,
                "user_id": self.user_id}

    def m_photos_saveWallPhoto(self, params: dict[str, str]) -> list[dict[str, Any]]:
        self._own_group(params)
        photo = params.get("photo")
        if not photo:
            raise _missing("photo")
        server = self._int(params, "server")
        if server is None or server not in self.upload_keys.values():
            raise VKError(118, "Invalid server")
        if not hmac.compare_digest(params.get("hash", ""), self._sign(server, photo)):
            raise VKError(121, "Invalid hash")
        if json.loads(photo) == []:
            raise VKError(129, "Invalid photo: photo is empty")
        saved = {"id": self._next("photo"), "owner_id": self.owner_id, "album_id": -14,
                 "date": int(self.clock()), "text": params.get("caption", "")[:2048],
                 "sizes": [{"type": "x", "url": f"{self.url}/img/{self._ids['photo']}.jpg"}]}
        self.photos[saved["id"]] = saved
        return [saved]

    # -- methods: wall -------------------------------------------------------------------
    def _attachments(self, raw: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        links = 0
        for item in [a.strip() for a in raw.split(",") if a.strip()]:
            if item.startswith(("http://", "https://")):
                links += 1
                if links > 1:
                    raise VKError(100, "One of the parameters specified was missing or invalid: "
                                       "only one link can be attached")
                out.append({"type": "link", "link": {"url": item, "title": item}})
                continue
            match = ATTACHMENT.match(item)
            if not match:
                raise VKError(100, f"One of the parameters specified was missing or invalid: "
                                   f"attachments: {item} is invalid")
            kind, owner, media_id = match.group(1), int(match.group(2)), int(match.group(3))
            photo = self.photos.get(media_id) if kind == "photo" else None
            if photo is None or photo["owner_id"] != owner:
                raise VKError(100, f"One of the parameters specified was missing or invalid: "
                                   f"attachments: {item} not found")
            out.append({"type": "photo", "photo": dict(photo)})
        if sum(1 for a in out if a["type"] != "link") > 10:
            raise VKError(100, "One of the parameters specified was missing or invalid: too many "
                               "attachments (at most 10)")
        return out

    def m_wall_post(self, params: dict[str, str]) -> dict[str, Any]:
        owner = self._int(params, "owner_id")
        if owner != self.owner_id:
            raise VKError(214, "Access to adding post denied: you can only post to your community")
        guid = params.get("guid") or None
        if guid is not None:
            for post in self.posts.values():
                if post["_guid"] == guid and not post["_deleted"]:
                    return {"post_id": post["id"]}
        message = params.get("message", "")
        attachments = self._attachments(params.get("attachments", ""))
        if not message and not attachments:
            raise VKError(100, "One of the parameters specified was missing or invalid: message "
                               "is empty or invalid")
        if len(message) > TEXT_LIMIT:
            raise VKError(100, "One of the parameters specified was missing or invalid: message "
                               "is too long")
        publish_date = self._int(params, "publish_date")
        now = int(self.clock())
        if publish_date is not None and not now < publish_date <= now + 365 * 86400:
            raise VKError(100, "One of the parameters specified was missing or invalid: "
                               "publish_date is invalid")
        day_ago = now - 86400
        recent = sum(1 for p in self.posts.values() if p["_created"] > day_ago and not p["_deleted"])
        if recent >= self.daily_post_limit:
            raise VKError(214, "Access to adding post denied: a community can publish only "
                               f"{self.daily_post_limit} posts a day")
        from_group = params.get("from_group") == "1"
        post = self._new_post(message, attachments, guid, publish_date,
                              from_id=self.owner_id if from_group else self.user_id)
        return {"post_id": post["id"]}

    def m_wall_get(self, params: dict[str, str]) -> dict[str, Any]:
        self._own_wall(params)
        wall_filter = params.get("filter", "all")
        if wall_filter not in ("owner", "others", "all", "postponed", "suggests", "archived", "donut"):
            raise VKError(100, "One of the parameters specified was missing or invalid: filter")
        count = self._count(params, 20, 100)
        offset = self._int(params, "offset") or 0
        posts = [p for p in self.posts.values() if not p["_deleted"]]
        if wall_filter == "postponed":
            posts = [p for p in posts if p["post_type"] == "postpone"]
        else:
            posts = [p for p in posts if p["post_type"] == "post"]
            if wall_filter == "owner":
                posts = [p for p in posts if p["from_id"] == self.owner_id]
            elif wall_filter == "others":
                posts = [p for p in posts if p["from_id"] != self.owner_id]
            elif wall_filter != "all":
                posts = []
        posts.sort(key=lambda p: (p["date"], p["id"]), reverse=True)
        return {"count": len(posts), "items": [self._public(p) for p in posts[offset:offset + count]]}

    def m_wall_getById(self, params: dict[str, str]) -> dict[str, Any]:
        raw = params.get("posts")
        if not raw:
            raise _missing("posts")
        items = []
        for ref in raw.split(","):
            owner, _, pid = ref.strip().rpartition("_")
            post = self.posts.get(int(pid)) if pid.isdigit() else None
            if post is not None and str(post["owner_id"]) == owner and not post["_deleted"]:
                items.append(self._public(post))
        return {"items": items}

    def m_wall_delete(self, params: dict[str, str]) -> int:
        self._own_wall(params)
        post = self.posts.get(self._int(params, "post_id", required=True) or 0)
        if post is None or post["_deleted"]:
            raise VKError(104, "Not found")
        post["_deleted"] = True
        return 1

    def m_wall_getComments(self, params: dict[str, str]) -> dict[str, Any]:
        self._own_wall(params)
        post = self.posts.get(self._int(params, "post_id", required=True) or 0)
        if post is None or post["_deleted"]:
            raise VKError(100, "One of the parameters specified was missing or invalid: post_id")
        count = self._count(params, 10, 100)
        offset = self._int(params, "offset") or 0
        thread_n = self._int(params, "thread_items_count") or 0
        if not 0 <= thread_n <= 10:
            raise VKError(100, "One of the parameters specified was missing or invalid: "
                               "thread_items_count must be at most 10")
        parent = self._int(params, "comment_id")
        live = [c for c in self.comments.values() if c["post_id"] == post["id"] and not c["_deleted"]]
        if parent is None:
            level = [c for c in live if "reply_to_comment" not in c]
        else:
            level = [c for c in live if c.get("reply_to_comment") == parent]
        level.sort(key=lambda c: c["id"], reverse=params.get("sort") == "desc")
        items = []
        for comment in level[offset:offset + count]:
            item = self._public(comment)
            if parent is None:
                replies = sorted((c for c in live if c.get("reply_to_comment") == comment["id"]),
                                 key=lambda c: c["id"])
                item["thread"] = {"count": len(replies), "can_post": True,
                                  "items": [self._public(r) for r in replies[:thread_n]]}
            items.append(item)
        body: dict[str, Any] = {"count": len(level), "current_level_count": len(level), "items": items,
                                "can_post": True, "groups_can_post": True}
        if params.get("extended") == "1":
            body["profiles"] = [{"id": uid, "first_name": "User", "last_name": str(uid)}
                                for uid in sorted({c["from_id"] for c in live if c["from_id"] > 0})]
            body["groups"] = [{"id": self.group_id, "name": "Fake Community", "screen_name":
                               f"club{self.group_id}"}]
        return body

    def m_wall_getComment(self, params: dict[str, str]) -> dict[str, Any]:
        self._own_wall(params)
        comment = self.comments.get(self._int(params, "comment_id", required=True) or 0)
        if comment is None or comment["_deleted"]:
            raise VKError(100, "One of the parameters specified was missing or invalid: comment_id")
        return {"items": [self._public(comment)]}

    def m_wall_deleteComment(self, params: dict[str, str]) -> int:
        self._own_wall(params)
        comment = self.comments.get(self._int(params, "comment_id", required=True) or 0)
        if comment is None:
            raise VKError(104, "Not found")
        if not comment["_deleted"]:
            comment["_deleted"] = True
            self.posts[comment["post_id"]]["comments"]["count"] -= 1
        return 1

    def m_wall_restoreComment(self, params: dict[str, str]) -> int:
        self._own_wall(params)
        comment = self.comments.get(self._int(params, "comment_id", required=True) or 0)
        if comment is None:
            raise VKError(104, "Not found")
        if not comment["_deleted"]:
            raise VKError(243, "Comment has not been deleted")
        comment["_deleted"] = False
        self.posts[comment["post_id"]]["comments"]["count"] += 1
        return 1

    def m_wall_createComment(self, params: dict[str, str]) -> dict[str, Any]:
        self._own_wall(params)
        post = self.posts.get(self._int(params, "post_id", required=True) or 0)
        if post is None or post["_deleted"]:
            raise VKError(100, "One of the parameters specified was missing or invalid: post_id")
        guid = params.get("guid") or None
        if guid is not None:
            for comment in self.comments.values():
                if comment["_guid"] == guid:
                    return {"comment_id": comment["id"], "parents_stack": comment.get("parents_stack", [])}
        message = params.get("message", "")
        if not message and not params.get("attachments"):
            raise VKError(100, "One of the parameters specified was missing or invalid: message")
        reply_to = self._int(params, "reply_to_comment")
        if reply_to is not None and (reply_to not in self.comments or
                                     self.comments[reply_to]["post_id"] != post["id"]):
            raise VKError(100, "One of the parameters specified was missing or invalid: "
                               "reply_to_comment")
        from_group = self._int(params, "from_group")
        if from_group not in (None, 0, self.group_id):
            raise VKError(15, "Access denied: you are not an admin of this community")
        from_id = -self.group_id if from_group else self.user_id
        comment = self._new_comment(post["id"], from_id, message, reply_to, guid)
        return {"comment_id": comment["id"], "parents_stack": comment.get("parents_stack", [])}

    # -- methods: stats and groups -------------------------------------------------------
    def m_stats_getPostReach(self, params: dict[str, str]) -> list[dict[str, Any]]:
        self._own_wall(params)
        raw = params.get("post_ids")
        if not raw:
            raise _missing("post_ids")
        ids = [int(x) for x in raw.split(",") if x.strip()]
        if len(ids) > 30:
            raise VKError(100, "One of the parameters specified was missing or invalid: post_ids: "
                               "at most 30")
        out = []
        for pid in ids:
            post = self.posts.get(pid)
            if post is None or post["_deleted"]:
                raise VKError(210, "Access to wall's post denied")
            reach = self.reach.get(pid, post.get("views", {}).get("count", 0))
            out.append({"post_id": pid, "reach_subscribers": reach // 2, "reach_total": reach,
                        "reach_viral": 0, "reach_ads": 0, "links": 0, "to_group": 0, "join_group": 0,
                        "report": 0, "hide": 0, "unsubscribe": 0})
        return out

    def m_groups_getById(self, params: dict[str, str]) -> dict[str, Any]:
        raw = params.get("group_id") or params.get("group_ids")
        if not raw:
            raise _missing("group_ids")
        groups = []
        for ref in raw.split(","):
            public = self._public_group(ref, params.get("fields", "").split(","))
            if public is not None:
                groups.append(public)
                continue
            if ref.strip().lstrip("club") != str(self.group_id):
                raise VKError(100, "One of the parameters specified was missing or invalid: "
                                   "group_ids is invalid")
            group: dict[str, Any] = {"id": self.group_id, "name": "Fake Community",
                                     "screen_name": f"club{self.group_id}", "is_closed": 0, "type": "page"}
            if "members_count" in params.get("fields", "").split(","):
                group["members_count"] = self.members_count
            groups.append(group)
        return {"groups": groups, "profiles": []}
