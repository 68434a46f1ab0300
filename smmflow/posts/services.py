"""Posts: creation (from scratch or from accepted work), edits, targets, preflight, scheduling.

Editing approved content sends the post back to draft and voids its approval:
the approval was for one exact content version (:func:`~smmflow.posts.content.content_hash`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import zoneinfo
from collections.abc import Iterable, Mapping
from typing import Any

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from smmflow import plugins
from smmflow.accounts.models import AccountStatus, SocialAccount
from smmflow.api.etag import bump
from smmflow.approvals.voiding import void_requests
from smmflow.assignments.models import Assignment, AssignmentState, Submission
from smmflow.audit import services as audit
from smmflow.auth.models import User
from smmflow.briefs.models import Brief
from smmflow.campaigns.models import Campaign
from smmflow.clients.models import Client
from smmflow.db import utcnow
from smmflow.errors import Conflict, NotFound, ValidationFailed
from smmflow.media import MediaStore
from smmflow.platforms.content import Problem
from smmflow.posts.content import build_content, content_for, content_hash, media_identity
from smmflow.posts.models import Post, PostStatus, PostTarget, TargetStatus

log = logging.getLogger("smmflow.posts")

APPROVED_STATES = (PostStatus.APPROVED, PostStatus.SCHEDULED)
SCHEDULABLE_TARGETS = (TargetStatus.DRAFT, TargetStatus.SCHEDULED)
LOCKED_TARGETS = (TargetStatus.PUBLISHING, TargetStatus.PUBLISHED, TargetStatus.UNKNOWN)


# -- reading -------------------------------------------------------------------------------
def get_post(db: Session, post_id: int, *, lock: bool = False) -> Post:
    """The post, or 404; ``lock`` holds its row until commit (edits, scheduling)."""
    post = db.get(Post, post_id, with_for_update=lock or None)
    if post is None:
        raise NotFound(f"No post {post_id}.")
    return post


def get_target(post: Post, target_id: int) -> PostTarget:
    for target in post.targets:
        if target.id == target_id:
            return target
    raise NotFound(f"Post {post.id} has no target {target_id}.")


# -- creating and editing ------------------------------------------------------------------
def _check_owned(db: Session, model: Any, object_id: int | None, client_id: int, name: str) -> None:
    if object_id is None:
        return
    owner = db.scalar(select(model.client_id).where(model.id == object_id))
    if owner != client_id:
        raise ValidationFailed(f"{name} {object_id} does not belong to this client.",
                               fields={name: [f"No {name.removesuffix('_id')} {object_id} here."]})


def _check_media(media: list[dict[str, Any]], known: Iterable[Mapping[str, Any]],
                 store: MediaStore | None = None) -> list[dict[str, Any]]:
    """Media with a local ``path`` must be files we already hold (never an arbitrary path).

    An item given only by ``sha256`` gets its path and URL from the media store
    when the store holds that blob.
    """
    allowed = {(m.get("sha256"), m.get("path")) for m in known if m.get("path")}
    clean = []
    for i, item in enumerate(media):
        item = {k: v for k, v in item.items() if v is not None}
        if item.get("path") and (item.get("sha256"), item["path"]) not in allowed:
            raise ValidationFailed(
                "Media files come from uploads: send the sha256 of a file this post or its "
                "submissions already have, or a public url.",
                fields={f"media.{i}.path": ["Unknown file; upload it as a submission first."]})
        sha = item.get("sha256")
        if sha and not item.get("path") and store is not None and store.exists(sha):
            path, url = store.local_path(sha), item.get("url") or store.url(sha)
            item |= {k: v for k, v in (("path", str(path) if path else None), ("url", url)) if v}
        clean.append(item)
    return clean


def _accepted_submissions(db: Session, client_id: int, ids: list[int]) -> list[Submission]:
    subs = []
    for sid in ids:
        sub = db.get(Submission, sid)
        assignment = db.get(Assignment, sub.assignment_id) if sub is not None else None
        if sub is None or assignment is None or assignment.client_id != client_id:
            raise ValidationFailed(f"No submission {sid} for this client.",
                                   fields={"from_submissions": [f"No submission {sid} here."]})
        if assignment.state != AssignmentState.DONE:
            raise ValidationFailed(
                f"Submission {sid} is not accepted work (its assignment is {assignment.state}); "
                "accept the work first.",
                fields={"from_submissions": [f"Assignment {assignment.id} is {assignment.state}."]})
        latest = db.scalar(select(func.max(Submission.number))
                           .where(Submission.assignment_id == assignment.id))
        if sub.number != latest:
            raise ValidationFailed(
                f"Submission {sid} is version {sub.number}; the accepted one is version {latest}.",
                fields={"from_submissions": [f"Submission {sid} is not the accepted version."]})
        subs.append(sub)
    return subs


def create_post(db: Session, client_id: int, data: dict[str, Any], user: User,
                store: MediaStore | None = None) -> Post:
    """A draft post, from scratch or from accepted submissions (explicit text/media win)."""
    data = dict(data)
    source_ids: list[int] = data.pop("from_submissions", []) or []
    subs = _accepted_submissions(db, client_id, source_ids)
    known_media = [m for s in subs for m in s.media or []]
    text = data.get("text")
    if text is None:
        text = "\n\n".join(s.text.strip() for s in subs if s.text and s.text.strip())
    media = data.get("media")
    if media is None:
        media, seen = [], set()
        for item in known_media:
            key = media_identity(item)
            if key not in seen:
                seen.add(key)
                media.append(dict(item))
    else:
        media = _check_media(media, known_media, store)
    brief_id = data.get("brief_id")
    if brief_id is None and subs:
        brief_id = db.scalar(select(Assignment.brief_id).where(Assignment.id == subs[0].assignment_id))
    _check_owned(db, Campaign, data.get("campaign_id"), client_id, "campaign_id")
    _check_owned(db, Brief, brief_id, client_id, "brief_id")
    post = Post(client_id=client_id, campaign_id=data.get("campaign_id"), brief_id=brief_id,
                title=data.get("title") or "", text=text, media=media,
                options=data.get("options") or {}, status=PostStatus.DRAFT,
                created_by_id=user.id)
    post.content_hash = content_hash(post)
    db.add(post)
    db.flush()
    audit.record(db, "post.compose", post, from_submissions=source_ids, content_hash=post.content_hash)
    return post


def _take_off_schedule(target: PostTarget) -> None:
    """Back to waiting; a dispatch in flight loses its claim (the dispatcher re-derives work)."""
    target.status = TargetStatus.DRAFT
    target.scheduled_at = None
    target.content_hash = None
    target.dispatch_job = None
    target.dispatched_at = None


def send_back_to_draft(db: Session, post: Post, reason: str) -> None:
    """Void the post's approvals, unschedule its waiting targets, status ``draft``."""
    voided = void_requests(db, "post", post.id, reason)
    was = post.status
    post.status = PostStatus.DRAFT
    post.approved_hash = None
    unscheduled = []
    for target in post.targets:
        if target.status == TargetStatus.SCHEDULED:
            _take_off_schedule(target)
            unscheduled.append(target.id)
    if voided or was != PostStatus.DRAFT or unscheduled:
        audit.record(db, "post.back_to_draft", post, reason=reason, previous_status=was,
                     voided_requests=[r.id for r in voided], unscheduled_targets=unscheduled)


