"""The inbox: ingesting fetched comments, rules, manual actions, replies, SLA.

Network actions (hide, delete, reply) never run here: services record what
must happen and return it; the caller enqueues the jobs after commit
(:mod:`smmflow.inbox.jobs`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from flask import Flask
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from smmflow.accounts.models import SocialAccount
from smmflow.audit.services import record
from smmflow.clients.models import Client
from smmflow.db import utcnow
from smmflow.errors import Conflict, NotFound, ValidationFailed
from smmflow.inbox import rules as rules_engine
from smmflow.inbox.models import InboxItem, InboxReply, ItemStatus, ModerationRule
from smmflow.platforms.content import InboxItemData
from smmflow.posts.models import PostTarget

MANUAL_ACTIONS = ("hide", "unhide", "delete", "restore", "escalate", "ignore", "reopen")
STATUS_AFTER = {"hide": ItemStatus.HIDDEN, "delete": ItemStatus.DELETED,
                "unhide": ItemStatus.NEW, "restore": ItemStatus.NEW}


@dataclass
class Followups:
    """Jobs to enqueue once the transaction has committed."""

    actions: list[tuple[int, str]] = field(default_factory=list)   # (item id, action)
    replies: list[int] = field(default_factory=list)               # reply ids

    def extend(self, other: Followups) -> None:
        self.actions += other.actions
        self.replies += other.replies


def _emit(db: Session, name: str, **kwargs: Any) -> None:
    from smmflow.events import emit

    emit(db, name, **kwargs)


def classify(app: Flask, data: InboxItemData, client_id: int) -> list[str]:
    """Labels from every classifier plugin (broadcast ``classify_comment``)."""
    from smmflow.plugins import collect

    labels: list[str] = []
    for label in collect(app, "classify_comment", item=data, client_id=client_id):
        if isinstance(label, str) and label and label not in labels:
            labels.append(label[:50])
    return labels


def compiled_rules(db: Session, client_id: int) -> list[rules_engine.CompiledRule]:
    rows = db.scalars(select(ModerationRule).where(ModerationRule.client_id == client_id))
    return rules_engine.compile_rules(rows)


def apply_decision(db: Session, item: InboxItem, decision: rules_engine.Decision) -> Followups:
    """Store what the rules decided; return the network work to enqueue."""
    out = Followups()
    item.labels = decision.labels
    if decision.assignee_id is not None:
        item.assignee_id = decision.assignee_id
    if decision.escalate:
        item.status = ItemStatus.ESCALATED
    elif decision.ignore:
        item.status = ItemStatus.IGNORED
    for action in decision.network_actions:
        out.actions.append((item.id, action))
    for template in decision.auto_replies:
        reply = InboxReply(item_id=item.id, automatic=True, text=rules_engine.render_template(
            template, author_name=item.author_name, text=item.text))
        db.add(reply)
        db.flush()
        out.replies.append(reply.id)
    if decision.matched_rule_ids:
        record(db, "inbox.rules_applied", item, rules=decision.matched_rule_ids,
               labels=decision.labels, actions=decision.network_actions)
    return out


def ingest(app: Flask, db: Session, account: SocialAccount,
           fetched: Sequence[InboxItemData]) -> tuple[list[InboxItem], Followups]:
    """Store new items (deduplicated by platform id), classify them and run the rules."""
    followups = Followups()
    if not fetched:
        return [], followups
    ids = [f.platform_id for f in fetched]
    known = {row.platform_id: row for row in db.execute(
        select(InboxItem.platform_id, InboxItem.id, InboxItem.text, InboxItem.status).where(
            InboxItem.social_account_id == account.id, InboxItem.platform_id.in_(ids)))}
    fresh = []
    changed = []
    seen: set[str] = set()
    for data in fetched:
        if data.platform_id in seen:
            continue
        seen.add(data.platform_id)
        stored = known.get(data.platform_id)
        if stored is None:
            fresh.append(data)
        elif stored.text != data.text or stored.status == ItemStatus.DELETED:
            changed.append((stored.id, data))
    if changed:
        followups.extend(_refresh_known(app, db, account, changed))
    if not fresh:
        return [], followups
    post_ids = {d.post_external_id for d in fresh if d.post_external_id}
    targets = dict(db.execute(select(PostTarget.external_id, PostTarget.id).where(
        PostTarget.social_account_id == account.id, PostTarget.external_id.in_(post_ids))).all()) \
        if post_ids else {}
    rules = compiled_rules(db, account.client_id)
    items = [InboxItem(
        client_id=account.client_id, social_account_id=account.id, platform=account.platform,
        platform_id=data.platform_id[:200], parent_platform_id=data.parent_id,
        post_external_id=data.post_external_id, post_target_id=targets.get(data.post_external_id),
        kind=data.kind, author_id=data.author_id[:200], author_name=data.author_name[:200],
        text=data.text, received_at=data.received_at, labels=[],
    ) for data in fresh]
    db.add_all(items)
    db.flush()  # one flush for the whole page: ids for rules, replies and events
    for item, data in zip(items, fresh, strict=True):
        labels = classify(app, data, account.client_id)
        decision = rules_engine.evaluate(rules, text=data.text, author_id=data.author_id,
                                         author_name=data.author_name, labels=labels)
        followups.extend(apply_decision(db, item, decision))
        _emit(db, "on_inbox_item_received", item_id=item.id, client_id=item.client_id,
              platform=item.platform)
    return items, followups


def _refresh_known(app: Flask, db: Session, account: SocialAccount,
                   changed: Sequence[tuple[int, InboxItemData]]) -> Followups:
    """Stored comments the network shows again: restored ones come back to ``new``; an
    edited text is stored and classified and ruled again (labels are added, network
    actions queued; auto-replies are not sent twice)."""
    followups = Followups()
    rules = compiled_rules(db, account.client_id)
    for item_id, data in changed:
        item = db.get(InboxItem, item_id)
        if item is None:
            continue
        if item.status == ItemStatus.DELETED:
            item.status = ItemStatus.NEW
            record(db, "inbox.restored_on_network", item)
        if data.text != item.text:
            item.text = data.text
            record(db, "inbox.edited_on_network", item)
            labels = classify(app, data, account.client_id)
            decision = rules_engine.evaluate(rules, text=data.text, author_id=data.author_id,
                                             author_name=data.author_name, labels=labels)
            decision.labels = sorted(set(item.labels or []) | set(decision.labels))
            decision.auto_replies = []
            followups.extend(apply_decision(db, item, decision))
        item.version += 1
    return followups


def get_item(db: Session, item_id: int) -> InboxItem:
    item = db.get(InboxItem, item_id)
    if item is None:
        raise NotFound(f"No inbox item {item_id}.")
    return item


def _first_response(item: InboxItem, now: dt.datetime) -> None:
    if item.first_response_at is None:
        item.first_response_at = now


def act(db: Session, item: InboxItem, action: str, *, actor_id: int | None,
        supported: frozenset[str]) -> Followups:
    """A moderator's action on an item; network actions are queued, not run."""
    out = Followups()
    if action not in MANUAL_ACTIONS:
        raise ValidationFailed(f"Unknown action {action!r}.",
                               fields={"action": [f"One of {', '.join(MANUAL_ACTIONS)}."]})
    if item.status == ItemStatus.DELETED and action != "restore":
        raise Conflict("This comment is deleted; restore it first (where the network allows).",
                       code="invalid_state", details={"status": item.status})
    if action in STATUS_AFTER:
        if action not in supported:
            raise Conflict(f"{item.platform} does not support '{action}' on comments.",
                           code="unsupported_action",
                           details={"supported": sorted(supported)})
        out.actions.append((item.id, action))
    elif action == "escalate":
        item.status = ItemStatus.ESCALATED
    elif action == "ignore":
        item.status = ItemStatus.IGNORED
    elif action == "reopen":
        item.status = ItemStatus.NEW
    _first_response(item, utcnow())
    item.version += 1
    record(db, f"inbox.{action}", item, requested_by=actor_id)
    return out


