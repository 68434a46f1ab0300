"""Claiming post targets (compare-and-set) and preparing them for their platform call.

A claim is one ``UPDATE ... WHERE status = 'scheduled' AND dispatch_job = :job``
returning the rows it changed: of any number of jobs racing for a target,
exactly one moves it to ``publishing``. The claim token (worker and job)
guards every later write of that attempt.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from typing import Any

from flask import Flask
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session, joinedload

from smmflow.accounts.models import AccountStatus, SocialAccount
from smmflow.errors import SmmflowError
from smmflow.platforms.base import Capability
from smmflow.platforms.content import Account
from smmflow.posts.models import PostTarget, TargetStatus
from smmflow.publishing.outcomes import Prepared

_T = PostTarget.__table__


def new_marker(target_id: int) -> str:
    """A marker unique to one target, stable across its retries (at most 64 characters)."""
    return f"smm-{target_id}-{secrets.token_hex(8)}"


def due_time(scheduled_at: dt.datetime | None, next_attempt_at: dt.datetime | None) -> dt.datetime:
    """When a target may be sent: its schedule, or later when a retry waits."""
    times = [t for t in (scheduled_at, next_attempt_at) if t is not None]
    if not times:
        raise ValueError("a target without scheduled_at is never due")
    return max(times)


def claim(db: Session, ids: Sequence[int], dispatch_id: str, token: str,
          now: dt.datetime) -> list[int]:
    """Move the dispatched targets ``ids`` of ``dispatch_id`` to ``publishing`` (no commit)."""
    if not ids:
        return []
    rows = db.execute(
        update(_T).where(_T.c.id.in_(list(ids)), _T.c.status == TargetStatus.SCHEDULED,
                         _T.c.dispatch_job == dispatch_id)
        .values(status=TargetStatus.PUBLISHING, claimed_by=token, claimed_at=now,
                attempts=_T.c.attempts + 1, version=_T.c.version + 1)
        .returning(_T.c.id, _T.c.marker)).all()
    missing = [{"b_id": r.id, "b_marker": new_marker(r.id)} for r in rows if not r.marker]
    if missing:
        db.execute(update(_T).where(_T.c.id == bindparam("b_id"))
                   .values(marker=bindparam("b_marker")), missing)
    return [r.id for r in rows]


def prepare(app: Flask, db: Session, ids: Sequence[int], *, check: bool = True) -> list[Prepared]:
    """Load claimed targets with account, credentials and content.

    With ``check`` a target that must not be sent gets ``blocked`` set to the
    reason (plugin missing, account not active, content not the approved one).
    """
    if not ids:
        return []
    from smmflow.posts.content import content_for, content_hash

    state = app.extensions["smmflow"]
    targets = db.scalars(select(PostTarget).options(joinedload(PostTarget.post))
                         .where(PostTarget.id.in_(list(ids)))).unique().all()
    accounts = {a.id: a for a in db.scalars(select(SocialAccount).where(
        SocialAccount.id.in_({t.social_account_id for t in targets})))}
    credentials: dict[int, dict[str, Any] | Exception] = {}
    prepared = []
    for target in targets:
        row = accounts[target.social_account_id]
        post = target.post
        platform = state.platforms.get(row.platform)
        prep = Prepared(
            target_id=target.id, post_id=post.id, client_id=post.client_id, account_id=row.id,
            platform_name=row.platform, attempt=target.attempts, marker=target.marker or "",
            due=due_time(target.scheduled_at, target.next_attempt_at), platform=platform,
            state=dict(target.platform_state or {}), reconcile_first=target.reconcile_first,
        )
        prepared.append(prep)
        if row.id not in credentials:
            try:
                credentials[row.id] = (state.vault.decrypt(row.credentials_encrypted)
                                       if row.credentials_encrypted else {})
            except SmmflowError as exc:
                credentials[row.id] = exc
        creds = credentials[row.id]
        if isinstance(creds, Exception):
            prep.blocked = f"The credentials of {row.handle} cannot be read: {creds}"
            continue
        prep.account = Account(id=row.id, platform=row.platform, handle=row.handle,
                               external_id=row.external_id, credentials=creds,
                               is_competitor=row.is_competitor)
        if platform is None:
            prep.blocked = (f"The {row.platform} plugin is not installed or is disabled; "
                            "enable it, then retry the target.")
            continue
        if not check:
            continue
        prep.blocked = _refusal(row, platform.supports(Capability.PUBLISH), platform.display_name
                                or platform.name, target, post, content_hash)
        if prep.blocked is None:
            try:
                prep.content, prep.options = content_for(db, target)
            except Exception as exc:
                prep.blocked = f"The post's content cannot be built: {type(exc).__name__}: {exc}"
    return prepared


def _refusal(row: SocialAccount, can_publish: bool, display: str, target: PostTarget, post: Any,
             content_hash: Any) -> str | None:
    """Why this target must not be sent, or None."""
    if not can_publish:
        return f"{display} cannot publish posts."
    if row.is_competitor:
        return f"{row.handle} is a competitor account: it is only measured, never published to."
    if row.status == AccountStatus.NEEDS_REAUTH:
        return (f"The account {row.handle} needs re-authorisation"
                f"{': ' + row.status_reason if row.status_reason else ''}; "
                "reconnect it, then retry the target.")
    if row.status != AccountStatus.ACTIVE:
        return f"The account {row.handle} is {row.status}; activate it, then retry the target."
    approved = post.approved_hash
    if not approved:
        return "The post is not approved; only approved content is published."
    if target.content_hash != approved:
        return ("This target was scheduled with content that is not the approved version; "
                "approve the current content and schedule it again.")
    if content_hash(post) != approved:
        return ("The post was edited after approval; its content is not the approved version. "
                "Approve it again, then schedule it.")
    return None