def update_post(db: Session, post: Post, changes: dict[str, Any],
                store: MediaStore | None = None) -> Post:
    """Edit a post; a content change after approval voids it and the post goes back to draft."""
    if "media" in changes:
        changes["media"] = _check_media(changes["media"], post.media or [], store)
    if "campaign_id" in changes:
        _check_owned(db, Campaign, changes["campaign_id"], post.client_id, "campaign_id")
    for key, value in changes.items():
        setattr(post, key, value)
    new_hash = content_hash(post)
    changed = new_hash != post.content_hash
    post.content_hash = new_hash
    if changed and post.status != PostStatus.DRAFT:
        send_back_to_draft(db, post, "content edited")
    bump(post)
    audit.record(db, "post.edit", post, fields=sorted(changes), content_changed=changed,
                 content_hash=new_hash)
    return post


def delete_post(db: Session, post: Post) -> None:
    busy = [t.id for t in post.targets if t.status in LOCKED_TARGETS]
    if busy:
        raise Conflict("Targets of this post are publishing or published; they stay on record.",
                       details={"targets": busy})
    void_requests(db, "post", post.id, "post deleted")
    audit.record(db, "post.remove", post)
    db.delete(post)


# -- targets --------------------------------------------------------------------------------
def add_target(db: Session, post: Post, data: dict[str, Any]) -> PostTarget:
    """One target per social account of the post's client."""
    account = db.get(SocialAccount, data["social_account_id"])
    if account is None or account.client_id != post.client_id:
        raise ValidationFailed("The social account does not belong to this post's client.",
                               fields={"social_account_id": ["No such account for this client."]})
    if account.is_competitor:
        raise ValidationFailed("Competitor accounts are only measured; nothing is published there.",
                               fields={"social_account_id": ["This is a competitor account."]})
    if any(t.social_account_id == account.id for t in post.targets):
        raise Conflict(f"The post already targets account {account.id}.",
                       details={"social_account_id": account.id})
    target = PostTarget(post_id=post.id, social_account_id=account.id,
                        options=data.get("options") or {}, status=TargetStatus.DRAFT)
    post.targets.append(target)
    db.flush()
    if post.status != PostStatus.DRAFT:
        send_back_to_draft(db, post, "target added")
    bump(post)
    audit.record(db, "post.target_add", post, target_id=target.id, social_account_id=account.id,
                 platform=account.platform)
    return target


