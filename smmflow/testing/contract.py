"""The Platform contract suite: what every network plugin must do, checked against its fake.

A plugin author subclasses :class:`PlatformContract` in their tests and gives
two fixtures, ``platform`` (the Platform instance) and ``fake`` (their fake
server, started)::

    class TestTelegramContract(PlatformContract):
        @pytest.fixture
        def platform(self):
            return TelegramPlatform()

        @pytest.fixture
        def fake(self):
            with FakeTelegram() as server:
                yield server

The fake implements the *FakeNetwork protocol*:

``settings``
    dict handed to ``JobContext.settings`` (e.g. ``{"TELEGRAM_API_BASE": url}``);
``account() -> Account``
    an account with valid credentials;
``count(marker=None) -> int``
    posts stored (for one marker);
``fail_next(kind, times=1, **kw)``
    the next call(s) fail: ``rate_limit`` (429 with a retry-after),
    ``server_error`` (5xx), ``timeout`` (never applied, answered after
    ``timeout_sleep``), ``auth``, ``reject``, ``accept_then_timeout`` (applied,
    answered after ``timeout_sleep``);
``timeout_sleep``
    seconds a timeout answer waits (about 1.5: the suite's client gives up after 1.0);
``seed_comments(n) -> list[str]``
    platform ids of new comments on a post of the account ([] without comments);
``comment_state(platform_id)``
    ``"visible"``, ``"hidden"`` or ``"deleted"``;
``replies_to(platform_id) -> list[str]``
    platform ids of replies made to a comment;
``sample_content() -> Content``
    content that validates and publishes to this fake;
``too_long_content() -> Content``
    content that breaks a declared text limit;
``competitor_account(followers=4321) -> Account | None``
    only for platforms declaring ``competitor_metrics``: register on the fake a
    public account of someone else with ``followers`` followers (subscribers,
    members) and return the Account the core would pass for it: that account's
    handle and/or external id, ``is_competitor=True`` and the credentials of
    ``account()`` (the client's own account lends them). ``followers=None``: a
    competitor whose network withholds that count (YouTube's hidden subscriber
    count, a banned VK community); return None when the network never does.

The suite checks declared limits, validation messages, publishing, the
mapping of every error class, reconciliation after an accept-then-timeout,
canonical metric names (also of competitors: absent, never zero, and an unknown
competitor is ``ContentRejected``, not ``AuthExpired``), moderation actions and
replies.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from smmflow.plugin_api import (
    METRICS,
    MODERATION_ACTIONS,
    Account,
    AuthExpired,
    Capability,
    Content,
    ContentLimits,
    ContentRejected,
    InboxItemData,
    JobContext,
    Platform,
    PlatformError,
    Problem,
    PublishResult,
    RateLimited,
    TransientError,
    UnknownOutcome,
    make_http_client,
)

CLIENT_TIMEOUT = 1.0
"""Seconds the suite's HTTP client waits; fakes answer timeouts after ``timeout_sleep`` > this."""

ERROR_MAPPING: dict[str, type[PlatformError]] = {
    "rate_limit": RateLimited,
    "server_error": TransientError,
    "auth": AuthExpired,
    "reject": ContentRejected,
    "timeout": UnknownOutcome,
    "accept_then_timeout": UnknownOutcome,
}
"""The error a platform must raise from ``publish`` for each ``fail_next`` kind."""

STATE_AFTER = {"hide": "hidden", "unhide": "visible", "delete": "deleted", "restore": "visible"}
PREPARE = {"unhide": "hide", "restore": "delete"}  # action that must come first


def _marker() -> str:
    return "contract-" + uuid.uuid4().hex[:16]


