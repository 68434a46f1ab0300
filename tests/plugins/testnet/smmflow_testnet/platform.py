"""The ``testnet`` Platform, written only against :mod:`smmflow.plugin_api`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

import httpx
from marshmallow import Schema, fields

from smmflow.plugin_api import (
    Account,
    AuthExpired,
    Capability,
    Content,
    ContentLimits,
    ContentRejected,
    InboxItemData,
    JobContext,
    Platform,
    Problem,
    PublishResult,
    RateLimited,
    TransientError,
    UnknownOutcome,
)

METRIC_NAMES = {"view_count": "views", "like_count": "likes", "comment_count": "comments",
                "reshare_count": "shares"}
ACCOUNT_METRIC_NAMES = {"subscriber_count": "followers", "reach_7d": "reach"}
PUBLIC_METRIC_NAMES = {"subscriber_count": "followers"}


class TestnetOptions(Schema):
    """Per-target options of a testnet post."""

    pinned = fields.Boolean()


class TestnetPlatform(Platform):
    """A small network with every capability, served by ``FakeTestnet`` in tests."""

    __test__ = False  # not a pytest test class

    name = "testnet"
    display_name = "Test network"
    capabilities = frozenset({
        Capability.PUBLISH, Capability.RECONCILE, Capability.DELETE, Capability.POST_METRICS,
        Capability.ACCOUNT_METRICS, Capability.COMPETITOR_METRICS, Capability.COMMENTS,
        Capability.MODERATE, Capability.REPLY,
    })
    limits = ContentLimits(max_text_length=500, max_title_length=100, max_media=4, max_hashtags=10)
    options_schema = TestnetOptions
    max_concurrency_per_account = 1
    moderation_actions = frozenset({"hide", "unhide", "delete"})

    def validate(self, content: Content, options: Mapping[str, Any]) -> list[Problem]:
        problems = super().validate(content, options)
        for i, item in enumerate(content.media):
            if not item.url:
                problems.append(Problem(f"media[{i}]", "media_url_required",
                                        "The test network fetches media from a public URL; "
                                        "this file has none.", self.name))
        if not content.text and not content.media:
            problems.append(Problem("text", "text_required", "Write a text or add media.",
                                    self.name))
        return problems

    # -- HTTP -------------------------------------------------------------------------
    def _call(self, ctx: JobContext, account: Account, method: str, path: str, *,
              write: bool = False, allow_404: bool = False, root: str = "accounts",
              **kwargs: Any) -> httpx.Response:
        base = ctx.setting("TESTNET_API_BASE")
        if not base:
            raise TransientError("SMMFLOW_TESTNET_API_BASE is not set")
        token = account.credentials.get("access_token")
        if not token:
            raise AuthExpired("The account has no access token; connect it again.")
        acct = account.external_id or account.handle
        url = f"{base.rstrip('/')}/v1/{root}/{acct}{path}"
        try:
            resp = ctx.http.request(method, url, headers={"Authorization": f"Bearer {token}"},
                                    **kwargs)
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransientError(f"test network unreachable ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:  # sent, maybe applied: read timeout, dropped answer
            if write:
                raise UnknownOutcome(f"no answer after sending ({type(exc).__name__}); "
                                     "the call may have been applied") from exc
            raise TransientError(f"test network did not answer ({type(exc).__name__})") from exc
        if resp.is_success or (allow_404 and resp.status_code == 404):
            return resp
        raise _error_for(resp)

    # -- publishing -------------------------------------------------------------------
    def publish(self, ctx: JobContext, account: Account, content: Content,
                options: Mapping[str, Any], marker: str) -> PublishResult:
        body: dict[str, Any] = {"marker": marker, "text": content.text}
        if content.title:
            body["title"] = content.title
        if content.media:
            body["media"] = [{"kind": m.kind, "url": m.url} for m in content.media]
        if "pinned" in options:
            body["pinned"] = bool(options["pinned"])
        data = self._call(ctx, account, "POST", "/posts", json=body, write=True).json()
        return _result(data)

    def find_published(self, ctx: JobContext, account: Account, marker: str) -> PublishResult | None:
        posts = self._call(ctx, account, "GET", "/posts", params={"marker": marker}).json()["posts"]
        return _result(posts[0]) if posts else None

    def delete(self, ctx: JobContext, account: Account, external_id: str) -> None:
        self._call(ctx, account, "DELETE", f"/posts/{external_id}", write=True, allow_404=True)

    # -- metrics ----------------------------------------------------------------------
    def fetch_post_metrics(self, ctx: JobContext, account: Account,
                           external_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        out: dict[str, dict[str, int]] = {}
        ids = list(external_ids)
        for start in range(0, len(ids), 50):
            chunk = ids[start:start + 50]
            data = self._call(ctx, account, "GET", "/metrics",
                              params={"ids": ",".join(chunk)}).json()["metrics"]
            for post_id, values in data.items():
                out[post_id] = {METRIC_NAMES[k]: int(v) for k, v in values.items()
                                if k in METRIC_NAMES}
        return out

    def fetch_account_metrics(self, ctx: JobContext, account: Account) -> dict[str, int]:
        """Own account: its private stats. Competitor: its public profile, read with the
        borrowed token (a hidden subscriber count stays absent)."""
        if account.is_competitor:
            data = self._call(ctx, account, "GET", "", root="public").json()
            names = PUBLIC_METRIC_NAMES
        else:
            data = self._call(ctx, account, "GET", "/stats").json()
            names = ACCOUNT_METRIC_NAMES
        return {names[k]: int(v) for k, v in data.items() if k in names and v is not None}

    # -- moderation -------------------------------------------------------------------
    def fetch_comments(self, ctx: JobContext, account: Account,
                       since: dt.datetime | None) -> list[InboxItemData]:
        params = {"since": f"{since.timestamp():.6f}"} if since else {}
        data = self._call(ctx, account, "GET", "/comments", params=params).json()
        return [InboxItemData(
            platform_id=c["id"], text=c["text"], author_id=c["author"]["id"],
            author_name=c["author"]["name"],
            received_at=dt.datetime.fromtimestamp(c["created_at"], dt.UTC),
            post_external_id=c["post_id"], parent_id=c["parent_id"], extra={"state": c["state"]},
        ) for c in data["comments"]]

    def moderate(self, ctx: JobContext, account: Account, item: InboxItemData, action: str) -> None:
        if action not in self.moderation_actions:
            raise ContentRejected(f"The test network cannot {action} comments.")
        self._call(ctx, account, "POST", f"/comments/{item.platform_id}/moderation",
                   json={"action": action}, write=True)

    def reply(self, ctx: JobContext, account: Account, item: InboxItemData, text: str) -> str:
        data = self._call(ctx, account, "POST", f"/comments/{item.platform_id}/replies",
                          json={"text": text}, write=True).json()
        return str(data["id"])


def _result(data: Mapping[str, Any]) -> PublishResult:
    return PublishResult(external_id=str(data["id"]), url=data.get("url"),
                         published_at=dt.datetime.fromisoformat(data["created_at"]))


def _error_for(resp: httpx.Response) -> Exception:
    """The taxonomy error for an error answer of the test network."""
    try:
        error = resp.json().get("error", {})
    except ValueError:
        error = {}
    code, message = error.get("code"), error.get("message") or resp.reason_phrase
    if resp.status_code == 429:
        retry_after = resp.headers.get("Retry-After") or error.get("retry_after") or 60
        return RateLimited(f"test network: {message}", retry_after=float(retry_after),
                           platform_code=code)
    if resp.status_code in (401, 403):
        return AuthExpired(f"test network refused the token ({code}): reconnect the account.",
                           platform_code=code)
    if resp.status_code in (400, 404, 409, 422):
        return ContentRejected(f"test network: {message}", platform_code=code)
    return TransientError(f"test network answered {resp.status_code}: {message}",
                          platform_code=code)
