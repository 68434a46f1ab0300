"""HTTP calls to the YouTube Data API v3: auth, token refresh, quota charge, error mapping.

Every call goes through ``ctx.http`` (timeouts already set). The access token
only travels in the ``Authorization`` header, never in a URL, a log line or an
error message.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from smmflow.plugin_api import (
    Account,
    AuthExpired,
    ContentRejected,
    JobContext,
    PlatformError,
    RateLimited,
    TransientError,
    UnknownOutcome,
)
from smmflow_youtube.quota import Quota

DEFAULT_API_BASE = "https://www.googleapis.com"
DEFAULT_OAUTH_BASE = "https://oauth2.googleapis.com"

# 403 reasons that need a person to fix the account or the Google project (account -> needs_reauth).
AUTH_REASONS = frozenset({
    "insufficientPermissions", "authenticatedUserAccountClosed", "authenticatedUserAccountSuspended",
    "authenticatedUserNotChannel", "youtubeSignupRequired", "accountDeleted", "accountDisabled",
    "accountUnverified", "unknownAuth", "accessNotConfigured", "channelClosed", "channelSuspended",
})
QUOTA_REASONS = frozenset({"quotaExceeded", "dailyLimitExceeded"})
SHORT_RATE_REASONS = frozenset({
    "rateLimitExceeded", "userRateLimitExceeded", "concurrentLimitExceeded", "servingLimitExceeded",
    "limitExceeded",
})
UPLOAD_LIMIT_WAIT = 24 * 3600.0
SHORT_RATE_WAIT = 60.0


def _int_setting(ctx: JobContext, key: str, default: int, minimum: int = 0) -> int:
    raw = ctx.setting(key)
    if raw in (None, ""):
        return default
    try:
        value = int(str(raw))
    except ValueError:
        value = minimum - 1
    if value < minimum:
        raise TransientError(f"SMMFLOW_{key} must be an integer >= {minimum} (got {raw!r}); fix the setting.")
    return value


def _float_setting(ctx: JobContext, key: str, default: float) -> float:
    raw = ctx.setting(key)
    if raw in (None, ""):
        return default
    try:
        value = float(str(raw))
    except ValueError:
        value = -1.0
    if value < 0:
        raise TransientError(f"SMMFLOW_{key} must be a number >= 0 (got {raw!r}); fix the setting.")
    return value


@dataclass(frozen=True)
class YouTubeSettings:
    """The plugin's configuration (``SMMFLOW_YOUTUBE_*``), read from ``ctx.settings``."""

    api_base: str = DEFAULT_API_BASE
    oauth_base: str = DEFAULT_OAUTH_BASE
    chunk_bytes: int = 32 * 256 * 1024          # 8 MiB, a multiple of 256 KiB
    upload_backoff: float = 1.0
    upload_max_resumes: int = 5
    quota_redis_url: str | None = None
    quota_project: str | None = None
    daily_units: int = 10_000
    daily_uploads: int = 100
    daily_competitor_units: int = 1_000
    marker_tag: bool = True
    comment_pages: int = 5
    reconcile_items: int = 50

    @classmethod
    def from_ctx(cls, ctx: JobContext) -> YouTubeSettings:
        marker = str(ctx.setting("YOUTUBE_MARKER_TAG", "true") or "true").strip().lower()
        return cls(
            api_base=(ctx.setting("YOUTUBE_API_BASE") or DEFAULT_API_BASE).rstrip("/"),
            oauth_base=(ctx.setting("YOUTUBE_OAUTH_BASE") or DEFAULT_OAUTH_BASE).rstrip("/"),
            chunk_bytes=_int_setting(ctx, "YOUTUBE_UPLOAD_CHUNK_BYTES", cls.chunk_bytes, minimum=1),
            upload_backoff=_float_setting(ctx, "YOUTUBE_UPLOAD_BACKOFF_SECONDS", cls.upload_backoff),
            upload_max_resumes=_int_setting(ctx, "YOUTUBE_UPLOAD_MAX_RESUMES", cls.upload_max_resumes),
            quota_redis_url=ctx.setting("YOUTUBE_QUOTA_REDIS_URL") or None,
            quota_project=ctx.setting("YOUTUBE_QUOTA_PROJECT") or None,
            daily_units=_int_setting(ctx, "YOUTUBE_DAILY_QUOTA_UNITS", cls.daily_units, minimum=1),
            daily_uploads=_int_setting(ctx, "YOUTUBE_DAILY_UPLOADS", cls.daily_uploads, minimum=1),
            daily_competitor_units=_int_setting(ctx, "YOUTUBE_DAILY_COMPETITOR_UNITS",
                                                cls.daily_competitor_units),
            marker_tag=marker not in {"0", "false", "no", "off"},
            comment_pages=_int_setting(ctx, "YOUTUBE_COMMENT_PAGES", cls.comment_pages, minimum=1),
            reconcile_items=_int_setting(ctx, "YOUTUBE_RECONCILE_ITEMS", cls.reconcile_items, minimum=1),
        )