class PlatformContract:
    """Subclass in a plugin's tests; provide the ``platform`` and ``fake`` fixtures."""

    # -- fixtures a subclass provides -----------------------------------------------
    @pytest.fixture
    def platform(self) -> Platform:
        raise NotImplementedError("define a `platform` fixture returning your Platform")

    @pytest.fixture
    def fake(self) -> Any:
        raise NotImplementedError("define a `fake` fixture yielding your started fake server")

    # -- fixtures of the suite ---------------------------------------------------------
    @pytest.fixture
    def ctx(self, platform: Platform, fake: Any) -> Iterator[JobContext]:
        """The job context of every operation: the fake's settings, a 1 s HTTP client."""
        http = make_http_client(timeout=CLIENT_TIMEOUT)
        try:
            yield JobContext(settings=fake.settings, http=http,
                             log=logging.getLogger(f"smmflow.plugins.{platform.name}"))
        finally:
            http.close()

    @pytest.fixture
    def account(self, fake: Any) -> Account:
        return fake.account()

    def _next_ctx(self, ctx: JobContext) -> JobContext:
        """A context for the next job of the same target: same settings, saved state."""
        return JobContext(settings=ctx.settings, http=ctx.http, log=ctx.log, clock=ctx.clock,
                          state=dict(ctx.state))

    def _publish(self, platform: Platform, ctx: JobContext, account: Account, content: Content,
                 marker: str) -> PublishResult:
        return platform.publish(ctx, account, content, {}, marker)

    # -- declaration ---------------------------------------------------------------------
    def test_declares_itself(self, platform: Platform) -> None:
        assert isinstance(platform, Platform)
        assert platform.name and platform.name == platform.name.lower()
        assert platform.display_name
        assert all(isinstance(c, Capability) for c in platform.capabilities)
        assert Capability.PUBLISH in platform.capabilities
        assert platform.max_concurrency_per_account >= 1
        assert set(platform.moderation_actions) <= MODERATION_ACTIONS
        if platform.moderation_actions:
            assert Capability.MODERATE in platform.capabilities

    def test_declares_limits(self, platform: Platform) -> None:
        assert isinstance(platform.limits, ContentLimits)
        limits = platform.limits
        declared = [limits.max_text_length, limits.max_caption_length, limits.max_title_length]
        assert any(v is not None for v in declared), "declare at least one text limit"
        assert limits.text_unit in ("chars", "bytes")

    # -- validation ----------------------------------------------------------------------
    def test_validate_names_the_field_with_a_human_message(self, platform: Platform,
                                                           fake: Any) -> None:
        problems = platform.validate(fake.too_long_content(), {})
        assert problems, "too_long_content() must give at least one Problem"
        for problem in problems:
            assert isinstance(problem, Problem)
            assert problem.field and problem.code
            assert len(problem.message) >= 10 and " " in problem.message, problem
        assert any(p.field.split(".")[0].split("[")[0] in ("text", "title") for p in problems)

    def test_validate_accepts_sample_content(self, platform: Platform, fake: Any) -> None:
        assert platform.validate(fake.sample_content(), {}) == []

    # -- publishing ----------------------------------------------------------------------
    def test_publish_returns_id_and_url(self, platform: Platform, fake: Any, ctx: JobContext,
                                        account: Account) -> None:
        marker = _marker()
        result = self._publish(platform, ctx, account, fake.sample_content(), marker)
        assert isinstance(result, PublishResult)
        assert result.external_id and isinstance(result.external_id, str)
        assert result.url and result.url.startswith(("http://", "https://"))
        assert fake.count(marker) == 1

    @pytest.mark.parametrize("kind", sorted(ERROR_MAPPING))
    def test_error_mapping(self, platform: Platform, fake: Any, ctx: JobContext,
                           account: Account, kind: str) -> None:
        marker = _marker()
        fake.fail_next(kind, **({"retry_after": 3} if kind == "rate_limit" else {}))
        with pytest.raises(ERROR_MAPPING[kind]) as info:
            self._publish(platform, ctx, account, fake.sample_content(), marker)
        error = info.value
        assert isinstance(error, PlatformError)
        if kind == "rate_limit":
            assert error.retry_after > 0
        if kind == "reject":
            assert str(error), "keep the platform's reason"
        for secret in _secrets(account):
            assert secret not in str(error), "an error message must never hold a credential"
        expected = 1 if kind == "accept_then_timeout" else 0
        assert fake.count(marker) == expected

    def test_retry_after_failure_publishes_once(self, platform: Platform, fake: Any,
                                                ctx: JobContext, account: Account) -> None:
        marker = _marker()
        fake.fail_next("server_error")
        with pytest.raises(TransientError):
            self._publish(platform, ctx, account, fake.sample_content(), marker)
        self._publish(platform, self._next_ctx(ctx), account, fake.sample_content(), marker)
        assert fake.count(marker) == 1

    def test_reconciles_after_accept_then_timeout(self, platform: Platform, fake: Any,
                                                  ctx: JobContext, account: Account) -> None:
        marker = _marker()
        fake.fail_next("accept_then_timeout")
        with pytest.raises(UnknownOutcome):
            self._publish(platform, ctx, account, fake.sample_content(), marker)
        assert fake.count(marker) == 1
        if not platform.supports(Capability.RECONCILE):
            # the core marks the target unknown for a person; the platform must not pretend
            with pytest.raises((NotImplementedError, PlatformError)):
                platform.find_published(self._next_ctx(ctx), account, marker)
            return
        found = platform.find_published(self._next_ctx(ctx), account, marker)
        assert isinstance(found, PublishResult)
        assert found.external_id
        assert fake.count(marker) == 1

    def test_reconcile_finds_nothing_when_nothing_was_sent(self, platform: Platform, fake: Any,
                                                           ctx: JobContext,
                                                           account: Account) -> None:
        marker = _marker()
        fake.fail_next("timeout")
        with pytest.raises(UnknownOutcome):
            self._publish(platform, ctx, account, fake.sample_content(), marker)
        if platform.supports(Capability.RECONCILE):
            assert platform.find_published(self._next_ctx(ctx), account, marker) is None
        assert fake.count(marker) == 0

    # -- metrics -------------------------------------------------------------------------
    def test_post_metrics_use_canonical_names(self, platform: Platform, fake: Any,
                                              ctx: JobContext, account: Account) -> None:
        if not platform.supports(Capability.POST_METRICS):
            with pytest.raises((NotImplementedError, PlatformError)):
                platform.fetch_post_metrics(ctx, account, ["1"])
            return
        result = self._publish(platform, ctx, account, fake.sample_content(), _marker())
        metrics = platform.fetch_post_metrics(ctx, account, [result.external_id])
        assert isinstance(metrics, dict)
        assert set(metrics) <= {result.external_id}
        for values in metrics.values():
            assert set(values) <= METRICS, f"not canonical: {set(values) - METRICS}"
            assert all(isinstance(v, int) and not isinstance(v, bool) for v in values.values())

    def test_account_metrics_use_canonical_names(self, platform: Platform, ctx: JobContext,
                                                 account: Account) -> None:
        if not platform.supports(Capability.ACCOUNT_METRICS):
            with pytest.raises((NotImplementedError, PlatformError)):
                platform.fetch_account_metrics(ctx, account)
            return
        metrics = platform.fetch_account_metrics(ctx, account)
        assert isinstance(metrics, dict) and metrics
        assert set(metrics) <= METRICS, f"not canonical: {set(metrics) - METRICS}"
        assert all(isinstance(v, int) and not isinstance(v, bool) for v in metrics.values())

    # -- competitors (only with the competitor_metrics capability) ----------------------
    def test_competitor_metrics_use_canonical_names(self, platform: Platform, fake: Any,
                                                    ctx: JobContext, account: Account) -> None:
        if not platform.supports(Capability.COMPETITOR_METRICS):
            return
        competitor = fake.competitor_account(followers=4321)
        assert competitor.is_competitor and competitor.credentials == account.credentials
        metrics = platform.fetch_account_metrics(ctx, competitor)
        assert isinstance(metrics, dict) and metrics
        assert set(metrics) <= METRICS, f"not canonical: {set(metrics) - METRICS}"
        assert all(isinstance(v, int) and not isinstance(v, bool) for v in metrics.values())
        assert metrics.get("followers") == 4321, "the competitor's count, not the own account's"

    def test_competitor_metric_withheld_is_absent_not_zero(self, platform: Platform, fake: Any,
                                                           ctx: JobContext) -> None:
        if not platform.supports(Capability.COMPETITOR_METRICS):
            return
        hidden = fake.competitor_account(followers=None)
        if hidden is None:  # this network never withholds the count
            return
        metrics = platform.fetch_account_metrics(ctx, hidden)
        assert isinstance(metrics, dict)
        assert set(metrics) <= METRICS, f"not canonical: {set(metrics) - METRICS}"
        assert "followers" not in metrics, "a withheld count is absent, never zero"
        assert all(isinstance(v, int) and not isinstance(v, bool) for v in metrics.values())

    def test_unknown_competitor_is_rejected_not_auth(self, platform: Platform, fake: Any,
                                                     ctx: JobContext, account: Account) -> None:
        if not platform.supports(Capability.COMPETITOR_METRICS):
            return
        name = "no_such_rival_" + uuid.uuid4().hex[:8]
        ghost = Account(id=99, platform=platform.name, handle=name, external_id=None,
                        credentials=account.credentials, is_competitor=True)
        with pytest.raises(ContentRejected) as info:  # AuthExpired would blame the own account
            platform.fetch_account_metrics(ctx, ghost)
        for secret in _secrets(account):
            assert secret not in str(info.value), "an error message must never hold a credential"

    # -- comments and moderation ---------------------------------------------------------
    def _comment(self, platform: Platform, fake: Any, ctx: JobContext,
                 account: Account) -> InboxItemData:
        ids = fake.seed_comments(1)
        assert ids, "the platform declares comments; seed_comments() must give some"
        if platform.supports(Capability.COMMENTS):
            items = {i.platform_id: i for i in platform.fetch_comments(ctx, account, None)}
            assert ids[0] in items, "fetch_comments() must return the seeded comment"
            return items[ids[0]]
        return InboxItemData(platform_id=ids[0], text="", author_id="", author_name="",
                             received_at=_now())

    def test_fetch_comments(self, platform: Platform, fake: Any, ctx: JobContext,
                            account: Account) -> None:
        if not platform.supports(Capability.COMMENTS):
            with pytest.raises((NotImplementedError, PlatformError)):
                platform.fetch_comments(ctx, account, None)
            return
        ids = fake.seed_comments(2)
        assert len(ids) == 2
        items = platform.fetch_comments(ctx, account, None)
        assert all(isinstance(i, InboxItemData) for i in items)
        by_id = {i.platform_id: i for i in items}
        assert set(ids) <= set(by_id)
        for cid in ids:
            item = by_id[cid]
            assert item.received_at.tzinfo is not None, "received_at must be timezone-aware"
            assert item.kind in ("comment", "reply", "message")

    def test_moderation_actions_change_the_comment(self, platform: Platform, fake: Any,
                                                   ctx: JobContext, account: Account) -> None:
        if not platform.supports(Capability.MODERATE):
            assert not platform.moderation_actions
            return
        assert platform.moderation_actions, "declare moderation_actions"
        for action in sorted(platform.moderation_actions):
            item = self._comment(platform, fake, ctx, account)
            first = PREPARE.get(action)
            if first is not None:
                assert first in platform.moderation_actions, f"{action} needs {first}"
                platform.moderate(ctx, account, item, first)
                assert fake.comment_state(item.platform_id) == STATE_AFTER[first]
            platform.moderate(ctx, account, item, action)
            assert fake.comment_state(item.platform_id) == STATE_AFTER[action], action

    def test_reply_adds_a_reply(self, platform: Platform, fake: Any, ctx: JobContext,
                                account: Account) -> None:
        if not platform.supports(Capability.REPLY):
            with pytest.raises((NotImplementedError, PlatformError)):
                platform.reply(ctx, account, InboxItemData("0", "", "", "", _now()), "Thanks!")
            return
        item = self._comment(platform, fake, ctx, account)
        reply_id = platform.reply(ctx, account, item, "Thank you for your comment!")
        assert isinstance(reply_id, str) and reply_id
        assert reply_id in fake.replies_to(item.platform_id)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _secrets(account: Account) -> list[str]:
    return [str(v) for v in account.credentials.values() if isinstance(v, str) and len(v) >= 8]