def update_target(db: Session, post: Post, target: PostTarget, options: dict[str, Any]) -> PostTarget:
    if target.status in LOCKED_TARGETS:
        raise Conflict(f"Target {target.id} is {target.status}; its options can no longer change.",
                       details={"status": target.status})
    changed = dict(target.options or {}) != options
    target.options = options
    target.version = (target.version or 0) + 1
    if changed and post.status != PostStatus.DRAFT:
        send_back_to_draft(db, post, "target options edited")
    bump(post)
    audit.record(db, "post.target_edit", post, target_id=target.id, changed=changed)
    return target


def remove_target(db: Session, post: Post, target: PostTarget) -> None:
    if target.status in LOCKED_TARGETS:
        raise Conflict(f"Target {target.id} is {target.status}; it stays on record.",
                       details={"status": target.status})
    post.targets.remove(target)
    if post.status != PostStatus.DRAFT:
        send_back_to_draft(db, post, "target removed")
    bump(post)
    audit.record(db, "post.target_remove", post, target_id=target.id,
                 social_account_id=target.social_account_id)


# -- preflight ------------------------------------------------------------------------------
def _as_problem(value: Any) -> Problem | None:
    if isinstance(value, Problem):
        return value
    if isinstance(value, Mapping) and {"field", "code", "message"} <= set(value):
        return Problem(str(value["field"]), str(value["code"]), str(value["message"]),
                       str(value.get("platform") or ""))
    log.warning("check_content answered %r, which is not a Problem; ignored", value)
    return None


def preflight(app: Flask, db: Session, post: Post) -> dict[str, Any]:
    """Each target platform's ``validate`` plus the broadcast ``check_content``, per target."""
    platforms = app.extensions["smmflow"].platforms
    accounts = {a.id: a for a in db.scalars(select(SocialAccount).where(
        SocialAccount.id.in_([t.social_account_id for t in post.targets])))}
    content, _ = build_content(post.text, post.title, post.media, post.options)
    names = sorted({a.platform for a in accounts.values()})
    broadcast = [p for p in (_as_problem(v) for v in plugins.collect(
        app, "check_content", content=content, platforms=names, client_id=post.client_id)) if p]
    general = [p for p in broadcast if not p.platform]
    rows = []
    for target in post.targets:
        account = accounts[target.social_account_id]
        problems: list[Problem] = []
        platform = platforms.get(account.platform)
        if platform is None:
            problems.append(Problem("platform", "platform_unavailable",
                                    f"No enabled plugin provides {account.platform!r}; enable it "
                                    "or remove this target.", account.platform))
        else:
            target_content, options = content_for(db, target)
            try:
                problems.extend(platform.validate(target_content, options))
            except Exception:
                log.exception("platform %s failed to validate post %s", account.platform, post.id)
                problems.append(Problem("content", "validator_failed",
                                        f"The {account.platform} plugin could not check this "
                                        "content; see the server log.", account.platform))
        if account.status != AccountStatus.ACTIVE:
            problems.append(Problem("account", f"account_{account.status}",
                                    f"Account @{account.handle} is {account.status}: "
                                    "reconnect or re-enable it before publishing.", account.platform))
        problems.extend(general)
        problems.extend(p for p in broadcast if p.platform == account.platform)
        rows.append({"target_id": target.id, "social_account_id": account.id,
                     "platform": account.platform, "handle": account.handle,
                     "ok": not problems, "problems": problems})
    return {"post_id": post.id, "content_hash": content_hash(post),
            "ok": all(r["ok"] for r in rows) and not general,
            "content_problems": general, "targets": rows}