def redact_uri(uri: str) -> str:
    """A URI fit for a log line: scheme, host and path, no query (upload ids stay out)."""
    parts = urlsplit(uri)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def error_details(response: httpx.Response) -> tuple[str, str]:
    """``(reason, message)`` of a Google error body (``errors[0].reason``, ``error.message``)."""
    try:
        body = response.json()
    except ValueError:
        return "", response.reason_phrase or ""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", response.reason_phrase or ""
    reason = ""
    errors = error.get("errors")
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        reason = str(errors[0].get("reason") or "")
    return reason, str(error.get("message") or "")[:300]


def map_error(response: httpx.Response, method: str, quota: Quota | None) -> PlatformError:
    """The taxonomy error for a failed YouTube answer (401 already went through a refresh)."""
    status = response.status_code
    reason, message = error_details(response)
    where = f"YouTube {method} answered HTTP {status}" + (f" {reason}" if reason else "")
    detail = f"{where}: {message}" if message else where
    code = reason or str(status)
    if status == 401:
        return AuthExpired(f"{detail}. The access token is invalid or revoked and could not be "
                           "refreshed: reconnect the YouTube account.", platform_code=code)
    if reason in QUOTA_REASONS:
        if quota is not None:
            return quota.exhaust(method)
        return RateLimited(detail, retry_after=SHORT_RATE_WAIT, platform_code=code)
    if reason == "uploadLimitExceeded":
        return RateLimited(f"{detail}. The channel reached its upload limit; retrying in 24 h.",
                           retry_after=UPLOAD_LIMIT_WAIT, platform_code=code)
    if reason in SHORT_RATE_REASONS or status == 429:
        return RateLimited(detail, retry_after=_retry_after(response), platform_code=code)
    if status >= 500 or status == 408:
        return TransientError(detail, platform_code=code)
    if status == 403 and reason in AUTH_REASONS:
        return AuthExpired(f"{detail}. Fix the account's permissions or the Google Cloud project "
                           "(YouTube Data API v3 enabled, scopes granted), then reconnect.",
                           platform_code=code)
    return ContentRejected(detail, platform_code=code)


def _retry_after(response: httpx.Response) -> float:
    raw = response.headers.get("Retry-After")
    try:
        return max(1.0, float(raw)) if raw else SHORT_RATE_WAIT
    except ValueError:
        return SHORT_RATE_WAIT


def transport_error(exc: httpx.HTTPError, method: str, *, may_have_applied: bool) -> PlatformError:
    """Map a network failure; a write that may have reached YouTube becomes UnknownOutcome."""
    name = type(exc).__name__
    if isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout):
        return TransientError(f"YouTube {method}: could not connect ({name}).")
    if may_have_applied:
        return UnknownOutcome(f"YouTube {method}: no answer ({name}); the request may have been "
                              "applied.")
    return TransientError(f"YouTube {method}: no answer ({name}).")