def reply(db: Session, item: InboxItem, text: str, *, actor_id: int | None,
          supported: bool) -> tuple[InboxReply, Followups]:
    if not supported:
        raise Conflict(f"{item.platform} does not support replies from smmflow.",
                       code="unsupported_action")
    if item.status == ItemStatus.DELETED:
        raise Conflict("Cannot reply to a deleted comment.", code="invalid_state")
    row = InboxReply(item_id=item.id, text=text, author_id=actor_id)
    db.add(row)
    db.flush()
    _first_response(item, utcnow())
    item.version += 1
    record(db, "inbox.reply", item, reply_id=row.id)
    out = Followups(replies=[row.id])
    return row, out


def update_item(db: Session, item: InboxItem, changes: dict[str, Any]) -> InboxItem:
    if "assignee_id" in changes and changes["assignee_id"] is not None:
        from smmflow.auth.models import User

        if db.get(User, changes["assignee_id"]) is None:
            raise ValidationFailed("assignee_id names no user.",
                                   fields={"assignee_id": ["Unknown user."]})
    for key, value in changes.items():
        setattr(item, key, value)
    item.version += 1
    return item


def breach_sla(db: Session, now: dt.datetime | None = None) -> list[int]:
    """Mark items whose first response is later than their client's SLA; returns their ids."""
    now = now or utcnow()
    rows = db.execute(
        select(InboxItem.id, InboxItem.client_id, InboxItem.received_at, Client.inbox_sla_minutes)
        .join(Client, Client.id == InboxItem.client_id)
        .where(InboxItem.first_response_at.is_(None), InboxItem.sla_breached_at.is_(None),
               InboxItem.status.in_([ItemStatus.NEW, ItemStatus.ESCALATED]))
    ).all()
    breached = [(r.id, r.client_id) for r in rows
                if r.received_at + dt.timedelta(minutes=r.inbox_sla_minutes) <= now]
    if breached:
        db.execute(update(InboxItem).where(InboxItem.id.in_([b[0] for b in breached]))
                   .values(sla_breached_at=now))
        for item_id, client_id in breached:
            _emit(db, "on_inbox_sla_breached", item_id=item_id, client_id=client_id)
    return [b[0] for b in breached]


def data_of(item: InboxItem) -> InboxItemData:
    """The platform-facing shape of a stored item."""
    return InboxItemData(platform_id=item.platform_id, text=item.text, author_id=item.author_id,
                         author_name=item.author_name, received_at=item.received_at,
                         kind=item.kind, post_external_id=item.post_external_id,
                         parent_id=item.parent_platform_id)
