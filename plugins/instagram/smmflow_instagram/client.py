"""HTTP calls to the Instagram Graph API through ``ctx.http``.

Every call goes to ``<INSTAGRAM_API_BASE>/<INSTAGRAM_API_VERSION>/<path>``. The access token
travels as the ``access_token`` parameter: in the form body of POST requests, in the query
string of GET and DELETE requests. No URL of this module is ever logged or put into an error
message, and the ``httpx`` logger gets a filter that redacts ``access_token=...`` from its
"HTTP Request" lines.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from typing import Any

import httpx

from smmflow.plugin_api import (
    Account,
    AuthExpired,
    JobContext,
    TransientError,
    UnknownOutcome,
    redact_http_logs,
)
from smmflow_instagram.errors import error_for

DEFAULT_API_BASE = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v25.0"
SETTING_API_BASE = "INSTAGRAM_API_BASE"
SETTING_API_VERSION = "INSTAGRAM_API_VERSION"

_TOKEN_PARAM = re.compile(r"(access_token=)[^&\s\"']+", re.IGNORECASE)
_VERSION = re.compile(r"^v\d+\.\d+$")


def redact(text: str, *secrets: str | None) -> str:
    """``text`` without any ``access_token=...`` value nor any of ``secrets``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<redacted>")
    return _TOKEN_PARAM.sub(r"\1<redacted>", text)


def install_log_redaction() -> None:
    """Make sure ``httpx`` and ``httpcore`` never log an access token (idempotent)."""
    redact_http_logs("instagram", "access_token", redact)


def parse_graph_time(value: Any) -> dt.datetime | None:
    """A Graph API timestamp (``2026-09-11T08:30:00+0000``) as an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    for fmt in ("%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%dT%H:%M:%S.%f%z"):
        try:
            return dt.datetime.strptime(value, fmt).astimezone(dt.UTC)
        except ValueError:
            continue
    return None


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


class GraphClient:
    """The Graph API as one account sees it.

    Credentials: ``access_token`` and ``ig_user_id`` (falls back to the account's
    ``external_id``). Missing ones raise :class:`AuthExpired` so the account is reconnected.
    """

    def __init__(self, ctx: JobContext, account: Account) -> None:
        credentials = account.credentials or {}
        token = credentials.get("access_token")
        user_id = credentials.get("ig_user_id") or account.external_id
        if not isinstance(token, str) or not token:
            raise AuthExpired("The Instagram account has no access_token in its credentials; "
                              "reconnect it.")
        if not user_id:
            raise AuthExpired("The Instagram account has no ig_user_id in its credentials; "
                              "reconnect it.")
        self.ctx = ctx
        self._token = token
        self.ig_user_id = str(user_id)
        base = ctx.setting(SETTING_API_BASE) or DEFAULT_API_BASE
        version = ctx.setting(SETTING_API_VERSION) or DEFAULT_API_VERSION
        if not _VERSION.match(version):
            version = DEFAULT_API_VERSION
        self._root = f"{base.rstrip('/')}/{version}"
        install_log_redaction()

    # -- public calls -------------------------------------------------------------------
    def get(self, path: str, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        query = {k: _form_value(v) for k, v in (params or {}).items() if v is not None}
        query["access_token"] = self._token
        return self._send("GET", path, params=query, write=False, repeatable=True)

    def post(self, path: str, data: Mapping[str, Any], *, repeatable: bool = False) -> dict[str, Any]:
        """A write. ``repeatable``: sending it twice is harmless (e.g. creating a container that
        expires unused), so a timeout is a TransientError instead of an UnknownOutcome."""
        form = {k: _form_value(v) for k, v in data.items() if v is not None}
        form["access_token"] = self._token
        return self._send("POST", path, data=form, write=True, repeatable=repeatable)

    def delete(self, path: str, *, repeatable: bool = False) -> dict[str, Any]:
        return self._send("DELETE", path, params={"access_token": self._token}, write=True,
                          repeatable=repeatable)

    def pages(self, path: str, params: Mapping[str, Any], max_pages: int) -> Iterator[dict[str, Any]]:
        """Items of a paginated edge, following ``paging.cursors.after`` for ``max_pages`` pages."""
        query = dict(params)
        for _ in range(max(1, max_pages)):
            body = self.get(path, query)
            data = body.get("data")
            if isinstance(data, list):
                yield from (item for item in data if isinstance(item, dict))
            paging = body.get("paging") if isinstance(body.get("paging"), dict) else {}
            cursors = paging.get("cursors") if isinstance(paging.get("cursors"), dict) else {}
            after = cursors.get("after")
            if not paging.get("next") or not after:
                return
            query["after"] = after

    def redact(self, text: str) -> str:
        return redact(text, self._token, self.ig_user_id if len(self.ig_user_id) >= 8 else None)

    # -- transport ----------------------------------------------------------------------
    def _send(self, method: str, path: str, *, params: Mapping[str, str] | None = None,
              data: Mapping[str, str] | None = None, write: bool, repeatable: bool) -> dict[str, Any]:
        url = f"{self._root}/{path.lstrip('/')}"
        try:
            response = self.ctx.http.request(method, url, params=params, data=data)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransientError(f"Instagram could not be reached ({type(exc).__name__}); "
                                 "nothing was sent.") from None
        except httpx.TimeoutException as exc:
            if write and not repeatable:
                raise UnknownOutcome(f"Instagram did not answer {method} {self._label(path)} in "
                                     f"time ({type(exc).__name__}); it may have been applied.") from None
            raise TransientError(f"Instagram did not answer {method} {self._label(path)} in time "
                                 f"({type(exc).__name__}).") from None
        except httpx.TransportError as exc:
            if write and not repeatable:
                raise UnknownOutcome(f"The connection to Instagram broke during {method} "
                                     f"{self._label(path)} ({type(exc).__name__}); it may have "
                                     "been applied.") from None
            raise TransientError(f"The connection to Instagram broke ({type(exc).__name__}).") from None
        try:
            payload: Any = response.json()
        except ValueError:
            payload = None
        if response.is_success and not (isinstance(payload, dict) and "error" in payload):
            if isinstance(payload, dict):
                return payload
            if payload is True:
                return {"success": True}
            raise TransientError(f"Instagram answered HTTP {response.status_code} with a body "
                                 "that is not a JSON object.")
        raise error_for(response.status_code, payload, response.headers, self.redact)

    def _label(self, path: str) -> str:
        """The path for a message: object ids kept, the account id redacted."""
        return "/" + self.redact(path.lstrip("/"))
