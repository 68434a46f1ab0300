"""The Platform base class: what a network plugin implements.

A plugin returns Platform instances from the ``register_platforms`` hook. Every
operation gets a :class:`~smmflow.platforms.context.JobContext` first and runs
inside an RQ job. Operations raise only the errors of the taxonomy in
:mod:`smmflow.errors` (``RateLimited``, ``AuthExpired``, ``ContentRejected``,
``TransientError``, ``UnknownOutcome``); anything else is treated as transient
and logged with the plugin's name.
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


class Capability(enum.StrEnum):
    PUBLISH = "publish"
    RECONCILE = "reconcile"          # find_published can confirm an unknown outcome
    DELETE = "delete"
    POST_METRICS = "post_metrics"
    ACCOUNT_METRICS = "account_metrics"
    COMPETITOR_METRICS = "competitor_metrics"
    COMMENTS = "comments"
    MODERATE = "moderate"
    REPLY = "reply"
    NATIVE_SCHEDULE = "native_schedule"


class Platform:
    """Base class of a network. Subclasses set the class attributes and operations.

    ``max_concurrency_per_account`` bounds how many calls the engine makes at
    once for one account (networks rate-limit per account or chat).
    """

    name: ClassVar[str] = ""
    display_name: ClassVar[str] = ""
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    limits: ClassVar[ContentLimits] = ContentLimits()
    options_schema: ClassVar[type[Schema] | None] = None
    max_concurrency_per_account: ClassVar[int] = 1
    moderation_actions: ClassVar[frozenset[str]] = frozenset()

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

    def __repr__(self) -> str:
        return f"<Platform {self.name}>"
