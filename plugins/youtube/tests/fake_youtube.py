"""A fake YouTube Data API v3 (and Google OAuth token endpoint) on 127.0.0.1 for the plugin's tests.

It enforces what the plugin relies on: paths and required parameters, Bearer
auth (401 ``required`` / ``authError``), the resumable upload protocol
(session URI, ``Content-Range``, 308 + ``Range``, chunk granularity, status
queries, 404 for unknown sessions), the metadata limits (title 100 chars, no
``<``/``>``, description 5000 UTF-8 bytes, tags 500 chars, publishAt only with
private), quota per call with 403 ``quotaExceeded``, and Google's error shape
``{"error": {"code", "message", "errors": [{"message", "domain", "reason"}], "status"}}``.

It implements the FakeNetwork protocol of the contract suite. ``fail_next``
kinds ``rate_limit``, ``server_error``, ``auth`` and ``reject`` hit the next API
request; ``timeout`` and ``accept_then_timeout`` hit the next request with an
effect whose answer may be lost: the upload PUT that completes a video, a
comment insert, a moderation call or a video delete.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from typing import Any

from smmflow_youtube import marker_tag
from werkzeug.wrappers import Request, Response

from smmflow.plugin_api import Account, Content, MediaItem
from smmflow.testing.fakeserver import FakeServer

STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
                429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
CATEGORIES = {"1", "2", "10", "15", "17", "19", "20", "22", "23", "24", "25", "26", "27", "28", "29"}
COSTS = {("GET", "/youtube/v3/videos"): 1, ("DELETE", "/youtube/v3/videos"): 50,
         ("GET", "/youtube/v3/channels"): 1, ("GET", "/youtube/v3/playlistItems"): 1,
         ("GET", "/youtube/v3/commentThreads"): 1, ("POST", "/youtube/v3/comments"): 50,
         ("POST", "/youtube/v3/comments/setModerationStatus"): 50}
UPLOAD_PATH = "/upload/youtube/v3/videos"
EFFECT_REQUESTS = {("POST", "/youtube/v3/comments"), ("POST", "/youtube/v3/comments/setModerationStatus"),
                   ("DELETE", "/youtube/v3/videos")}
VISIBILITY = {"published": "visible", "heldForReview": "hidden", "likelySpam": "hidden",
              "rejected": "deleted"}


class ApiFailure(Exception):
    def __init__(self, status: int, reason: str, message: str, *, domain: str = "youtube.api",
                 headers: dict[str, str] | None = None, **extra: str) -> None:
        super().__init__(message)
        self.status, self.reason, self.message, self.domain = status, reason, message, domain
        self.headers = headers or {}
        self.extra = extra

    def response(self) -> Response:
        error = {"message": self.message, "domain": self.domain, "reason": self.reason, **self.extra}
        body = {"error": {"code": self.status, "message": self.message, "errors": [error],
                          "status": STATUS_NAMES.get(self.status, "UNKNOWN")}}
        return Response(json.dumps(body), status=self.status, headers=self.headers,
                        content_type="application/json; charset=UTF-8")


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _ts(value: dt.datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _tags_length(tags: list[str]) -> int:
    return sum(len(t) + (2 if " " in t else 0) for t in tags) + max(0, len(tags) - 1)


class FakeYouTube(FakeServer):
    """``with FakeYouTube() as fake: ...`` — a threaded fake YouTube on 127.0.0.1:<random port>."""

    thread_name = "fake-youtube"

    def __init__(self, *, chunk_bytes: int = 1024, granularity: int = 1024) -> None:
        self.chunk_bytes = chunk_bytes        # what the plugin is configured to send
        self.granularity = granularity        # non-final chunks must be multiples of this (256 KiB for real)
        self.timeout_sleep = 1.5
        self.latency = 0.0
        self.lock = threading.RLock()
        self.channel_id = "UC" + secrets.token_hex(11)
        self.uploads_playlist = "UU" + self.channel_id[2:]
        self.client_id = "fake-client.apps.googleusercontent.com"
        self.client_secret = "GOCSPX-" + secrets.token_urlsafe(18)
        self.refresh_token = "1//fake-refresh-" + secrets.token_urlsafe(24)
        self.tokens: dict[str, bool] = {}    # access token -> still valid
        self.access_token = self._issue_token()
        self.videos: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.comments: dict[str, dict[str, Any]] = {}
        self.calls: list[tuple[str, str, float]] = []
        self.urls: list[str] = []
        self.upload_log: list[str] = []       # Content-Range of every upload PUT ("" when absent)
        self.units_used = 0
        self.inserts_used = 0
        self.daily_units = 10_000
        self.daily_inserts = 100
        self.channel_uploads_left: int | None = None
        self.subscriber_count: int | None = 1234
        self.public_channels: dict[str, dict[str, Any]] = {}   # other channels (competitors)
        self._faults: list[tuple[str, dict[str, Any]]] = []
        self._chunk_faults: list[tuple[str, dict[str, Any]]] = []
        self._refresh_blocked = 0
        self._files: list[str] = []

    # -- lifecycle ---------------------------------------------------------------------
    def stop(self) -> None:
        super().stop()
        for path in self._files:
            if os.path.exists(path):
                os.unlink(path)

    # -- FakeNetwork protocol ------------------------------------------------------------
    @property
    def settings(self) -> dict[str, str]:
        return {"YOUTUBE_API_BASE": self.url, "YOUTUBE_OAUTH_BASE": f"{self.url}/oauth",
                "YOUTUBE_UPLOAD_CHUNK_BYTES": str(self.chunk_bytes), "YOUTUBE_UPLOAD_BACKOFF_SECONDS": "0"}

    def account(self, **credentials: Any) -> Account:
        creds = {"access_token": self.access_token, "refresh_token": self.refresh_token,
                 "client_id": self.client_id, "client_secret": self.client_secret, **credentials}
        return Account(id=1, platform="youtube", handle="@fakechannel", external_id=self.channel_id,
                       credentials={k: v for k, v in creds.items() if v is not None})

    def count(self, marker: str | None = None) -> int:
        with self.lock:
            live = [v for v in self.videos.values() if not v["deleted"]]
            if marker is None:
                return len(live)
            tag = marker_tag(marker)
            return sum(1 for v in live if tag in v["snippet"].get("tags", []))

    def fail_next(self, kind: str, times: int = 1, **kw: Any) -> None:
        allowed = {"rate_limit", "server_error", "timeout", "auth", "reject", "accept_then_timeout"}
        if kind not in allowed:
            raise ValueError(f"unknown fault {kind!r}")
        with self.lock:
            self._faults.extend([(kind, kw)] * times)

    def interrupt_upload(self, kind: str = "drop", *, keep: int | None = None, chunk: int = 1) -> None:
        """Break the ``chunk``-th data PUT from now: keep ``keep`` bytes of it (default half),
        then drop the connection (``"drop"``) or answer 503 (``"server_error"``)."""
        with self.lock:
            self._chunk_faults.append((kind, {"keep": keep, "chunk": chunk}))

    def seed_comments(self, n: int, post_external_id: str | None = None) -> list[str]:
        with self.lock:
            video_id = post_external_id or self._any_video()
            return [self.add_comment(video_id, f"Comment {i + 1} from a viewer") for i in range(n)]

    def comment_state(self, platform_id: str) -> str:
        with self.lock:
            return VISIBILITY[self.comments[platform_id]["status"]]

    def replies_to(self, platform_id: str) -> list[str]:
        with self.lock:
            return [c["id"] for c in self.comments.values() if c["parent_id"] == platform_id]

    def sample_content(self, size: int = 5000, **overrides: Any) -> Content:
        path = self.video_file(size)
        media = MediaItem(kind="video", mime_type="video/mp4", size_bytes=size, path=path,
                          filename="clip.mp4", format="mp4", width=1280, height=720, duration_seconds=12.0)
        values = {"title": "Behind the scenes", "text": "Как мы снимали это видео — a short description.",
                  "media": (media,)}
        values.update(overrides)
        return Content(**values)

    def competitor_account(self, followers: int | None = 4321) -> Account:
        """A public channel of someone else (``followers=None``: it hides its subscriber count),
        given by channel id and handle, with the credentials of :meth:`account`."""
        handle = f"@rival{len(self.public_channels) + 1}"
        channel_id = self.add_public_channel(handle, subscribers=followers, views=98765)
        return Account(id=2, platform="youtube", handle=handle, external_id=channel_id,
                       credentials=self.account().credentials, is_competitor=True)

    def add_public_channel(self, handle: str, *, subscribers: int | None = 1000,
                           views: int = 50_000, videos: int = 12) -> str:
        """Register another channel ``channels.list`` finds by ``id`` or ``forHandle``; its id."""
        channel_id = "UC" + secrets.token_hex(11)
        with self.lock:
            self.public_channels[channel_id] = {
                "id": channel_id, "handle": handle.removeprefix("@").lower(),
                "title": f"Channel {handle}", "subscribers": subscribers, "views": views,
                "videos": videos}
        return channel_id

    def too_long_content(self) -> Content:
        # 2600 Cyrillic letters: well under 5000 characters, but 5200 UTF-8 bytes.
        return self.sample_content(text="я" * 2600)

    # -- helpers for tests ---------------------------------------------------------------
    def video_file(self, size: int) -> str:
        fd, path = tempfile.mkstemp(prefix="fake-youtube-", suffix=".mp4")
        with os.fdopen(fd, "wb") as fh:
            fh.write(os.urandom(size))
        self._files.append(path)
        return path

    def expire_token(self) -> None:
        with self.lock:
            self.tokens[self.access_token] = False

    def revoke_refresh(self) -> None:
        with self.lock:
            self.refresh_token = "revoked"

    def add_comment(self, video_id: str, text: str, *, parent_id: str | None = None,
                    author_id: str | None = None, author_name: str = "Viewer",
                    status: str = "published", published_at: dt.datetime | None = None) -> str:
        with self.lock:
            comment_id = "Ugz" + secrets.token_urlsafe(12)
            self.comments[comment_id] = {
                "id": comment_id, "video_id": video_id, "parent_id": parent_id, "text": text,
                "author_id": author_id or "UC" + secrets.token_hex(11), "author_name": author_name,
                "status": status, "published_at": published_at or _now(), "likes": 0}
            return comment_id

    def create_video(self, title: str = "Existing video", tags: list[str] | None = None) -> str:
        with self.lock:
            return self._create_video({"snippet": {"title": title, "tags": tags or []}, "status": {}}, b"")

    def set_statistics(self, video_id: str, **stats: int | None) -> None:
        """views/likes/comments; None hides a count (YouTube omits it)."""
        with self.lock:
            self.videos[video_id]["stats"].update(stats)

    def _any_video(self) -> str:
        live = [v["id"] for v in self.videos.values() if not v["deleted"]]
        return live[-1] if live else self.create_video()

    def _issue_token(self, token: str | None = None) -> str:
        token = token or "ya29.fake-" + secrets.token_urlsafe(32)
        self.tokens[token] = True
        return token

    def accept_token(self, token: str) -> None:
        """Also accept ``token`` as a valid access token (stable credentials for a demo)."""
        with self.lock:
            self.access_token = self._issue_token(token)

    # -- WSGI ----------------------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        with self.lock:
            self.calls.append((request.method, request.path, time.time()))
            self.urls.append(request.url)
        if self.latency:
            time.sleep(self.latency)
        try:
            response = self._dispatch(request, environ)
        except ApiFailure as failure:
            response = failure.response()
        return response(environ, start_response)

    def _dispatch(self, request: Request, environ: dict[str, Any]) -> Response:
        if request.path == "/oauth/token" and request.method == "POST":
            return self._token(request)
        key = (request.method, request.path)
        is_upload = request.path == UPLOAD_PATH
        handlers: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", "/youtube/v3/videos"): self._videos_list,
            ("DELETE", "/youtube/v3/videos"): self._videos_delete,
            ("GET", "/youtube/v3/channels"): self._channels_list,
            ("GET", "/youtube/v3/playlistItems"): self._playlist_items,
            ("GET", "/youtube/v3/commentThreads"): self._comment_threads,
            ("POST", "/youtube/v3/comments"): self._comments_insert,
            ("POST", "/youtube/v3/comments/setModerationStatus"): self._set_moderation,
        }
        if not is_upload and key not in handlers:
            raise ApiFailure(404, "notFound", f"No such method: {request.method} {request.path}",
                             domain="global")
        session_put = is_upload and request.method == "PUT"
        if not session_put or request.headers.get("Authorization"):
            self._check_auth(request)
        self._generic_fault(request)
        if is_upload and request.method == "POST":
            return self._upload_start(request)
        if session_put:
            return self._upload_put(request, environ)
        effect = key in EFFECT_REQUESTS
        fault = self._effect_fault() if effect else None
        self._charge(COSTS[key])
        if fault == "timeout":
            time.sleep(self.timeout_sleep)
            raise ApiFailure(503, "backendError", "The service is currently unavailable.")
        response = handlers[key](request)
        if fault == "accept_then_timeout":
            time.sleep(self.timeout_sleep)
        return response

    # -- auth, quota, faults -----------------------------------------------------------
    def _check_auth(self, request: Request) -> None:
        header = request.headers.get("Authorization", "")
        if not header:
            raise ApiFailure(401, "required", "Request is missing required authentication credential. "
                             "Expected OAuth 2 access token, login cookie or other valid authentication "
                             "credential.", domain="global", location="Authorization",
                             locationType="header")
        token = header.removeprefix("Bearer ").strip()
        with self.lock:
            valid = header.startswith("Bearer ") and self.tokens.get(token, False)
        if not valid:
            raise ApiFailure(401, "authError", "Invalid Credentials", domain="global",
                             location="Authorization", locationType="header")

    def _charge(self, units: int) -> None:
        with self.lock:
            if self.units_used + units > self.daily_units:
                self.units_used = self.daily_units
                raise ApiFailure(403, "quotaExceeded", "The request cannot be completed because you have "
                                 "exceeded your quota.", domain="youtube.quota")
            self.units_used += units

    def _generic_fault(self, request: Request) -> None:
        with self.lock:
            if not self._faults or self._faults[0][0] in {"timeout", "accept_then_timeout"}:
                return
            kind, kw = self._faults.pop(0)
        if kind == "rate_limit":
            reason = kw.get("reason", "rateLimitExceeded")
            headers = {"Retry-After": str(kw["retry_after"])} if "retry_after" in kw else {}
            if reason == "uploadLimitExceeded":
                raise ApiFailure(400, reason, "The user has exceeded the number of videos they may upload.",
                                 domain="youtube.video", headers=headers)
            domain = "youtube.quota" if reason == "quotaExceeded" else "usageLimits"
            raise ApiFailure(403, reason, "The request cannot be completed because of a rate limit.",
                             domain=domain, headers=headers)
        if kind == "server_error":
            status = int(kw.get("status", 503))
            raise ApiFailure(status, "backendError" if status == 503 else "internalError",
                             "Backend Error", domain="global")
        if kind == "auth":
            with self.lock:
                self._refresh_blocked += 1
            raise ApiFailure(401, "authError", "Invalid Credentials", domain="global",
                             location="Authorization", locationType="header")
        if kind == "reject":
            if request.path == UPLOAD_PATH:
                raise ApiFailure(400, kw.get("reason", "invalidTitle"),
                                 "The request metadata specifies an invalid video title.",
                                 domain="youtube.video")
            raise ApiFailure(403, kw.get("reason", "forbidden"), "The request is not properly authorized.",
                             domain="youtube.comment")

    def _effect_fault(self) -> str | None:
        with self.lock:
            if self._faults and self._faults[0][0] in {"timeout", "accept_then_timeout"}:
                return self._faults.pop(0)[0]
        return None

    def _token(self, request: Request) -> Response:
        form = request.form
        with self.lock:
            if form.get("grant_type") != "refresh_token":
                return self._oauth_error(400, "unsupported_grant_type", "Invalid grant_type.")
            if form.get("client_id") != self.client_id or form.get("client_secret") != self.client_secret:
                return self._oauth_error(401, "invalid_client", "The OAuth client was not found.")
            if self._refresh_blocked or form.get("refresh_token") != self.refresh_token:
                self._refresh_blocked = max(0, self._refresh_blocked - 1)
                return self._oauth_error(400, "invalid_grant", "Token has been expired or revoked.")
            self.access_token = self._issue_token()
            body = {"access_token": self.access_token, "expires_in": 3599, "token_type": "Bearer",
                    "scope": "https://www.googleapis.com/auth/youtube.force-ssl "
                             "https://www.googleapis.com/auth/youtube.upload"}
        return Response(json.dumps(body), content_type="application/json; charset=utf-8")

    @staticmethod
    def _oauth_error(status: int, error: str, description: str) -> Response:
        return Response(json.dumps({"error": error, "error_description": description}), status=status,
                        content_type="application/json; charset=utf-8")

    # -- uploads -------------------------------------------------------------------------
    def _upload_start(self, request: Request) -> Response:
        args = request.args
        if args.get("uploadType") != "resumable":
            raise ApiFailure(400, "badRequest", "This fake supports uploadType=resumable only.",
                             domain="global")
        parts = [p for p in (args.get("part") or "").split(",") if p]
        if not parts:
            raise ApiFailure(400, "required", "Required parameter: part", domain="global",
                             location="part", locationType="parameter")
        if not set(parts) <= {"snippet", "status", "contentDetails", "id", "statistics"}:
            raise ApiFailure(400, "unknownPart", f"Unknown part in {args.get('part')}")
        if not (request.content_type or "").startswith("application/json"):
            raise ApiFailure(400, "badContent", "The video resource must be sent as application/json.",
                             domain="global")
        try:
            total = int(request.headers.get("X-Upload-Content-Length", ""))
        except ValueError:
            raise ApiFailure(400, "invalid", "X-Upload-Content-Length is required.", domain="global") \
                from None
        content_type = request.headers.get("X-Upload-Content-Type", "")
        if not (content_type.startswith("video/") or content_type == "application/octet-stream"):
            raise ApiFailure(400, "badContent", "Media type is not supported: use video/* or "
                             "application/octet-stream.", domain="global")
        with self.lock:
            if self.inserts_used + 1 > self.daily_inserts:
                raise ApiFailure(403, "quotaExceeded", "The request cannot be completed because you have "
                                 "exceeded your quota.", domain="youtube.quota")
            self.inserts_used += 1
        try:
            resource = json.loads(request.get_data(as_text=True) or "{}")
        except ValueError:
            raise ApiFailure(400, "parseError", "Parse Error", domain="global") from None
        self._check_metadata(resource)
        with self.lock:
            if self.channel_uploads_left is not None:
                if self.channel_uploads_left <= 0:
                    raise ApiFailure(400, "uploadLimitExceeded", "The user has exceeded the number of "
                                     "videos they may upload.", domain="youtube.video")
                self.channel_uploads_left -= 1
            upload_id = secrets.token_urlsafe(24)
            self.sessions[upload_id] = {"resource": resource, "parts": parts, "total": total,
                                        "content_type": content_type, "data": bytearray(), "video_id": None,
                                        "notify": args.get("notifySubscribers", "true")}
        location = (f"{self.url}{UPLOAD_PATH}?uploadType=resumable&part={','.join(parts)}"
                    f"&upload_id={upload_id}")
        return Response("", status=200, headers={"Location": location})

    def _check_metadata(self, resource: dict[str, Any]) -> None:
        snippet = resource.get("snippet") or {}
        status = resource.get("status") or {}
        title = snippet.get("title")
        if not isinstance(title, str) or not title.strip() or len(title) > 100 or set(title) & {"<", ">"}:
            raise ApiFailure(400, "invalidTitle", "The request metadata specifies an invalid or empty video "
                             "title.", domain="youtube.video", location="body.snippet.title")
        description = snippet.get("description", "")
        if len(description.encode("utf-8")) > 5000 or "<" in description or ">" in description:
            raise ApiFailure(400, "invalidDescription", "The request metadata specifies an invalid video "
                             "description.", domain="youtube.video", location="body.snippet.description")
        tags = snippet.get("tags", [])
        if not isinstance(tags, list) or _tags_length(tags) > 500 or any("<" in t or ">" in t for t in tags):
            raise ApiFailure(400, "invalidTags", "The request metadata specifies invalid video keywords.",
                             domain="youtube.video", location="body.snippet.tags")
        if snippet.get("categoryId", "22") not in CATEGORIES:
            raise ApiFailure(400, "invalidCategoryId", "The snippet.categoryId property specifies an "
                             "invalid category ID.", domain="youtube.video")
        privacy = status.get("privacyStatus", "public")
        if privacy not in {"public", "unlisted", "private"}:
            raise ApiFailure(400, "invalidVideoMetadata", "The request metadata is invalid.",
                             domain="youtube.video", location="body.status.privacyStatus")
        publish_at = status.get("publishAt")
        if publish_at is not None:
            try:
                dt.datetime.fromisoformat(str(publish_at).replace("Z", "+00:00"))
            except ValueError:
                raise ApiFailure(400, "invalidPublishAt", "The request metadata specifies an invalid "
                                 "scheduled publishing time.", domain="youtube.video") from None
            if privacy != "private":
                raise ApiFailure(400, "invalidPublishAt", "A scheduled publishing time needs "
                                 "privacyStatus private.", domain="youtube.video")
        if "selfDeclaredMadeForKids" in status and not isinstance(status["selfDeclaredMadeForKids"], bool):
            raise ApiFailure(400, "invalidVideoMetadata", "selfDeclaredMadeForKids must be a boolean.",
                             domain="youtube.video")

    def _upload_put(self, request: Request, environ: dict[str, Any]) -> Response:
        upload_id = request.args.get("upload_id", "")
        with self.lock:
            session = self.sessions.get(upload_id)
        if session is None:
            raise ApiFailure(404, "notFound", "The upload session does not exist or expired.",
                             domain="global")
        body = request.get_data()
        total = session["total"]
        content_range = request.headers.get("Content-Range", "")
        with self.lock:
            self.upload_log.append(content_range)
        if content_range.startswith("bytes */"):
            if body or content_range != f"bytes */{total}":
                raise ApiFailure(400, "badRequest", "Bad status query.", domain="global")
            return self._session_answer(session)
        if session["video_id"] is not None:
            return self._session_answer(session)
        if content_range:
            try:
                span, size = content_range.removeprefix("bytes ").split("/")
                first, last = (int(x) for x in span.split("-"))
                assert int(size) == total and 0 <= first <= last < total
            except (ValueError, AssertionError):
                raise ApiFailure(400, "badRequest", f"Invalid Content-Range {content_range!r}.",
                                 domain="global") from None
        else:
            first, last = 0, total - 1
        if len(body) != last - first + 1:
            raise ApiFailure(400, "badRequest", "Content-Length does not match Content-Range.",
                             domain="global")
        with self.lock:
            if first != len(session["data"]):
                return self._session_answer(session)  # non-contiguous: nothing stored
            if last + 1 < total and len(body) % self.granularity:
                raise ApiFailure(400, "badRequest", f"Chunks must be multiples of {self.granularity} bytes "
                                 "except the last one.", domain="global")
            chunk_fault = self._take_chunk_fault()
        if chunk_fault is not None:
            kind, keep = chunk_fault
            with self.lock:
                session["data"].extend(body[: len(body) // 2 if keep is None else keep])
            if kind == "drop":
                sock = environ.get("werkzeug.socket")
                if sock is not None:
                    sock.shutdown(socket.SHUT_RDWR)  # the client sees the connection drop, no answer
                return Response("", status=503)
            raise ApiFailure(503, "backendError", "Backend Error", domain="global")
        completes = last + 1 == total
        fault = self._effect_fault() if completes else None
        if fault == "timeout":
            time.sleep(self.timeout_sleep)
            raise ApiFailure(503, "backendError", "Backend Error", domain="global")
        with self.lock:
            session["data"].extend(body)
            if len(session["data"]) == total:
                session["video_id"] = self._create_video(session["resource"], bytes(session["data"]))
        response = self._session_answer(session)
        if fault == "accept_then_timeout":
            time.sleep(self.timeout_sleep)
        return response

    def _take_chunk_fault(self) -> tuple[str, int | None] | None:
        if not self._chunk_faults:
            return None
        kind, kw = self._chunk_faults[0]
        if kw["chunk"] > 1:
            kw["chunk"] -= 1
            return None
        self._chunk_faults.pop(0)
        return kind, kw["keep"]

    def _session_answer(self, session: dict[str, Any]) -> Response:
        with self.lock:
            if session["video_id"] is not None:
                video = self._video_resource(self.videos[session["video_id"]], session["parts"])
                return Response(json.dumps(video), status=201, content_type="application/json; charset=UTF-8")
            stored = len(session["data"])
        headers = {"Range": f"bytes=0-{stored - 1}"} if stored else {}
        return Response("", status=308, headers=headers)

    def _create_video(self, resource: dict[str, Any], data: bytes) -> str:
        video_id = secrets.token_urlsafe(8)[:11]
        snippet = dict(resource.get("snippet") or {})
        status = dict(resource.get("status") or {})
        snippet.update(publishedAt=_ts(_now()), channelId=self.channel_id, channelTitle="Fake Channel")
        snippet.setdefault("categoryId", "22")
        snippet.setdefault("description", "")
        status.setdefault("privacyStatus", "public")
        status.update(uploadStatus="uploaded", license=status.get("license", "youtube"))
        self.videos[video_id] = {"id": video_id, "snippet": snippet, "status": status, "deleted": False,
                                 "sha256": hashlib.sha256(data).hexdigest(), "size": len(data),
                                 "stats": {"views": 0, "likes": 0, "comments": 0}}
        return video_id

    def _video_resource(self, video: dict[str, Any], parts: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": "youtube#video", "etag": secrets.token_hex(8), "id": video["id"]}
        if "snippet" in parts:
            out["snippet"] = video["snippet"]
        if "status" in parts:
            out["status"] = video["status"]
        if "statistics" in parts:
            names = {"views": "viewCount", "likes": "likeCount", "comments": "commentCount"}
            out["statistics"] = {names[k]: str(v) for k, v in video["stats"].items() if v is not None}
            out["statistics"]["favoriteCount"] = "0"
        return out

    def video_bytes_sha256(self, video_id: str) -> str:
        return self.videos[video_id]["sha256"]

    # -- Data API methods ----------------------------------------------------------------
    @staticmethod
    def _parts(request: Request, allowed: set[str]) -> list[str]:
        parts = [p for p in (request.args.get("part") or "").split(",") if p]
        if not parts:
            raise ApiFailure(400, "required", "Required parameter: part", domain="global",
                             location="part", locationType="parameter")
        unknown = set(parts) - allowed
        if unknown:
            raise ApiFailure(400, "unknownPart", f"Unknown part: {','.join(sorted(unknown))}")
        return parts

    @staticmethod
    def _max_results(request: Request, default: int, top: int) -> int:
        raw = request.args.get("maxResults", str(default))
        if not raw.isdigit() or not 0 <= int(raw) <= top:
            raise ApiFailure(400, "invalidParameter", f"maxResults must be between 0 and {top}.",
                             domain="global")
        return int(raw)

    def _videos_list(self, request: Request) -> Response:
        parts = self._parts(request, {"snippet", "status", "statistics", "contentDetails", "id"})
        ids = request.args.get("id")
        if not ids:
            raise ApiFailure(400, "missingRequiredParameter", "No filter selected. Expected one of: "
                             "chart, id, myRating.")
        id_list = ids.split(",")
        if len(id_list) > 50:
            raise ApiFailure(400, "invalidParameter", "At most 50 ids.", domain="global")
        self._max_results(request, 5, 50)
        with self.lock:
            items = [self._video_resource(self.videos[i], parts) for i in id_list
                     if i in self.videos and not self.videos[i]["deleted"]]
        return self._json({"kind": "youtube#videoListResponse", "items": items,
                           "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)}})

    def _videos_delete(self, request: Request) -> Response:
        video_id = request.args.get("id")
        if not video_id:
            raise ApiFailure(400, "required", "Required parameter: id", domain="global")
        with self.lock:
            video = self.videos.get(video_id)
            if video is None or video["deleted"]:
                raise ApiFailure(404, "videoNotFound", "The video that you are trying to delete cannot be "
                                 "found.", domain="youtube.video")
            video["deleted"] = True
        return Response("", status=204)

    def _channels_list(self, request: Request) -> Response:
        parts = self._parts(request, {"id", "snippet", "contentDetails", "statistics", "status"})
        filters = [f for f in ("mine", "id", "forHandle", "forUsername", "managedByMe", "categoryId")
                   if request.args.get(f)]
        if len(filters) != 1:
            raise ApiFailure(400, "missingRequiredParameter" if not filters else
                             "incompatibleParameters", "Specify exactly one of these filters: mine, "
                             "id, forHandle, forUsername, managedByMe, categoryId.")
        if filters[0] in ("id", "forHandle"):
            return self._channels_by(filters[0], request.args[filters[0]], parts)
        if filters[0] != "mine" or request.args["mine"] != "true":
            raise ApiFailure(400, "invalidParameter", f"This fake serves mine=true, id and forHandle; "
                             f"got {filters[0]}.", domain="global")
        return self._json({"kind": "youtube#channelListResponse", "items": [self._own_channel(parts)]})

    def _channels_by(self, name: str, value: str, parts: list[str]) -> Response:
        """Channels by id (comma-separated) or by handle (with or without ``@``), own or public."""
        wanted = value.split(",") if name == "id" else [value.removeprefix("@").lower()]
        items: list[dict[str, Any]] = []
        with self.lock:
            for key in wanted:
                if key in (self.channel_id, "fakechannel"):
                    items.append(self._own_channel(parts))
                    continue
                for channel in self.public_channels.values():
                    if key == (channel["id"] if name == "id" else channel["handle"]):
                        items.append(self._public_channel(channel, parts))
        body: dict[str, Any] = {"kind": "youtube#channelListResponse", "etag": "e",
                                "pageInfo": {"totalResults": len(items), "resultsPerPage": 5}}
        if items:  # like YouTube, no "items" key when nothing matched
            body["items"] = items
        return self._json(body)

    @staticmethod
    def _public_channel(channel: dict[str, Any], parts: list[str]) -> dict[str, Any]:
        resource: dict[str, Any] = {"kind": "youtube#channel", "etag": "e", "id": channel["id"]}
        if "snippet" in parts:
            resource["snippet"] = {"title": channel["title"], "customUrl": "@" + channel["handle"]}
        if "statistics" in parts:
            stats: dict[str, Any] = {"viewCount": str(channel["views"]),
                                     "videoCount": str(channel["videos"]),
                                     "hiddenSubscriberCount": channel["subscribers"] is None}
            if channel["subscribers"] is not None:
                stats["subscriberCount"] = str(channel["subscribers"])
            resource["statistics"] = stats
        if "contentDetails" in parts:  # another channel's uploads are public
            resource["contentDetails"] = {"relatedPlaylists": {"likes": "",
                                                               "uploads": "UU" + channel["id"][2:]}}
        return resource

    def _own_channel(self, parts: list[str]) -> dict[str, Any]:
        channel: dict[str, Any] = {"kind": "youtube#channel", "etag": "e", "id": self.channel_id}
        if "snippet" in parts:
            channel["snippet"] = {"title": "Fake Channel", "customUrl": "@fakechannel"}
        if "contentDetails" in parts:
            channel["contentDetails"] = {"relatedPlaylists": {"likes": "", "uploads": self.uploads_playlist}}
        if "statistics" in parts:
            with self.lock:
                videos = sum(1 for v in self.videos.values() if not v["deleted"])
            stats: dict[str, Any] = {"viewCount": "4321", "videoCount": str(videos),
                                     "hiddenSubscriberCount": self.subscriber_count is None}
            if self.subscriber_count is not None:
                stats["subscriberCount"] = str(self.subscriber_count)
            channel["statistics"] = stats
        return channel

    def _playlist_items(self, request: Request) -> Response:
        self._parts(request, {"id", "snippet", "contentDetails", "status"})
        if request.args.get("playlistId") != self.uploads_playlist:
            raise ApiFailure(404, "playlistNotFound", "The playlist identified with the request's "
                             "playlistId parameter cannot be found.", domain="youtube.playlistItem")
        limit = self._max_results(request, 5, 50)
        start = int(request.args.get("pageToken") or 0)
        with self.lock:
            live = [v for v in reversed(self.videos.values()) if not v["deleted"]]
        page = live[start:start + limit]
        items = [{"kind": "youtube#playlistItem", "id": "PLI" + v["id"],
                  "snippet": {"publishedAt": v["snippet"]["publishedAt"], "channelId": self.channel_id,
                              "title": v["snippet"]["title"], "playlistId": self.uploads_playlist,
                              "position": start + n,
                              "resourceId": {"kind": "youtube#video", "videoId": v["id"]}},
                  "contentDetails": {"videoId": v["id"], "videoPublishedAt": v["snippet"]["publishedAt"]}}
                 for n, v in enumerate(page)]
        body: dict[str, Any] = {"kind": "youtube#playlistItemListResponse", "items": items}
        if start + limit < len(live):
            body["nextPageToken"] = str(start + limit)
        return self._json(body)

    def _comment_resource(self, comment: dict[str, Any]) -> dict[str, Any]:
        snippet: dict[str, Any] = {
            "channelId": self.channel_id, "videoId": comment["video_id"], "textDisplay": comment["text"],
            "textOriginal": comment["text"], "authorDisplayName": comment["author_name"],
            "authorChannelId": {"value": comment["author_id"]}, "canRate": True, "viewerRating": "none",
            "likeCount": comment["likes"], "publishedAt": _ts(comment["published_at"]),
            "updatedAt": _ts(comment["published_at"])}
        if comment["parent_id"]:
            snippet["parentId"] = comment["parent_id"]
        if comment["status"] != "published":
            snippet["moderationStatus"] = comment["status"]
        return {"kind": "youtube#comment", "etag": "e", "id": comment["id"], "snippet": snippet}

    def _comment_threads(self, request: Request) -> Response:
        parts = self._parts(request, {"id", "snippet", "replies"})
        filters = [f for f in ("allThreadsRelatedToChannelId", "videoId", "id") if request.args.get(f)]
        if len(filters) != 1:
            raise ApiFailure(400, "missingRequiredParameter" if not filters else "incompatibleParameters",
                             "Exactly one of allThreadsRelatedToChannelId, videoId, id is required.")
        status = request.args.get("moderationStatus", "published")
        if status not in {"published", "heldForReview", "likelySpam"}:
            raise ApiFailure(400, "invalidParameter", "Invalid moderationStatus.", domain="global")
        if request.args.get("order", "time") not in {"time", "relevance"}:
            raise ApiFailure(400, "invalidParameter", "Invalid order.", domain="global")
        if request.args.get("textFormat", "html") not in {"html", "plainText"}:
            raise ApiFailure(400, "invalidParameter", "Invalid textFormat.", domain="global")
        limit = self._max_results(request, 20, 100) or 20
        start = int(request.args.get("pageToken") or 0)
        with self.lock:
            if filters[0] == "allThreadsRelatedToChannelId" and \
                    request.args["allThreadsRelatedToChannelId"] != self.channel_id:
                raise ApiFailure(403, "forbidden", "The comment threads cannot be retrieved.",
                                 domain="youtube.commentThread")
            wanted = request.args.get("videoId")
            tops = sorted((c for c in self.comments.values() if c["parent_id"] is None
                           and c["status"] == status and (wanted is None or c["video_id"] == wanted)),
                          key=lambda c: c["published_at"], reverse=True)
            page = tops[start:start + limit]
            items = []
            for top in page:
                replies = sorted((c for c in self.comments.values() if c["parent_id"] == top["id"]
                                  and c["status"] == "published"), key=lambda c: c["published_at"])
                thread: dict[str, Any] = {"kind": "youtube#commentThread", "etag": "e", "id": top["id"]}
                if "snippet" in parts:
                    thread["snippet"] = {"channelId": self.channel_id, "videoId": top["video_id"],
                                         "topLevelComment": self._comment_resource(top), "canReply": True,
                                         "totalReplyCount": len(replies), "isPublic": True}
                if "replies" in parts and replies:
                    thread["replies"] = {"comments": [self._comment_resource(r) for r in replies]}
                items.append(thread)
        body: dict[str, Any] = {"kind": "youtube#commentThreadListResponse", "items": items}
        if start + limit < len(tops):
            body["nextPageToken"] = str(start + limit)
        return self._json(body)

    def _comments_insert(self, request: Request) -> Response:
        parts = self._parts(request, {"id", "snippet"})
        if "snippet" not in parts:
            raise ApiFailure(400, "invalidPart", "comments.insert needs part=snippet.")
        try:
            snippet = (request.get_json(force=True) or {}).get("snippet") or {}
        except Exception:
            raise ApiFailure(400, "parseError", "Parse Error", domain="global") from None
        parent_id, text = snippet.get("parentId"), snippet.get("textOriginal")
        if not parent_id:
            raise ApiFailure(400, "required", "snippet.parentId is required.", domain="global")
        if not isinstance(text, str) or not text.strip():
            raise ApiFailure(400, "commentTextRequired", "The comment text is required.",
                             domain="youtube.comment")
        if len(text) > 10_000:
            raise ApiFailure(400, "commentTextTooLong", "The comment text is too long.",
                             domain="youtube.comment")
        with self.lock:
            parent = self.comments.get(parent_id)
            if parent is None or parent["status"] == "rejected":
                raise ApiFailure(404, "parentCommentNotFound", "The parent comment cannot be found.",
                                 domain="youtube.comment")
            if parent["parent_id"] is not None:
                raise ApiFailure(400, "operationNotSupported", "Replies must have a top-level comment as "
                                 "parent.", domain="youtube.comment")
            reply_id = self.add_comment(parent["video_id"], text, parent_id=parent_id,
                                        author_id=self.channel_id, author_name="Fake Channel")
            return self._json(self._comment_resource(self.comments[reply_id]))

    def _set_moderation(self, request: Request) -> Response:
        ids = [i for i in (request.args.get("id") or "").split(",") if i]
        status = request.args.get("moderationStatus")
        if not ids or len(ids) > 50:
            raise ApiFailure(400, "required", "Required parameter: id (1 to 50 ids)", domain="global")
        if status not in {"heldForReview", "published", "rejected"}:
            raise ApiFailure(400, "invalidModerationStatus", "The moderationStatus parameter is invalid.",
                             domain="youtube.comment")
        if request.args.get("banAuthor") == "true" and status != "rejected":
            raise ApiFailure(400, "banWithoutReject", "banAuthor can only be used with rejected.",
                             domain="youtube.comment")
        with self.lock:
            for comment_id in ids:
                comment = self.comments.get(comment_id)
                if comment is None:
                    raise ApiFailure(404, "commentNotFound", "The comment cannot be found.",
                                     domain="youtube.comment")
                if comment["status"] == "rejected" and status != "rejected":
                    raise ApiFailure(400, "processingFailure", "A rejected comment cannot be restored.",
                                     domain="youtube.comment")
            for comment_id in ids:
                self.comments[comment_id]["status"] = status
        return Response("", status=204)

    @staticmethod
    def _json(body: dict[str, Any]) -> Response:
        return Response(json.dumps(body), content_type="application/json; charset=UTF-8")


def main() -> None:
    """Run the fake for the demo: ``python plugins/youtube/tests/fake_youtube.py --port 8084``."""
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--access-token", help="access token to accept (default: a random one)")
    args = parser.parse_args()
    fake = FakeYouTube(granularity=256 * 1024).start(args.port)
    if args.access_token:
        fake.accept_token(args.access_token)
    print(f"SMMFLOW_YOUTUBE_API_BASE={fake.url}", flush=True)
    print(f"SMMFLOW_YOUTUBE_OAUTH_BASE={fake.url}/oauth", flush=True)
    creds = {"access_token": fake.access_token, "refresh_token": fake.refresh_token,
             "client_id": fake.client_id, "client_secret": fake.client_secret}
    print("credentials:", json.dumps(creds), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