class YouTubeClient:
    """Calls for one account within one job."""

    def __init__(self, ctx: JobContext, account: Account, settings: YouTubeSettings, quota: Quota,
                 token_cache: MutableMapping[str, str]) -> None:
        self.ctx = ctx
        self.account = account
        self.settings = settings
        self.quota = quota
        self._token_cache = token_cache
        credentials = account.credentials or {}
        self._stored_token = str(credentials.get("access_token") or "")
        if not self._stored_token:
            raise AuthExpired("The YouTube account has no access_token in its credentials: connect it.")
        self._cache_key = hashlib.sha256(self._stored_token.encode()).hexdigest()
        self._refreshed = False

    # -- auth ------------------------------------------------------------------------
    @property
    def token(self) -> str:
        return self._token_cache.get(self._cache_key, self._stored_token)

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def same_origin(self, uri: str) -> bool:
        """Whether ``uri`` is on the API's host (the token is never sent anywhere else)."""
        a, b = urlsplit(uri), urlsplit(self.settings.api_base)
        return (a.scheme, a.netloc) == (b.scheme, b.netloc)

    def can_refresh(self) -> bool:
        creds = self.account.credentials or {}
        return all(creds.get(key) for key in ("refresh_token", "client_id", "client_secret"))

    def refresh(self) -> None:
        """Trade the refresh token for a new access token (once per client)."""
        creds = self.account.credentials
        self._refreshed = True
        try:
            response = self.ctx.http.post(f"{self.settings.oauth_base}/token", data={
                "grant_type": "refresh_token", "refresh_token": creds["refresh_token"],
                "client_id": creds["client_id"], "client_secret": creds["client_secret"]})
        except httpx.HTTPError as exc:
            raise transport_error(exc, "token refresh", may_have_applied=False) from None
        if response.status_code >= 500:
            raise TransientError(f"Google OAuth token refresh answered HTTP {response.status_code}.")
        try:
            body = response.json()
        except ValueError:
            body = {}
        token = body.get("access_token") if response.status_code == 200 else None
        if not token:
            error = str(body.get("error") or response.status_code)[:60]
            raise AuthExpired(f"Google refused to refresh the YouTube access token ({error}): reconnect "
                              "the YouTube account.", platform_code=error)
        self._token_cache[self._cache_key] = str(token)
        self.ctx.log.info("youtube: access token refreshed for account %s", self.account.id)

    # -- requests --------------------------------------------------------------------
    def url(self, path: str) -> str:
        return f"{self.settings.api_base}{path}"

    def request(self, method: str, http_method: str, url: str, *, params: Mapping[str, Any] | None = None,
                json: Any = None, headers: Mapping[str, str] | None = None, content: bytes | None = None,
                write: bool = False, charge: bool = True, ok: tuple[int, ...] = ()) -> httpx.Response:
        """Send one call of API ``method``; returns answers < 400 (and statuses in ``ok``).

        ``write`` says whether a lost answer may mean the call was applied
        (UnknownOutcome) or not (TransientError). ``charge`` is False for upload
        chunks, which are part of the already counted ``videos.insert``.
        """
        for attempt in range(2):
            if charge:
                self.quota.charge(method)
            send_headers = dict(headers or {})
            if self.same_origin(url):
                send_headers.update(self.auth_headers())
            try:
                response = self.ctx.http.request(http_method, url, params=params, json=json,
                                                 headers=send_headers, content=content)
            except httpx.HTTPError as exc:
                raise transport_error(exc, method, may_have_applied=write) from None
            if response.status_code == 401 and attempt == 0 and not self._refreshed and self.can_refresh():
                self.ctx.log.info("youtube: %s answered 401, refreshing the access token", method)
                self.refresh()
                continue
            if response.status_code < 400 or response.status_code in ok:
                return response
            error = map_error(response, method, self.quota)
            self.ctx.log.warning("youtube: %s failed: %s", method, error.message)
            raise error
        raise AssertionError("unreachable")  # pragma: no cover

    def get(self, method: str, path: str, **params: Any) -> dict[str, Any]:
        response = self.request(method, "GET", self.url(path), params=params)
        return json_body(response, method)


def json_body(response: httpx.Response, method: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        raise TransientError(f"YouTube {method} answered HTTP {response.status_code} without JSON.") \
            from None
    if not isinstance(body, dict):
        raise TransientError(f"YouTube {method} answered an unexpected body.")
    return body

