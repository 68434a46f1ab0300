"""Publishing seen by people: targets with their attempts, and a person's retry."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from smmflow.accounts.models import AccountStatus, SocialAccount
from smmflow.api.etag import bump
from smmflow.audit import services as audit
from smmflow.errors import Conflict, NotFound
from smmflow.posts.models import Post, PostTarget, TargetStatus

RETRYABLE = frozenset({TargetStatus.FAILED, TargetStatus.UNKNOWN})


def view(target: PostTarget, account: SocialAccount | None) -> dict[str, Any]:
    """What the API shows of a target."""
    return {
        "id": target.id, "post_id": target.post_id, "social_account_id": target.social_account_id,
        "platform": account.platform if account else None,
        "account_handle": account.handle if account else None, "status": target.status,
        "scheduled_at": target.scheduled_at, "next_attempt_at": target.next_attempt_at,
        "attempt_count": target.attempts, "external_id": target.external_id, "url": target.url,
        "published_at": target.published_at, "last_error": target.last_error,
        "attempts": list(target.attempts_log),
    }


def views(db: Session, targets: list[PostTarget]) -> list[dict[str, Any]]:
    accounts = {a.id: a for a in db.scalars(select(SocialAccount).where(
        SocialAccount.id.in_({t.social_account_id for t in targets})))} if targets else {}
    return [view(t, accounts.get(t.social_account_id)) for t in targets]


def targets_query(post_id: int) -> Any:
    return (select(PostTarget).where(PostTarget.post_id == post_id)
            .options(selectinload(PostTarget.attempts_log)))


def get_target(db: Session, target_id: int) -> PostTarget:
    target = db.get(PostTarget, target_id)
    if target is None:
        raise NotFound(f"No post target {target_id}.")
    return target


def retry(db: Session, target: PostTarget) -> PostTarget:
    """Send a ``failed`` or ``unknown`` target again, as soon as possible.

    Refused (409) for any other state, for content that is no longer the
    approved version, and for an account that is not active: retrying would
    only fail again. An ``unknown`` target is looked for on the network first
    (where the platform can), so a post that did go out is not sent twice.
    """
    from smmflow.posts.content import content_hash

    if target.status not in RETRYABLE:
        raise Conflict(f"Only failed or unknown targets can be retried; this one is {target.status}.",
                       code="not_retryable", details={"status": target.status})
    post = db.get(Post, target.post_id)
    assert post is not None
    if not post.approved_hash or target.content_hash != post.approved_hash \
            or content_hash(post) != post.approved_hash:
        raise Conflict("The content is no longer the approved version: approve it and schedule it "
                       "again instead.", code="not_approved",
                       details={"approved_hash": post.approved_hash})
    account = db.get(SocialAccount, target.social_account_id)
    if account is None or account.status != AccountStatus.ACTIVE:
        status = account.status if account else "missing"
        raise Conflict(f"The account is {status}: reconnect or activate it, then retry.",
                       code="account_not_active", details={"account_status": status})
    previous = target.status
    target.reconcile_first = target.reconcile_first or previous == TargetStatus.UNKNOWN
    target.status = TargetStatus.SCHEDULED
    target.attempts = 0
    target.next_attempt_at = None
    target.dispatch_job = None
    target.dispatched_at = None
    target.claimed_by = None
    target.claimed_at = None
    target.last_error = None
    bump(target)
    audit.record(db, "post_target.retry", target, client_id=post.client_id, previous_status=previous)
    return target
