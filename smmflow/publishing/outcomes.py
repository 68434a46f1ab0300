"""Recording what one publish attempt ended with: target state, attempt row, events.

Each :class:`Outcome` kind maps to one target state:

=================  ==========================================================
kind               target
=================  ==========================================================
published          ``published`` (external id, URL)
reconciled         ``published``: ``find_published`` found the post
rate_limited       ``scheduled`` again after max(backoff, Retry-After)
transient          ``scheduled`` again after backoff (5xx, network errors)
plugin_error       ``scheduled`` again after backoff (the plugin raised
                   something outside the taxonomy; logged with its name)
not_found          ``scheduled`` again: the outcome was unknown and the post
                   is not on the network; the next attempt looks first
reconcile_failed   ``scheduled`` again: ``find_published`` itself failed; the
                   next attempt looks first, it never sends blindly
auth_expired       ``failed``; the account goes to ``needs_reauth``
rejected           ``failed`` with the network's message
blocked            ``failed`` without a call (hash not approved, account not
                   active, plugin missing)
unknown            ``unknown``: sent, outcome unconfirmable; a person checks
=================  ==========================================================

Retries stop after ``publish_max_attempts``: the target fails with the last
error. Writes are guarded by the claim token, so an attempt whose claim was
taken over (recovered as stale) never overwrites the newer state. The
:class:`~smmflow.posts.models.PublishAttempt` rows are the audit trail of
publishing (what a person does -- a retry -- goes to the audit log).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from smmflow import events
from smmflow.accounts.models import AccountStatus, SocialAccount
from smmflow.platforms.base import Platform
from smmflow.platforms.content import Account, Content, PublishResult
from smmflow.posts.models import PostTarget, PublishAttempt, TargetStatus
from smmflow.publishing.policy import RetryPolicy

PUBLISHED = "published"
RECONCILED = "reconciled"
RATE_LIMITED = "rate_limited"
TRANSIENT = "transient"
PLUGIN_ERROR = "plugin_error"
NOT_FOUND = "not_found"
RECONCILE_FAILED = "reconcile_failed"
AUTH_EXPIRED = "auth_expired"
REJECTED = "rejected"
BLOCKED = "blocked"
UNKNOWN = "unknown"

SUCCESS = frozenset({PUBLISHED, RECONCILED})
RETRYABLE = frozenset({RATE_LIMITED, TRANSIENT, PLUGIN_ERROR, NOT_FOUND, RECONCILE_FAILED})
FAILING = frozenset({AUTH_EXPIRED, REJECTED, BLOCKED})
MAX_ERROR = 2000

_T = PostTarget.__table__


@dataclass
class Prepared:
    """A claimed target with everything its platform call needs (no ORM objects)."""

    target_id: int
    post_id: int
    client_id: int
    account_id: int
    platform_name: str
    attempt: int
    marker: str
    due: dt.datetime
    platform: Platform | None = None
    account: Account | None = None
    content: Content | None = None
    options: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    reconcile_first: bool = False
    blocked: str | None = None


@dataclass
class Outcome:
    """How one attempt ended."""

    prep: Prepared
    kind: str
    started_at: dt.datetime
    finished_at: dt.datetime
    result: PublishResult | None = None
    error: str | None = None
    retry_after: float | None = None
    reconcile_first: bool = False


def _clip(text: str | None) -> str | None:
    return None if text is None else text[:MAX_ERROR]


def record(app: Flask, db: Session, outcomes: Sequence[Outcome], claim: str, worker: str,
           rng: random.Random | None = None) -> Counter[str]:
    """Store ``outcomes`` of targets held under ``claim``, in one transaction, and commit.

    Returns how many targets ended in each state (``published``, ``retry``,
    ``failed``, ``unknown``, ``lost`` for a claim taken over meanwhile).
    """
    counts: Counter[str] = Counter()
    if not outcomes:
        return counts
    policy = RetryPolicy.from_settings(app.extensions["smmflow"].settings)
    ids = [o.prep.target_id for o in outcomes]
    owned = set(db.scalars(
        update(_T).where(_T.c.id.in_(ids), _T.c.status == TargetStatus.PUBLISHING,
                         _T.c.claimed_by == claim)
        .values(version=_T.c.version + 1).returning(_T.c.id)))
    published: list[dict[str, Any]] = []
    retry: list[dict[str, Any]] = []
    final: list[dict[str, Any]] = []
    reauth: dict[int, str] = {}
    lost = [i for i in ids if i not in owned]
    exists = owned | set(db.scalars(select(_T.c.id).where(_T.c.id.in_(lost)))) if lost else owned
    attempts = [{
        "target_id": o.prep.target_id, "number": o.prep.attempt, "started_at": o.started_at,
        "finished_at": o.finished_at, "worker": worker[:200], "outcome": o.kind,
        "error": _clip(o.error),
    } for o in outcomes if o.prep.target_id in exists]  # a deleted post takes its targets along
    for o in outcomes:
        prep = o.prep
        if prep.target_id not in owned:
            counts["lost"] += 1
            continue
        base = {"b_id": prep.target_id}
        if o.kind in SUCCESS and o.result is not None:
            published.append({**base, "b_ext": str(o.result.external_id)[:200],
                              "b_url": (o.result.url or None) and str(o.result.url)[:1000],
                              "b_at": o.result.published_at or o.finished_at})
            events.emit(db, "on_post_published", target_id=prep.target_id,
                        post_id=prep.post_id, client_id=prep.client_id,
                        platform=prep.platform_name, external_id=str(o.result.external_id),
                        url=o.result.url)
            counts["published"] += 1
            continue
        if o.kind in RETRYABLE and not policy.gives_up(prep.attempt):
            wait = policy.delay(prep.attempt, o.retry_after, rng)
            retry.append({**base, "b_next": o.finished_at + dt.timedelta(seconds=wait),
                          "b_error": _clip(o.error), "b_reconcile": o.reconcile_first})
            counts["retry"] += 1
            continue
        if o.kind == UNKNOWN:
            state, reason = TargetStatus.UNKNOWN, o.error or "outcome unknown"
        elif o.kind in RETRYABLE:
            state, reason = TargetStatus.FAILED, f"gave up after {prep.attempt} attempts: {o.error}"
        else:
            state, reason = TargetStatus.FAILED, o.error or o.kind
        if o.kind == AUTH_EXPIRED:
            reauth[prep.account_id] = o.error or "the network refused the credentials"
        final.append({**base, "b_status": state, "b_error": _clip(reason),
                      "b_reconcile": o.kind in RETRYABLE or o.kind == UNKNOWN})
        events.emit(db, "on_post_failed", target_id=prep.target_id, post_id=prep.post_id,
                    client_id=prep.client_id, platform=prep.platform_name, state=str(state),
                    reason=reason)
        counts[str(state)] += 1
    if published:
        db.execute(update(_T).where(_T.c.id == bindparam("b_id")).values(
            status=TargetStatus.PUBLISHED, external_id=bindparam("b_ext"), url=bindparam("b_url"),
            published_at=bindparam("b_at"), last_error=None, next_attempt_at=None,
            dispatch_job=None, reconcile_first=False), published)
    if retry:
        db.execute(update(_T).where(_T.c.id == bindparam("b_id")).values(
            status=TargetStatus.SCHEDULED, next_attempt_at=bindparam("b_next"),
            last_error=bindparam("b_error"), reconcile_first=bindparam("b_reconcile"),
            dispatch_job=None, dispatched_at=None), retry)
    if final:
        db.execute(update(_T).where(_T.c.id == bindparam("b_id")).values(
            status=bindparam("b_status"), last_error=bindparam("b_error"),
            reconcile_first=bindparam("b_reconcile"), next_attempt_at=None,
            dispatch_job=None, dispatched_at=None), final)
    for account_id, reason in reauth.items():
        mark_needs_reauth(db, account_id, reason)
    if attempts:
        db.execute(insert(PublishAttempt), attempts)
    db.commit()
    return counts


def mark_needs_reauth(db: Session, account_id: int, reason: str) -> None:
    """The network refused the account's credentials: a person must reconnect it."""
    account = db.get(SocialAccount, account_id)
    if account is not None and account.status == AccountStatus.ACTIVE:
        account.status = AccountStatus.NEEDS_REAUTH
        account.status_reason = reason[:500]
        account.version = (account.version or 0) + 1

