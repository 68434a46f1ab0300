"""HTTP calls to the VK API through the job's ``ctx.http``, with VK errors mapped to smmflow's.

Every method is ``POST <api_base>/method/<name>`` with form-encoded parameters
and ``v=5.199``. The access token travels only in the ``Authorization: Bearer``
header: never in a URL, a log line or an exception message. Upload URLs handed
out by VK (another host) get no token at all.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from smmflow.plugin_api import (
    Account,
    AuthExpired,
    ContentRejected,
    JobContext,
    RateLimited,
    TransientError,
    UnknownOutcome,
)
from smmflow_vk.errors import to_platform_error

DEFAULT_API_BASE = "https://api.vk.com"
API_VERSION = "5.199"
SETTING_API_BASE = "VK_API_BASE"
SETTING_MIN_INTERVAL = "VK_MIN_CALL_INTERVAL"
DEFAULT_MIN_INTERVAL = 0.35  # seconds between calls: VK allows 3 requests/s per user token


@dataclass(frozen=True)
class Credentials:
    """What the plugin needs from ``Account.credentials``."""

    access_token: str = field(repr=False)
    group_id: int

    @property
    def owner_id(self) -> int:
        """The community's wall owner id (negative)."""
        return -self.group_id


def credentials_of(account: Account) -> Credentials:
    """Read and check the account's credentials; a missing value means the account needs reauth."""
    creds = account.credentials or {}
    token = str(creds.get("access_token") or "").strip()
    if not token:
        raise AuthExpired("The VK account has no access_token; connect it again with a user access "
                          "token of a community admin.")
    raw_gid = creds.get("group_id") or account.external_id
    try:
        group_id = abs(int(str(raw_gid).strip()))
    except (TypeError, ValueError):
        raise AuthExpired("The VK account has no valid group_id (the community's numeric id); "
                          "fix the account's credentials.") from None
    if group_id == 0:
        raise AuthExpired("The VK account's group_id is 0; set the community's numeric id.")
    return Credentials(access_token=token, group_id=group_id)


def encode_params(params: Mapping[str, Any]) -> dict[str, str]:
    """VK form encoding: booleans as 1/0, lists comma-joined, ``None`` left out."""
    out: dict[str, str] = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[key] = "1" if value else "0"
        elif isinstance(value, list | tuple):
            out[key] = ",".join(str(v) for v in value)
        else:
            out[key] = str(value)
    return out


class VKClient:
    """One account's view of the VK API inside one job."""

    def __init__(self, ctx: JobContext, credentials: Credentials) -> None:
        self.ctx = ctx
        self.credentials = credentials
        self.base = (ctx.setting(SETTING_API_BASE) or DEFAULT_API_BASE).rstrip("/")
        try:
            self.min_interval = max(0.0, float(ctx.setting(SETTING_MIN_INTERVAL) or DEFAULT_MIN_INTERVAL))
        except ValueError:
            self.min_interval = DEFAULT_MIN_INTERVAL
        self._last_call = 0.0

    def _pace(self) -> None:
        """Keep under VK's 3 requests/s per user token within one operation."""
        wait = self._last_call + self.min_interval - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_call = time.monotonic()

    # -- API methods ---------------------------------------------------------------------
    def call(self, method: str, params: Mapping[str, Any] | None = None, *, write: bool = False) -> Any:
        """Call ``method`` and return its ``response``; raise the mapped smmflow error otherwise.

        ``write`` marks a call that changes something on VK: a timeout after
        sending it is an :class:`UnknownOutcome`, not a :class:`TransientError`.
        """
        data = encode_params(params or {})
        data["v"] = API_VERSION
        headers = {"Authorization": f"Bearer {self.credentials.access_token}"}
        url = f"{self.base}/method/{method}"
        self._pace()
        self.ctx.log.debug("VK call %s", method)
        try:
            resp = self.ctx.http.post(url, data=data, headers=headers)
        except httpx.TimeoutException:
            if write:
                raise UnknownOutcome(f"VK did not answer {method} in time; it may have been applied.") \
                    from None
            raise TransientError(f"VK did not answer {method} in time.") from None
        except httpx.TransportError as exc:
            raise TransientError(f"Could not reach VK for {method}: {type(exc).__name__}.") from None
        return self._response_of(method, resp, write=write)

    def _response_of(self, method: str, resp: httpx.Response, *, write: bool) -> Any:
        if resp.status_code == 429:
            raise RateLimited(f"VK answered HTTP 429 to {method}.",
                              retry_after=_retry_after(resp.headers.get("Retry-After")),
                              platform_code="http429")
        if resp.status_code >= 500:
            raise TransientError(f"VK answered HTTP {resp.status_code} to {method}.",
                                 platform_code=f"http{resp.status_code}")
        if resp.status_code >= 400:
            raise ContentRejected(f"VK answered HTTP {resp.status_code} to {method}; check "
                                  "SMMFLOW_VK_API_BASE.", platform_code=f"http{resp.status_code}")
        try:
            body = resp.json()
        except ValueError:
            raise TransientError(f"VK answered {method} with something that is not JSON.") from None
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            raise to_platform_error(body["error"], method=method, write=write, now=self.ctx.clock(),
                                    redact=(self.credentials.access_token,))
        if not isinstance(body, dict) or "response" not in body:
            raise TransientError(f"VK answered {method} without a response.")
        return body["response"]

    # -- uploads -------------------------------------------------------------------------
    def upload(self, upload_url: str, *, field: str, filename: str, content: bytes,
               mime_type: str) -> dict[str, Any]:
        """POST one file as multipart ``field`` to an upload URL VK handed out (no token sent)."""
        try:
            resp = self.ctx.http.post(upload_url, files={field: (filename, content, mime_type)})
        except httpx.TimeoutException:
            raise TransientError("The VK upload server did not answer in time.") from None
        except httpx.TransportError as exc:
            raise TransientError(f"Could not reach the VK upload server: {type(exc).__name__}.") from None
        if resp.status_code >= 500 or resp.status_code == 429:
            raise TransientError(f"The VK upload server answered HTTP {resp.status_code}.")
        if resp.status_code >= 400:
            raise ContentRejected(f"The VK upload server refused the file (HTTP {resp.status_code}).")
        try:
            body = resp.json()
        except ValueError:
            raise TransientError("The VK upload server answered with something that is not JSON.") from None
        if not isinstance(body, dict):
            raise TransientError("The VK upload server answered with an unexpected body.")
        if "error" in body:  # e.g. an expired upload URL: a retry asks for a new one
            raise TransientError(f"The VK upload server answered an error: {str(body['error'])[:200]}.")
        return body

    def download(self, url: str) -> bytes:
        """Fetch a media file given only by URL (no token sent)."""
        try:
            resp = self.ctx.http.get(url)
        except httpx.HTTPError as exc:
            raise TransientError(f"Could not download the media file: {type(exc).__name__}.") from None
        if resp.status_code != 200:
            raise TransientError(f"Downloading the media file answered HTTP {resp.status_code}.")
        return resp.content


def _retry_after(value: str | None) -> float:
    try:
        return max(1.0, float(value)) if value else 60.0
    except ValueError:
        return 60.0


def parse_json_field(value: Any) -> Any:
    """Upload servers return some fields as JSON inside a string."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value
