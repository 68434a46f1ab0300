"""The Platform base class: what a network plugin implements.

A plugin returns Platform instances from the ``register_platforms`` hook. Every
operation gets a :class:`~smmflow.platforms.context.JobContext` first and runs
inside an RQ job. Operations raise only the errors of the taxonomy in
:mod:`smmflow.errors` (``RateLimited``, ``AuthExpired``, ``ContentRejected``,
``TransientError``, ``UnknownOutcome``); anything else is treated as transient
and logged with the plugin's name.

Networks that push (Telegram webhooks, VK's Callback API) are received by the
core's public route ``POST /api/v1/webhooks/<platform>/<account_id>``, which
hands each request to :meth:`Platform.receive_webhook` (capability
``webhook``); see :mod:`smmflow.platforms.webhooks`.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError

from smmflow.platforms.content import (
    Account,
    Content,
    InboxItemData,
    Problem,
    PublishResult,
)
from smmflow.platforms.context import JobContext
from smmflow.platforms.limits import ContentLimits, check_limits
from smmflow.platforms.webhooks import WebhookRequest, WebhookResult


class Capability(enum.StrEnum):
    PUBLISH = "publish"
    RECONCILE = "reconcile"          # find_published can confirm an unknown outcome
    DELETE = "delete"
    POST_METRICS = "post_metrics"
    ACCOUNT_METRICS = "account_metrics"
    COMPETITOR_METRICS = "competitor_metrics"  # fetch_account_metrics of competitors: public data
    COMMENTS = "comments"
    MODERATE = "moderate"
    REPLY = "reply"
    NATIVE_SCHEDULE = "native_schedule"
    WEBHOOK = "webhook"                    # receive_webhook: the network pushes comments
    REGISTER_WEBHOOK = "register_webhook"  # register_webhook: smmflow can set the push URL


class Platform:
    """Base class of a network. Subclasses set the class attributes and operations.

    ``max_concurrency_per_account`` bounds how many calls the engine makes at
    once for one account (networks rate-limit per account or chat).

    ``webhook_requires_https`` (platforms with the ``register_webhook``
    capability): the network only pushes to an ``https://`` URL, so the core
    answers a registration request 409 ``https_required`` while
    ``SMMFLOW_BASE_URL`` is not https instead of running a job the network
    would refuse. True by default; a network that accepts plain http sets it
    to False.
    """

    name: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    limits: ClassVar[ContentLimits] = ContentLimits()
    options_schema: ClassVar[type[Schema] | None] = None
    max_concurrency_per_account: ClassVar[int] = 1
    moderation_actions: ClassVar[frozenset[str]] = frozenset()
    webhook_requires_https: ClassVar[bool] = True

    def supports(self, capability: Capability | str) -> bool:
        return Capability(capability) in self.capabilities

    # -- before approval -------------------------------------------------------------
    def validate(self, content: Content, options: Mapping[str, Any]) -> list[Problem]:
        """Problems that stop ``content`` from going to this platform (empty: fine).

        The default checks the declared limits and the options schema; override
        to add network rules, calling ``super().validate`` first.
        """
        problems = check_limits(self.limits, content, self.name)
        if self.options_schema is not None:
            try:
                self.options_schema().load(dict(options))
            except ValidationError as exc:
                for key, messages in exc.normalized_messages().items():
                    problems.append(Problem(f"options.{key}", "invalid_option",
                                            "; ".join(map(str, messages)), self.name))
        return problems

    # -- publishing ------------------------------------------------------------------
    def publish(self, ctx: JobContext, account: Account, content: Content,
                options: Mapping[str, Any], marker: str) -> PublishResult:
        """Publish ``content``; ``marker`` is unique per target and stable across retries."""
        raise NotImplementedError(f"{self.name} cannot publish")

    def find_published(self, ctx: JobContext, account: Account, marker: str) -> PublishResult | None:
        """After an unknown outcome: the post made for ``marker``, or None if it never went out.

        Platforms without the ``reconcile`` capability are never asked; their
        unknown outcomes go to a person.
        """
        raise NotImplementedError(f"{self.name} cannot reconcile")

    def delete(self, ctx: JobContext, account: Account, external_id: str) -> None:
        raise NotImplementedError(f"{self.name} cannot delete")

    # -- metrics ---------------------------------------------------------------------
    def fetch_post_metrics(self, ctx: JobContext, account: Account,
                           external_ids: Sequence[str]) -> dict[str, dict[str, int]]:
        """Canonical metrics per external id; missing metrics are absent, never zero."""
        raise NotImplementedError(f"{self.name} has no post metrics")

    def fetch_account_metrics(self, ctx: JobContext, account: Account) -> dict[str, int]:
        """Canonical metrics of the account (``followers``...); missing ones absent, never zero.

        With the ``account_metrics`` capability the core asks this for the
        client's own accounts. With ``competitor_metrics`` it also asks it for
        competitor accounts (``account.is_competitor`` is true): for competitor
        accounts, fetch_account_metrics receives the credentials of the client's
        own account on that network and must read only public data of the
        competitor identified by handle/external_id. ``account.id``,
        ``account.handle`` and ``account.external_id`` are the competitor's;
        ``account.credentials`` belong to the client's active own account (never
        read an id of the own account from them as if it were the competitor's).

        Raise ``AuthExpired`` only when the network refuses those credentials
        themselves; a competitor that cannot be read (no such public account,
        private, banned, not a business account) is ``ContentRejected``. For a
        competitor the core changes no status on ``AuthExpired``; it logs and
        skips (see :mod:`smmflow.metrics.jobs`).
        """
        raise NotImplementedError(f"{self.name} has no account metrics")

    # -- moderation ------------------------------------------------------------------
    def fetch_comments(self, ctx: JobContext, account: Account,
                       since: dt.datetime | None) -> list[InboxItemData]:
        raise NotImplementedError(f"{self.name} cannot read comments")

    def moderate(self, ctx: JobContext, account: Account, item: InboxItemData,
                 action: str) -> None:
        """Apply ``action`` (one of ``moderation_actions``) to a comment."""
        raise NotImplementedError(f"{self.name} cannot moderate")

    def reply(self, ctx: JobContext, account: Account, item: InboxItemData,
              text: str) -> str:
        """Reply to a comment; returns the reply's platform id."""
        raise NotImplementedError(f"{self.name} cannot reply")

    # -- pushed events (webhooks) ----------------------------------------------------
    def receive_webhook(self, ctx: JobContext, account: Account,
                        request: WebhookRequest) -> WebhookResult:
        """Authenticate and read one request the network pushed for ``account``.

        Called by the core's public route ``POST /api/v1/webhooks/<platform>/<account_id>``
        for a non-competitor, not disabled account of this platform, inside the HTTP
        request: make **no network call** here (the network waits for the answer
        and retries slow ones); return what the request carries.

        1. Check the network's secret or signature first, with
           :func:`~smmflow.platforms.webhooks.secrets_match` (constant time), against
           a value in ``account.credentials`` (the core keeps the secret it generated
           for :meth:`register_webhook` under ``"webhook_secret"``). Missing, empty or
           wrong, or a request naming another account: raise
           :class:`~smmflow.errors.WebhookRejected` (the core answers 403, stores
           nothing). An account with no secret configured accepts nothing.
        2. Parse ``request.body`` (``request.json_object()`` raises
           :class:`~smmflow.errors.WebhookMalformed`, answered 400).
        3. Return a :class:`~smmflow.platforms.webhooks.WebhookResult`: the items
           (same shape and platform ids as :meth:`fetch_comments` gives, so polling and
           pushes de-duplicate each other), platform ids deleted on the network, and
           the body to answer with HTTP 200 (``"ok"`` by default). Events the platform
           does not use give an empty result: the network must still get its 200.

        The core bounds the body's size, stores new items once (the network may
        deliver twice), classifies them, runs the client's rules (network actions
        run as jobs) and records the writes in the audit log.
        """
        raise NotImplementedError(f"{self.name} cannot receive webhooks")

    def register_webhook(self, ctx: JobContext, account: Account, url: str,
                         secret: str) -> None:
        """Tell the network to push ``account``'s events to ``url``, signed with ``secret``.

        Only for platforms with the ``register_webhook`` capability; runs in a job
        when a manager asks (``POST /api/v1/social-accounts/<id>/webhook``). ``url`` is
        built from the ``SMMFLOW_BASE_URL`` setting; ``secret`` is a fresh random
        URL-safe string (letters, digits, ``-`` and ``_``) that the core stores in the
        account's encrypted credentials under ``"webhook_secret"`` once this returns,
        so :meth:`receive_webhook` finds it there. Raise the usual taxonomy errors
        (``ContentRejected`` when the network refuses the URL, ``AuthExpired``...).
        Networks where a person sets the URL up (VK's community settings) do not
        declare the capability and document the steps instead.
        """
        raise NotImplementedError(f"{self.name} cannot register a webhook")

    def __repr__(self) -> str:
        return f"<Platform {self.name}>"
