"""A fake Telegram Bot API server on 127.0.0.1 that enforces the API's contract.

One bot, one channel (``@smmflow_fake``) and its linked discussion supergroup.
The server checks what the real Bot API checks and answers in its shapes:

- paths ``/bot<token>/<method>`` (method names case-insensitive), GET or POST with
  query, form, JSON or multipart parameters; 401 for a refused token, 404 for an
  unknown method or a path without a token;
- required parameters, text 1-4096 and caption 0-1024 characters after entity
  parsing (HTML / MarkdownV2 markup is parsed and rejected when malformed),
  albums of 2-10 photos/videos (documents and audio only with their own kind),
  ``attach://`` parts, photo uploads <= 10 MiB with readable JPEG/PNG headers,
  width + height <= 10000 and ratio <= 20, uploads <= 50 MiB (413 above);
- error envelope ``{"ok": false, "error_code", "description", "parameters"}``,
  429 with ``parameters.retry_after`` when a chat gets more than
  ``flood_limit`` messages per window;
- channel posts are forwarded automatically into the discussion group, where
  comments reply to the forward; ``getUpdates`` confirms updates below
  ``offset`` and answers 409 while a webhook is set.

Stricter than Telegram on purpose: unknown parameters are refused (the real
server ignores them), so a typo in the plugin fails its tests.

It also implements the FakeNetwork protocol of smmflow's contract suite. The
Bot API carries no client-side marker, so ``count(marker)`` counts every post
published through the API and still present (the marker cannot be seen).

Run it alone for the demo: ``python plugins/telegram/tests/fake_telegram.py --port 8081``.
"""

from __future__ import annotations

import collections
import html
import itertools
import json
import math
import re
import secrets
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Request, Response

from smmflow.plugin_api import Account, Content
from smmflow.testing.fakeserver import FakeServer

MIB = 1024 * 1024
CHANNEL_ID = -1001000000001
GROUP_ID = -1001000000002
TEXT_LIMIT, CAPTION_LIMIT = 4096, 1024
COMMON_SEND = {"chat_id", "disable_notification", "protect_content", "reply_parameters",
               "message_thread_id", "reply_markup", "allow_paid_broadcast", "message_effect_id",
               "business_connection_id"}
CAPTIONED = {"caption", "parse_mode", "caption_entities", "has_spoiler", "show_caption_above_media"}
PARAMS: dict[str, set[str]] = {
    "getMe": set(),
    "getChat": {"chat_id"},
    "getChatMemberCount": {"chat_id"},
    "sendMessage": COMMON_SEND | {"text", "parse_mode", "entities", "link_preview_options"},
    "sendPhoto": COMMON_SEND | CAPTIONED | {"photo"},
    "sendVideo": COMMON_SEND | CAPTIONED | {"video", "duration", "width", "height",
                                            "supports_streaming", "thumbnail", "cover",
                                            "start_timestamp"},
    "sendMediaGroup": (COMMON_SEND - {"reply_markup"}) | {"media"},
    "deleteMessage": {"chat_id", "message_id"},
    "deleteMessages": {"chat_id", "message_ids"},
    "getUpdates": {"offset", "limit", "timeout", "allowed_updates"},
    "setWebhook": {"url", "secret_token", "allowed_updates", "max_connections",
                   "drop_pending_updates", "ip_address", "certificate"},
    "deleteWebhook": {"drop_pending_updates"},
    "getWebhookInfo": set(),
}
INPUT_MEDIA = {
    "photo": {"type", "media", "caption", "parse_mode", "caption_entities", "has_spoiler",
              "show_caption_above_media"},
    "video": {"type", "media", "caption", "parse_mode", "caption_entities", "has_spoiler",
              "show_caption_above_media", "thumbnail", "cover", "start_timestamp", "width",
              "height", "duration", "supports_streaming"},
    "document": {"type", "media", "caption", "parse_mode", "caption_entities", "thumbnail",
                 "disable_content_type_detection"},
    "audio": {"type", "media", "caption", "parse_mode", "caption_entities", "thumbnail",
              "duration", "performer", "title"},
}
HTML_TAGS = {"b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler",
             "a", "code", "pre", "blockquote", "tg-emoji"}
MD_RESERVED = set("_*[]()~`>#+-=|{}.!")
FAULT_KINDS = {"rate_limit", "server_error", "timeout", "auth", "reject", "accept_then_timeout",
               "forbidden", "migrate", "bad_gateway"}


class ApiError(Exception):
    def __init__(self, code: int, description: str, **parameters: Any) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


