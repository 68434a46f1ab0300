"""Read-only queries the pages need and the domain services do not offer.

Each keeps the visibility of the matching API: the owner sees every client,
members the clients where they hold the API's roles, contractors their own work.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Select, func, or_, select, true
from sqlalchemy.orm import Session, load_only, selectinload

from smmflow.accounts.models import SocialAccount
from smmflow.assignments.models import Assignment
from smmflow.auth.models import User
from smmflow.auth.permissions import visible_client_ids
from smmflow.briefs.models import Brief
from smmflow.clients.models import Client
from smmflow.inbox.api import has_label
from smmflow.inbox.models import InboxItem
from smmflow.posts.api import CLIENT_HIDDEN
from smmflow.posts.models import Post, PostTarget, TargetStatus
from smmflow.reports.models import Report

T = TypeVar("T")
PAGE_SIZE = 50
# targets that have (or had) a time on the calendar
CALENDAR_STATUSES = (TargetStatus.SCHEDULED, TargetStatus.PUBLISHING, TargetStatus.PUBLISHED,
                     TargetStatus.FAILED, TargetStatus.UNKNOWN)


@dataclass
class Page:
    """One page of rows, newest first; ``older`` is the ``before`` of the next page."""

    rows: list[Any]
    older: int | None


def page(db: Session, stmt: Select[tuple[T]], column: Any, before: int | None,
         size: int = PAGE_SIZE) -> Page:
    if before is not None:
        stmt = stmt.where(column < before)
    rows = list(db.scalars(stmt.order_by(column.desc()).limit(size + 1)))
    more = len(rows) > size
    rows = rows[:size]
    return Page(rows, rows[-1].id if more and rows else None)


def clients_by_id(db: Session, ids: Iterable[int]) -> dict[int, Client]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {c.id: c for c in db.scalars(select(Client).where(Client.id.in_(wanted)))}


def users_by_id(db: Session, ids: Iterable[int | None]) -> dict[int, User]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return {u.id: u for u in db.scalars(select(User).where(User.id.in_(wanted)))}


def accounts_by_id(db: Session, ids: Iterable[int]) -> dict[int, SocialAccount]:
    wanted = set(ids)
    if not wanted:
        return {}
    return {a.id: a for a in db.scalars(select(SocialAccount).where(SocialAccount.id.in_(wanted)))}


def _in_clients(column: Any, db: Session, user: User, roles: list[str]) -> Any:
    """SQL: ``column`` is a client where ``user`` holds one of ``roles`` (owner: any client)."""
    if user.is_owner:
        return true()
    if user.is_contractor:
        return column.in_([])
    return column.in_(visible_client_ids(db, user, roles))


# -- calendar ------------------------------------------------------------------------------
@dataclass
class CalendarEntry:
    target: PostTarget
    post: Post
    account: SocialAccount
    client: Client
    at: dt.datetime      # UTC: published_at, or scheduled_at while not published
    local: dt.datetime   # the same instant on the client's wall clock


def week_entries(db: Session, user: User, monday: dt.date) -> list[CalendarEntry]:
    """Targets on the calendar in the week of ``monday``, each week in its client's timezone.

    A client approver sees what the posts API shows them: no drafts, no
    content sent back for changes.
    """
    # every timezone's week lies within a day either side of the UTC week
    start = dt.datetime.combine(monday - dt.timedelta(days=1), dt.time(), dt.UTC)
    end = start + dt.timedelta(days=9)
    when = func.coalesce(PostTarget.published_at, PostTarget.scheduled_at)
    stmt = (select(PostTarget, Post, SocialAccount, Client)
            .join(Post, Post.id == PostTarget.post_id)
            .join(SocialAccount, SocialAccount.id == PostTarget.social_account_id)
            .join(Client, Client.id == Post.client_id)
            .where(PostTarget.status.in_([s.value for s in CALENDAR_STATUSES]),
                   when >= start, when < end))
    if not user.is_owner:
        readable = visible_client_ids(db, user, ["manager", "client"])
        managed = set(visible_client_ids(db, user, ["manager"]))
        client_side = sorted(set(readable) - managed)
        stmt = stmt.where(Post.client_id.in_(readable))
        if client_side:
            stmt = stmt.where(or_(Post.client_id.not_in(client_side),
                                  Post.status.not_in([s.value for s in CLIENT_HIDDEN])))
    week_end = monday + dt.timedelta(days=7)
    entries = []
    for target, post, account, client in db.execute(stmt.order_by(when, PostTarget.id)):
        at = target.published_at or target.scheduled_at
        local = at.astimezone(zoneinfo.ZoneInfo(client.timezone))
        if monday <= local.date() < week_end:
            entries.append(CalendarEntry(target, post, account, client, at, local))
    return entries


# -- briefs --------------------------------------------------------------------------------
def visible_briefs(db: Session, user: User) -> Select[tuple[Brief]]:
    """Briefs of the clients ``user`` manages; a contractor's, those of their assignments."""
    stmt = select(Brief).options(selectinload(Brief.spec))
    if user.is_owner:
        return stmt
    if user.is_contractor:
        return stmt.where(Brief.id.in_(
            select(Assignment.brief_id).where(Assignment.contractor_id == user.id)))
    return stmt.where(Brief.client_id.in_(visible_client_ids(db, user, ["manager"])))


# -- inbox ---------------------------------------------------------------------------------
def inbox_items(db: Session, user: User, *, status: str | None = None, label: str | None = None,
                client_id: int | None = None) -> Select[tuple[InboxItem]]:
    """Items of the clients where ``user`` is manager or moderator, filtered."""
    stmt = select(InboxItem).options(selectinload(InboxItem.replies)).where(
        _in_clients(InboxItem.client_id, db, user, ["manager", "moderator"]))
    if status:
        stmt = stmt.where(InboxItem.status == status)
    if label:
        stmt = stmt.where(has_label(db, label))
    if client_id is not None:
        stmt = stmt.where(InboxItem.client_id == client_id)
    return stmt


def inbox_clients(db: Session, user: User) -> list[Client]:
    return list(db.scalars(select(Client).where(
        _in_clients(Client.id, db, user, ["manager", "moderator"])).order_by(Client.name)))


# -- reports -------------------------------------------------------------------------------
def visible_reports(db: Session, user: User) -> Select[tuple[Report]]:
    """Reports of the clients where ``user`` is manager or client member (not their bodies)."""
    return select(Report).options(load_only(
        Report.id, Report.client_id, Report.period, Report.starts_on, Report.ends_on,
        Report.created_at)).where(_in_clients(Report.client_id, db, user, ["manager", "client"]))