# -- scheduling -----------------------------------------------------------------------------
def parse_local_time(value: str, timezone: str, field: str) -> dt.datetime:
    """An ISO time; naive means the client's wall clock. Returns UTC."""
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise ValidationFailed(f"{field}: not an ISO date-time such as 2026-12-01T09:00.",
                               fields={field: ["Not an ISO date-time."]}) from exc
    if parsed.tzinfo is not None:
        return parsed.astimezone(dt.UTC)
    zone = zoneinfo.ZoneInfo(timezone)
    local = parsed.replace(tzinfo=zone)
    if local.astimezone(dt.UTC).astimezone(zone).replace(tzinfo=None) != parsed:
        raise ValidationFailed(
            f"{field}: {value} does not exist in {timezone} (the clocks jump forward); "
            "pick another time.", fields={field: [f"Does not exist in {timezone}."]})
    return local.astimezone(dt.UTC)


def require_approved(post: Post) -> None:
    """Scheduling needs an approval of exactly the current content."""
    current = content_hash(post)
    if post.status not in APPROVED_STATES or post.approved_hash != current:
        raise Conflict(
            f"The post is {post.status}; only content approved at its current version can be "
            "scheduled. Run the approval chain first.",
            code="not_approved",
            details={"status": post.status, "content_hash": current,
                     "approved_hash": post.approved_hash})


def schedule(app: Flask, db: Session, post: Post, data: dict[str, Any]) -> Post:
    """Give targets their times (entered in the client's timezone, stored in UTC)."""
    require_approved(post)
    client = db.get(Client, post.client_id)
    assert client is not None
    now = utcnow()
    times: dict[int, dt.datetime] = {}
    for i, item in enumerate(data.get("targets") or []):
        target = get_target(post, item["target_id"])
        times[target.id] = parse_local_time(item["at"], client.timezone, f"targets.{i}.at")
    if data.get("at"):
        default = parse_local_time(data["at"], client.timezone, "at")
        for target in post.targets:
            if target.id not in times and target.status in SCHEDULABLE_TARGETS:
                times[target.id] = default
    if not times:
        raise ValidationFailed("The post has no target that can be scheduled; add a target.",
                               fields={"targets": ["No schedulable target."]})
    for target_id, when in times.items():
        if when <= now:
            raise ValidationFailed(f"Target {target_id}: {when.isoformat()} is in the past.",
                                   fields={"at": [f"Target {target_id}: time is in the past."]})
        target = get_target(post, target_id)
        if target.status not in SCHEDULABLE_TARGETS:
            raise Conflict(f"Target {target_id} is {target.status}; it cannot be scheduled again.",
                           details={"target_id": target_id, "status": target.status})
    report = preflight(app, db, post)
    bad = {r["target_id"]: r["problems"] for r in report["targets"] if r["target_id"] in times and
           r["problems"]}
    if bad:
        raise ValidationFailed("Some targets do not pass the platform checks; fix them first.",
                               details={"targets": {str(k): [dataclasses.asdict(p) for p in v]
                                                    for k, v in bad.items()}})
    for target_id, when in times.items():
        target = get_target(post, target_id)
        target.status = TargetStatus.SCHEDULED
        target.scheduled_at = when
        target.content_hash = post.approved_hash
        if not target.attempts:
            target.marker = None  # set at claim time; kept after an attempt, for reconciliation
        target.dispatch_job = None  # a rescheduled target is dispatched afresh
        target.dispatched_at = None
    post.status = PostStatus.SCHEDULED
    bump(post)
    audit.record(db, "post.schedule", post, content_hash=post.approved_hash,
                 targets={str(k): v.isoformat() for k, v in times.items()}, timezone=client.timezone)
    return post


def unschedule(db: Session, post: Post, target_ids: list[int] | None) -> Post:
    """Scheduled targets back to waiting; the post stays approved."""
    if post.status != PostStatus.SCHEDULED:
        raise Conflict(f"The post is {post.status}, not scheduled.", details={"status": post.status})
    chosen = [get_target(post, t) for t in target_ids] if target_ids else \
        [t for t in post.targets if t.status == TargetStatus.SCHEDULED]
    for target in chosen:
        if target.status != TargetStatus.SCHEDULED:
            raise Conflict(f"Target {target.id} is {target.status}; only scheduled targets can be "
                           "unscheduled.", details={"target_id": target.id, "status": target.status})
    for target in chosen:
        _take_off_schedule(target)
    if not any(t.status == TargetStatus.SCHEDULED for t in post.targets):
        post.status = PostStatus.APPROVED
    bump(post)
    audit.record(db, "post.unschedule", post, targets=[t.id for t in chosen])
    return post