def bad(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


# -- entity parsing (what Telegram counts) ------------------------------------------------
def parse_entities(text: str, parse_mode: str | None) -> str:
    """The visible text after ``parse_mode`` markup, or ApiError as Telegram words it."""
    if not parse_mode:
        return text
    if parse_mode == "HTML":
        stack: list[str] = []
        for match in re.finditer(r"<(/?)([a-zA-Z][\w-]*)[^>]*>", text):
            closing, tag = match.group(1), match.group(2).lower()
            if tag not in HTML_TAGS:
                raise bad(f"can't parse entities: Unsupported start tag \"{tag}\" at byte offset "
                          f"{len(text[:match.start()].encode())}")
            if closing:
                if not stack or stack[-1] != tag:
                    raise bad(f"can't parse entities: Unmatched end tag at byte offset "
                              f"{len(text[:match.start()].encode())}, expected \"</"
                              f"{stack[-1] if stack else ''}>\", found \"</{tag}>\"")
                stack.pop()
            else:
                stack.append(tag)
        if stack:
            raise bad(f"can't parse entities: Can't find end tag corresponding to start tag "
                      f"\"{stack[-1]}\"")
        return html.unescape(re.sub(r"<[^>]*>", "", text))
    if parse_mode in ("MarkdownV2", "Markdown"):
        out: list[str] = []
        chars = iter(text)
        for ch in chars:
            if ch == "\\":
                out.append(next(chars, ""))
                continue
            if ch in "*_~|`[]()" and parse_mode == "MarkdownV2":
                continue  # markup (well-formedness is not modelled)
            if ch in MD_RESERVED and parse_mode == "MarkdownV2":
                raise bad(f"can't parse entities: Character '{ch}' is reserved and must be escaped "
                          "with the preceding '\\'")
            out.append(ch)
        return "".join(out)
    raise bad("unsupported parse_mode")


# -- media headers ---------------------------------------------------------------------------
def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or JPEG, or None when the bytes are no readable image."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                return None
            marker = data[i + 1]
            length = struct.unpack(">H", data[i + 2:i + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE,
                          0xCF):
                height, width = struct.unpack(">HH", data[i + 5:i + 9])
                return width, height
            i += 2 + length
    return None


class FakeTelegram(FakeServer):
    """The fake server; start/stop it or use it as a context manager."""

    thread_name = "fake-telegram"

    def __init__(self, *, timeout_sleep: float = 1.5, token: str | None = None) -> None:
        self.bot_id = 7000000000 + secrets.randbelow(10**6)
        self.token = token or f"{self.bot_id}:AA{secrets.token_urlsafe(25)[:33]}"
        if ":" in self.token and self.token.split(":", 1)[0].isdigit():
            self.bot_id = int(self.token.split(":", 1)[0])
        self.channel = {"id": CHANNEL_ID, "type": "channel", "title": "smmflow fake channel",
                        "username": "smmflow_fake"}
        self.group = {"id": GROUP_ID, "type": "supergroup", "title": "smmflow fake discussion"}
        self.members = 1234
        self.other_chats: dict[int, dict[str, Any]] = {}   # chats of others (competitors)
        self.timeout_sleep = timeout_sleep
        self.latency = 0.0
        self.flood_limit: tuple[int, float] | None = (30, 1.0)  # messages per chat per seconds
        self.max_upload_bytes = 50 * MIB
        self.max_photo_bytes = 10 * MIB
        self.bot_in_channel = True        # False: 403 "bot is not a member of the channel chat"
        self.bot_can_post = True          # False: 400 "need administrator rights in the channel chat"
        self.web: dict[str, tuple[str, bytes]] = {}   # URL -> (content type, body) Telegram may fetch
        self.webhook: dict[str, Any] | None = None
        self.allowed_updates: list[str] = []
        self.calls: list[tuple[str, float]] = []
        self.posts: list[dict[str, Any]] = []
        self.messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.deleted: set[tuple[int, int]] = set()
        self.updates: list[dict[str, Any]] = []
        self.files: dict[str, dict[str, Any]] = {}
        self._forward_of: dict[tuple[int, int], int] = {}   # channel msg id -> group forward id
        self._next_id = {CHANNEL_ID: 1, GROUP_ID: 1}
        self._next_update = itertools.count(800000001)
        self._media_group = itertools.count(13000000000000001)
        self._sent: dict[int, collections.deque[float]] = collections.defaultdict(collections.deque)
        self._faults: list[dict[str, Any]] = []
        self._lock = threading.RLock()

    # -- FakeNetwork protocol ------------------------------------------------------------------
    @property
    def settings(self) -> dict[str, str]:
        return {"TELEGRAM_API_BASE": self.url}

    def credentials(self) -> dict[str, str]:
        return {"bot_token": self.token, "chat_id": "@smmflow_fake",
                "discussion_chat_id": str(GROUP_ID)}

    account_credentials = credentials

    def account(self, **credentials: str) -> Account:
        return Account(id=1, platform="telegram", handle="@smmflow_fake",
                       external_id=str(CHANNEL_ID), credentials=self.credentials() | credentials)

    def count(self, marker: str | None = None) -> int:
        """Posts published through the API and not deleted (Telegram carries no marker)."""
        with self._lock:
            return sum(1 for post in self.posts
                       if not all((CHANNEL_ID, mid) in self.deleted for mid in post["message_ids"]))

    def fail_next(self, kind: str, times: int = 1, **kw: Any) -> None:
        """Make the next ``times`` requests (of ``kw["method"]`` if given) fail as ``kind``."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; one of {sorted(FAULT_KINDS)}")
        with self._lock:
            self._faults.extend({"kind": kind, **kw} for _ in range(times))

    def seed_comments(self, n: int, post_external_id: str | None = None) -> list[str]:
        """``n`` reader comments on a post (a seeded, older channel post by default)."""
        with self._lock:
            if post_external_id is None:
                post = self._store(self.channel, {"text": "An earlier post"})
                channel_msg = post["message_id"]
            else:
                channel_msg = int(post_external_id.rpartition(":")[2].split(",")[0])
            forward_id = self._forward_of[(CHANNEL_ID, channel_msg)]
            forward = self.messages[(GROUP_ID, forward_id)]
            return [self.add_group_message(f"Comment {i + 1} from a reader", reply_to=forward,
                                           user_id=500 + i) for i in range(n)]

    def comment_state(self, platform_id: str) -> str:
        key = self._key(platform_id)
        with self._lock:
            if key not in self.messages:
                raise KeyError(platform_id)
            return "deleted" if key in self.deleted else "visible"

    def replies_to(self, platform_id: str) -> list[str]:
        chat, mid = self._key(platform_id)
        with self._lock:
            return [f"{c}:{m}" for (c, m), msg in self.messages.items()
                    if c == chat and (c, m) not in self.deleted
                    and (msg.get("reply_to_message") or {}).get("message_id") == mid]

    def sample_content(self) -> Content:
        return Content(text="Hello from smmflow: our autumn collection is out.")

    def too_long_content(self) -> Content:
        return Content(text="x" * (TEXT_LIMIT + 1))

    def competitor_account(self, followers: int | None = 4321) -> Account | None:
        """A public channel of someone else, as the core hands it over (this bot's credentials).
        Telegram never hides a channel's member count: ``followers=None`` gives None."""
        if followers is None:
            return None
        username = f"rival_channel_{len(self.other_chats) + 1}"
        chat_id = self.add_channel(username, members=followers)
        return Account(id=2, platform="telegram", handle=f"@{username}", external_id=str(chat_id),
                       credentials=self.credentials(), is_competitor=True)

    def add_channel(self, username: str | None, *, members: int = 1000, bot_banned: bool = False,
                    kind: str = "channel") -> int:
        """Another chat the bot is not in: public with ``username``, private with None. Its id."""
        with self._lock:
            chat_id = -1002000000000 - len(self.other_chats) - 1
            self.other_chats[chat_id] = {"id": chat_id, "type": kind, "title": f"Chat {username}",
                                         "username": username, "members": members,
                                         "bot_banned": bot_banned}
            return chat_id

    def _other_chat(self, params: dict[str, Any]) -> dict[str, Any] | None:
        """A chat of :attr:`other_chats` by ``@username`` (public ones only) or by id."""
        text = str(params.get("chat_id") or "")
        for chat in self.other_chats.values():
            if text == str(chat["id"]) or (chat["username"] and
                                           text.lower() == f"@{chat['username']}".lower()):
                return chat
        return None

    def _other_member_count(self, chat: dict[str, Any]) -> int:
        """As the Bot API server's check_chat_access: reading a public chat needs no membership."""
        kind = "supergroup" if chat["type"] == "supergroup" else "channel"
        if chat["bot_banned"]:
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if not chat["username"]:
            raise ApiError(403, f"Forbidden: bot is not a member of the {kind} chat")
        return int(chat["members"])

    # -- helpers for tests -------------------------------------------------------------------
    def add_group_message(self, text: str, *, reply_to: dict[str, Any] | None = None,
                          user_id: int = 501, date: int | None = None,
                          extra: dict[str, Any] | None = None) -> str:
        """A reader's message in the discussion group (a comment when it replies to a forward)."""
        with self._lock:
            body: dict[str, Any] = {"from": {"id": user_id, "is_bot": False,
                                             "first_name": "Reader", "last_name": str(user_id),
                                             "username": f"reader{user_id}"}}
            if text:
                body["text"] = text
            if reply_to is not None:
                body["reply_to_message"] = reply_to
                thread = reply_to.get("message_thread_id") or reply_to["message_id"]
                body["message_thread_id"] = thread
                body["is_topic_message"] = False
            body.update(extra or {})
            msg = self._store(self.group, body, date=date)
            return f"{GROUP_ID}:{msg['message_id']}"

    def webhook_deliveries(self) -> list[tuple[int, str, dict[str, str], bytes]]:
        """What Telegram would POST to the webhook now: ``(update_id, url, headers, body)``.

        One JSON ``Update`` per request, with ``X-Telegram-Bot-Api-Secret-Token``
        when ``setWebhook`` was given a ``secret_token``; only the kinds of
        ``allowed_updates``. Empty without a webhook.
        """
        with self._lock:
            if self.webhook is None:
                return []
            wanted = set(self.allowed_updates) or {"message", "edited_message", "channel_post"}
            headers = {"Content-Type": "application/json"}
            if self.webhook.get("secret_token"):
                headers["X-Telegram-Bot-Api-Secret-Token"] = self.webhook["secret_token"]
            return [(u["update_id"], self.webhook["url"], dict(headers),
                     json.dumps({k: v for k, v in u.items() if k != "_at"}).encode())
                    for u in self.updates if wanted & (set(u) - {"update_id", "_at"})]

    def deliver_webhook(self, send: Callable[[str, dict[str, str], bytes], int] | None = None
                        ) -> list[int]:
        """POST every pending update to the webhook as Telegram does; returns the HTTP statuses.

        ``send(url, headers, body) -> status`` makes the request (default: real
        HTTP). An update answered 2xx is dropped; any other answer keeps it for
        the next delivery, as Telegram retries.
        """
        if send is None:
            import httpx

            def send(url: str, headers: dict[str, str], body: bytes) -> int:
                return httpx.post(url, headers=headers, content=body, timeout=5.0).status_code

        statuses = []
        for update_id, url, headers, body in self.webhook_deliveries():
            status = send(url, headers, body)
            statuses.append(status)
            if 200 <= status < 300:
                with self._lock:
                    self.updates = [u for u in self.updates if u["update_id"] != update_id]
        return statuses

    def message(self, platform_id: str) -> dict[str, Any]:
        return self.messages[self._key(platform_id)]

    def channel_messages(self) -> list[dict[str, Any]]:
        with self._lock:
            return [m for (c, mid), m in sorted(self.messages.items())
                    if c == CHANNEL_ID and (c, mid) not in self.deleted]

    @staticmethod
    def _key(platform_id: str) -> tuple[int, int]:
        chat, _, mid = platform_id.rpartition(":")
        return int(chat), int(mid)

    # -- storage ----------------------------------------------------------------------------
    def _store(self, chat: dict[str, Any], body: dict[str, Any], *,
               date: int | None = None, by_bot: bool = False) -> dict[str, Any]:
        """Keep a message; one the bot sent carries the bot as ``from`` and is no update
        (Telegram never hands a bot its own messages)."""
        chat_id = chat["id"]
        mid = self._next_id[chat_id]
        self._next_id[chat_id] += 1
        msg = {"message_id": mid, "date": int(date if date is not None else time.time()),
               "chat": dict(chat)} | body
        if chat["type"] == "channel":
            msg["sender_chat"] = dict(chat)
        elif by_bot:
            msg["from"] = {"id": self.bot_id, "is_bot": True, "first_name": "smmflow fake bot",
                           "username": "smmflow_fake_bot"}
        self.messages[(chat_id, mid)] = msg
        if chat_id == GROUP_ID and not by_bot:
            self._push_update("message", msg)
        else:
            self._forward(msg)
        return msg

    def _forward(self, post: dict[str, Any]) -> None:
        """Telegram's automatic forward of a channel post into the discussion group."""
        mid = self._next_id[GROUP_ID]
        self._next_id[GROUP_ID] += 1
        body = {k: v for k, v in post.items() if k in ("text", "caption", "photo", "video",
                                                       "media_group_id", "entities")}
        forward = {"message_id": mid, "date": post["date"], "chat": dict(self.group),
                   "sender_chat": dict(self.channel), "is_automatic_forward": True,
                   "forward_origin": {"type": "channel", "chat": dict(self.channel),
                                      "message_id": post["message_id"], "date": post["date"]},
                   "forward_from_chat": dict(self.channel),
                   "forward_from_message_id": post["message_id"], "forward_date": post["date"]
                   } | body
        self.messages[(GROUP_ID, mid)] = forward
        self._forward_of[(CHANNEL_ID, post["message_id"])] = mid
        self._push_update("message", forward)

    def _push_update(self, kind: str, message: dict[str, Any]) -> None:
        self.updates.append({"update_id": next(self._next_update), kind: message,
                             "_at": time.time()})

    # -- HTTP ----------------------------------------------------------------------------------
    def _wsgi(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterator[bytes]:
        request = Request(environ)
        response = self._handle(request)
        return response(environ, start_response)

    @staticmethod
    def _reply(payload: dict[str, Any], status: int = 200) -> Response:
        return Response(json.dumps(payload), status=status, mimetype="application/json")

    def _error(self, error: ApiError) -> Response:
        payload: dict[str, Any] = {"ok": False, "error_code": error.code,
                                   "description": error.description}
        if error.parameters:
            payload["parameters"] = error.parameters
        return self._reply(payload, error.code)

    def _handle(self, request: Request) -> Response:
        match = re.fullmatch(r"/bot([^/]*)/([A-Za-z]+)", request.path)
        if self.latency:
            time.sleep(self.latency)
        if match is None:
            return self._error(ApiError(404, "Not Found"))
        token, method_name = match.groups()
        method = next((m for m in PARAMS if m.lower() == method_name.lower()), method_name)
        with self._lock:
            self.calls.append((method, time.time()))
        if ":" not in token or len(token) > 80:
            return self._error(ApiError(401, "Unauthorized: invalid token specified"))
        if not secrets.compare_digest(token, self.token):
            return self._error(ApiError(401, "Unauthorized"))
        if method not in PARAMS:
            return self._error(ApiError(404, "Not Found"))
        fault = self._take_fault(method)
        if fault is not None and fault["kind"] != "accept_then_timeout":
            return self._fault(fault)
        try:
            params, files = self._params(request)
            unknown = set(params) - PARAMS[method]
            if unknown:
                raise bad(f"unknown parameter {sorted(unknown)[0]!r} for {method} (the fake refuses "
                          "parameters the Bot API does not document)")
            with self._lock:
                result = getattr(self, f"_m_{method}")(params, files)
            response = self._reply({"ok": True, "result": result})
        except ApiError as exc:
            response = self._error(exc)
        if fault is not None:  # accept_then_timeout: applied, answered too late
            time.sleep(self.timeout_sleep)
        return response

    def _take_fault(self, method: str) -> dict[str, Any] | None:
        with self._lock:
            for i, fault in enumerate(self._faults):
                if fault.get("method") in (None, method):
                    return self._faults.pop(i)
        return None

    def _fault(self, fault: dict[str, Any]) -> Response:
        kind = fault["kind"]
        if kind == "timeout":
            time.sleep(self.timeout_sleep)
            return self._error(ApiError(500, "Internal Server Error: request timed out"))
        if kind == "rate_limit":
            wait = int(fault.get("retry_after", 7))
            return self._error(ApiError(429, f"Too Many Requests: retry after {wait}",
                                        retry_after=wait))
        if kind == "server_error":
            return self._error(ApiError(500, "Internal Server Error"))
        if kind == "bad_gateway":
            return Response("<html><body><h1>502 Bad Gateway</h1></body></html>", status=502,
                            mimetype="text/html")
        if kind == "auth":
            return self._error(ApiError(401, "Unauthorized"))
        if kind == "forbidden":
            return self._error(ApiError(403, fault.get(
                "description", "Forbidden: bot was kicked from the channel chat")))
        if kind == "migrate":
            return self._error(ApiError(400, "Bad Request: group chat was upgraded to a supergroup "
                                        "chat", migrate_to_chat_id=int(fault.get("to", GROUP_ID))))
        return self._error(bad(fault.get("description", "PHOTO_INVALID_DIMENSIONS")))

    @staticmethod
    def _params(request: Request) -> tuple[dict[str, Any], dict[str, FileStorage]]:
        params: dict[str, Any] = dict(request.args.items())
        if request.mimetype == "application/json":
            body = request.get_json(silent=True)
            if not isinstance(body, dict):
                raise bad("can't parse JSON object")
            params.update(body)
        else:
            params.update(request.form.items())
        return params, dict(request.files.items())

    # -- parameter readers -----------------------------------------------------------------------
    @staticmethod
    def _json(params: dict[str, Any], name: str, kind: type) -> Any:
        value = params.get(name)
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise bad(f"can't parse {name} JSON object") from None
        if value is not None and not isinstance(value, kind):
            raise bad(f"field \"{name}\" must be of type {'Array' if kind is list else 'Object'}")
        return value

    @staticmethod
    def _int(params: dict[str, Any], name: str, default: int | None = None) -> int | None:
        value = params.get(name, default)
        if value is None or value == "":
            return default
        try:
            return int(value)
        except (TypeError, ValueError):
            raise bad(f"invalid {name} specified") from None

    @staticmethod
    def _bool(params: dict[str, Any], name: str) -> bool:
        value = params.get(name, False)
        if isinstance(value, str):
            return value.lower() in ("true", "1")
        return bool(value)

    def _chat(self, params: dict[str, Any]) -> dict[str, Any]:
        value = params.get("chat_id")
        if value in (None, ""):
            raise bad("chat_id is empty")
        text = str(value)
        for chat in (self.channel, self.group):
            if text == str(chat["id"]) or (chat.get("username") and
                                           text.lower() == f"@{chat['username']}".lower()):
                return chat
        raise bad("chat not found")

    def _check_send(self, chat: dict[str, Any], params: dict[str, Any], messages: int = 1) -> None:
        if chat["type"] == "channel":
            if not self.bot_in_channel:
                raise ApiError(403, "Forbidden: bot is not a member of the channel chat")
            if not self.bot_can_post:
                raise bad("need administrator rights in the channel chat")
        reply = self._json(params, "reply_parameters", dict)
        if reply is not None:
            target = reply.get("message_id")
            if not isinstance(target, int):
                raise bad("message identifier is not specified in reply_parameters")
            key = (chat["id"], target)
            if (key not in self.messages or key in self.deleted) and \
                    not reply.get("allow_sending_without_reply"):
                raise bad("message to be replied not found")
        self._json(params, "link_preview_options", dict)
        if self.flood_limit is not None:
            limit, window = self.flood_limit
            sent = self._sent[chat["id"]]
            now = time.monotonic()
            while sent and now - sent[0] > window:
                sent.popleft()
            if len(sent) + messages > limit:
                wait = max(1, math.ceil(window - (now - sent[0]))) if sent else 1
                raise ApiError(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
            sent.extend([now] * messages)

    def _caption(self, value: Any, parse_mode: str | None) -> str:
        caption = parse_entities(str(value or ""), parse_mode)
        if len(caption) > CAPTION_LIMIT:
            raise bad("message caption is too long")
        return caption

    def _file(self, kind: str, value: Any, files: dict[str, FileStorage], field: str,
              attrs: dict[str, Any] | None = None) -> dict[str, Any]:
        """A stored file for ``value`` (upload part, attach://, URL or file_id), checked as Telegram does."""
        data: bytes | None = None
        if isinstance(value, str) and value.startswith("attach://"):
            part = files.get(value[len("attach://"):])
            if part is None:
                raise bad("can't parse InputMedia: media not found")
            data = part.read()
        elif value in (None, "") and field in files:
            data = files[field].read()
        elif isinstance(value, str) and value:
            if "://" in value or "." in value:
                if not value.lower().startswith(("http://", "https://")):
                    raise bad("invalid file HTTP URL specified: Unsupported URL protocol")
                if value not in self.web:
                    raise bad("failed to get HTTP URL content")
                content_type, data = self.web[value]
                limit = 5 * MIB if kind == "photo" else 20 * MIB
                if len(data) > limit:
                    raise bad("failed to get HTTP URL content")
                if not content_type.startswith("image/" if kind == "photo" else "video/"):
                    raise bad("wrong type of the web page content")
            else:
                known = self.files.get(value)
                if known is None or known["kind"] != kind:
                    raise bad("wrong file identifier/HTTP URL specified")
                return known
        else:
            raise bad(f"there is no {field} in the request")
        if not data:
            raise bad("file must be non-empty")
        if len(data) > self.max_upload_bytes:
            raise ApiError(413, "Request Entity Too Large")
        stored: dict[str, Any] = {"kind": kind, "file_id": f"{kind}-{secrets.token_hex(8)}",
                                  "file_unique_id": secrets.token_hex(6), "file_size": len(data)}
        if kind == "photo":
            if len(data) > self.max_photo_bytes:
                raise bad(f"file of size {len(data)} bytes is too big for a photo; the maximum size "
                          f"is {self.max_photo_bytes} bytes")
            size = image_size(data)
            if size is None:
                raise bad("IMAGE_PROCESS_FAILED")
            width, height = size
            if width + height > 10000 or max(width, height) > 20 * max(1, min(width, height)):
                raise bad("PHOTO_INVALID_DIMENSIONS")
            stored.update(width=width, height=height)
        else:
            attrs = attrs or {}
            stored.update(duration=int(attrs.get("duration") or 0),
                          width=int(attrs.get("width") or 0), height=int(attrs.get("height") or 0),
                          mime_type="video/mp4")
        self.files[stored["file_id"]] = stored
        return stored

    @staticmethod
    def _media_field(stored: dict[str, Any]) -> dict[str, Any]:
        public = {k: v for k, v in stored.items() if k != "kind"}
        if stored["kind"] == "photo":
            return {"photo": [public]}
        return {"video": public}

    def _post(self, chat: dict[str, Any], body: dict[str, Any], method: str) -> dict[str, Any]:
        msg = self._store(chat, body, by_bot=True)
        if chat["type"] == "channel":
            self.posts.append({"method": method, "message_ids": [msg["message_id"]],
                               "text": body.get("text") or body.get("caption") or "",
                               "received_at": time.time()})
        return msg

    @staticmethod
    def _reply_body(chat: dict[str, Any], params: dict[str, Any], body: dict[str, Any],
                    messages: dict[tuple[int, int], dict[str, Any]]) -> None:
        reply = params.get("reply_parameters")
        if isinstance(reply, str):
            reply = json.loads(reply)
        if reply:
            target = messages.get((chat["id"], reply["message_id"]))
            if target is not None:
                body["reply_to_message"] = {k: v for k, v in target.items()
                                            if k != "reply_to_message"}

    # -- methods ------------------------------------------------------------------------------
    def _m_getMe(self, params: dict[str, Any], files: dict[str, FileStorage]) -> dict[str, Any]:
        return {"id": self.bot_id, "is_bot": True, "first_name": "smmflow fake bot",
                "username": "smmflow_fake_bot", "can_join_groups": True,
                "can_read_all_group_messages": False, "supports_inline_queries": False}

    def _m_getChat(self, params: dict[str, Any], files: dict[str, FileStorage]) -> dict[str, Any]:
        chat = self._chat(params)
        linked = self.group["id"] if chat is self.channel else self.channel["id"]
        return dict(chat) | {"linked_chat_id": linked, "accent_color_id": 0,
                             "max_reaction_count": 11}

    def _m_getChatMemberCount(self, params: dict[str, Any], files: dict[str, FileStorage]) -> int:
        other = self._other_chat(params)
        if other is not None:
            return self._other_member_count(other)
        chat = self._chat(params)
        if chat is self.channel and not self.bot_in_channel:
            raise ApiError(403, "Forbidden: bot is not a member of the channel chat")
        return self.members if chat is self.channel else 57

    def _m_sendMessage(self, params: dict[str, Any], files: dict[str, FileStorage]
                       ) -> dict[str, Any]:
        chat = self._chat(params)
        raw = params.get("text")
        if raw is None or str(raw) == "":
            raise bad("message text is empty")
        text = parse_entities(str(raw), params.get("parse_mode") or None)
        if not text.strip():
            raise bad("message text is empty")
        if len(text) > TEXT_LIMIT:
            raise bad("message is too long")
        self._check_send(chat, params)
        body: dict[str, Any] = {"text": text}
        self._reply_body(chat, params, body, self.messages)
        return self._post(chat, body, "sendMessage")

    def _single_media(self, kind: str, params: dict[str, Any], files: dict[str, FileStorage]
                      ) -> dict[str, Any]:
        chat = self._chat(params)
        caption = self._caption(params.get("caption"), params.get("parse_mode") or None)
        for name in ("duration", "width", "height"):
            self._int(params, name)
        stored = self._file(kind, params.get(kind), files, kind, params)
        self._check_send(chat, params)
        body = self._media_field(stored)
        if caption:
            body["caption"] = caption
        if self._bool(params, "has_spoiler"):
            body["has_media_spoiler"] = True
        if self._bool(params, "show_caption_above_media"):
            body["show_caption_above_media"] = True
        self._reply_body(chat, params, body, self.messages)
        return self._post(chat, body, "sendPhoto" if kind == "photo" else "sendVideo")

    def _m_sendPhoto(self, params: dict[str, Any], files: dict[str, FileStorage]) -> dict[str, Any]:
        return self._single_media("photo", params, files)

    def _m_sendVideo(self, params: dict[str, Any], files: dict[str, FileStorage]) -> dict[str, Any]:
        return self._single_media("video", params, files)

    def _m_sendMediaGroup(self, params: dict[str, Any], files: dict[str, FileStorage]
                          ) -> list[dict[str, Any]]:
        chat = self._chat(params)
        media = self._json(params, "media", list)
        if not media:
            raise bad("there are no messages to send")
        if len(media) > 10:
            raise bad("too many messages to send as an album")
        if len(media) < 2:
            raise bad("media must include 2-10 items (Bot API: sendMediaGroup)")
        kinds = []
        for item in media:
            if not isinstance(item, dict):
                raise bad("can't parse InputMedia: Object expected")
            kind = item.get("type")
            if kind not in INPUT_MEDIA:
                raise bad(f"can't parse InputMedia: type \"{kind}\" is unsupported")
            unknown = set(item) - INPUT_MEDIA[kind]
            if unknown:
                raise bad(f"can't parse InputMedia: unknown field \"{sorted(unknown)[0]}\"")
            kinds.append(kind)
        for lonely in ("document", "audio"):
            if lonely in kinds and set(kinds) != {lonely}:
                raise bad(f"{lonely} can't be mixed with other media types")
        above = {bool(i.get("show_caption_above_media")) for i in media if i["type"] in
                 ("photo", "video")}
        if len(above) > 1:
            raise bad("parameter show_caption_above_media must be the same for all messages")
        bodies = []
        for item in media:
            caption = self._caption(item.get("caption"), item.get("parse_mode") or None)
            if item["type"] not in ("photo", "video"):
                raise bad(f"the fake stores photos and videos only, not {item['type']}")
            stored = self._file(item["type"], item.get("media"), files, "media", item)
            body = self._media_field(stored)
            if caption:
                body["caption"] = caption
            if item.get("has_spoiler"):
                body["has_media_spoiler"] = True
            bodies.append(body)
        self._check_send(chat, params, messages=len(bodies))
        group_id = str(next(self._media_group))
        sent = []
        for body in bodies:
            body["media_group_id"] = group_id
            self._reply_body(chat, params, body, self.messages)
            sent.append(self._store(chat, body, by_bot=True))
        if chat["type"] == "channel":
            self.posts.append({"method": "sendMediaGroup",
                               "message_ids": [m["message_id"] for m in sent],
                               "text": next((b.get("caption") for b in bodies if b.get("caption")),
                                            ""), "received_at": time.time()})
        return sent

    def _deletable(self, key: tuple[int, int]) -> bool:
        msg = self.messages.get(key)
        return msg is not None and key not in self.deleted

    def _m_deleteMessage(self, params: dict[str, Any], files: dict[str, FileStorage]) -> bool:
        chat = self._chat(params)
        mid = self._int(params, "message_id")
        if mid is None:
            raise bad("message identifier is not specified")
        key = (chat["id"], mid)
        if not self._deletable(key):
            raise bad("message to delete not found")
        if time.time() - self.messages[key]["date"] > 48 * 3600:
            raise bad("message can't be deleted")
        self.deleted.add(key)
        return True

    def _m_deleteMessages(self, params: dict[str, Any], files: dict[str, FileStorage]) -> bool:
        chat = self._chat(params)
        ids = self._json(params, "message_ids", list)
        if not ids:
            raise bad("message_ids is empty")
        if len(ids) > 100:
            raise bad("too many message identifiers specified")
        for mid in ids:
            if not isinstance(mid, int):
                raise bad("invalid message identifier specified")
            if self._deletable((chat["id"], mid)):
                self.deleted.add((chat["id"], mid))
        return True

    def _m_getUpdates(self, params: dict[str, Any], files: dict[str, FileStorage]
                      ) -> list[dict[str, Any]]:
        if self.webhook is not None:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; use "
                           "deleteWebhook to delete the webhook first")
        offset = self._int(params, "offset")
        limit = min(max(self._int(params, "limit", 100) or 100, 1), 100)
        self._int(params, "timeout")
        allowed = self._json(params, "allowed_updates", list)
        if allowed is not None:
            self.allowed_updates = [str(a) for a in allowed]
        now = time.time()
        self.updates = [u for u in self.updates if now - u["_at"] < 86400]
        if offset is not None and offset < 0:
            pending = self.updates[offset:]
        else:
            if offset is not None:
                self.updates = [u for u in self.updates if u["update_id"] >= offset]
            pending = self.updates
        wanted = set(self.allowed_updates) or {"message", "edited_message", "channel_post"}
        out = [u for u in pending if wanted & (set(u) - {"update_id", "_at"})]
        return [{k: v for k, v in u.items() if k != "_at"} for u in out[:limit]]

    def _m_setWebhook(self, params: dict[str, Any], files: dict[str, FileStorage]) -> bool:
        url = str(params.get("url") or "")
        if not url:
            self.webhook = None
            return True
        if not url.startswith("https://"):
            raise bad("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None:
            secret = str(secret)
            if len(secret) > 256:
                raise bad("secret token is too long")
            if not re.fullmatch(r"[A-Za-z0-9_-]*", secret):
                raise bad("secret token contains unallowed characters")
        allowed = self._json(params, "allowed_updates", list)
        if allowed is not None:
            self.allowed_updates = [str(a) for a in allowed]
        self.webhook = {"url": url, "secret_token": secret or None}
        return True

    def _m_deleteWebhook(self, params: dict[str, Any], files: dict[str, FileStorage]) -> bool:
        self.webhook = None
        if self._bool(params, "drop_pending_updates"):
            self.updates.clear()
        return True

    def _m_getWebhookInfo(self, params: dict[str, Any], files: dict[str, FileStorage]
                          ) -> dict[str, Any]:
        return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                "pending_update_count": len(self.updates)}


def main() -> None:
    """Run the fake alone (for the demo): prints the setting and the account credentials."""
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", help="bot token to accept (default: a random one)")
    args = parser.parse_args()
    fake = FakeTelegram(token=args.token).start(args.port)
    print(f"SMMFLOW_TELEGRAM_API_BASE={fake.url}", flush=True)
    print("credentials:", json.dumps(fake.credentials()), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":
    main()
