"""``/api/v1`` inbox of a client, manual moderation, and moderation rules."""

from __future__ import annotations

from typing import Any

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import exists, func, select, type_coerce
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session, selectinload

from smmflow import db as database
from smmflow.api import Blueprint
from smmflow.api.etag import check_if_match, etag_header
from smmflow.api.pagination import page_of, paginate
from smmflow.auth.guard import current_user
from smmflow.auth.permissions import client_role, requires, via_model
from smmflow.errors import NotFound, ValidationFailed
from smmflow.inbox import jobs, services
from smmflow.inbox.models import InboxItem, ModerationRule
from smmflow.inbox.schemas import (
    InboxActionSchema,
    InboxItemSchema,
    InboxItemUpdateSchema,
    InboxQuerySchema,
    InboxReplyCreateSchema,
    InboxReplySchema,
    ModerationRuleSchema,
    ModerationRuleUpdateSchema,
    check_rule_values,
)
from smmflow.platforms.base import Capability

blp = Blueprint("inbox", __name__, description="Inbox of comments and moderation rules")

MODERATORS = client_role("manager", "moderator")
ITEM_MODERATORS = client_role("manager", "moderator", resolver=via_model(InboxItem, "item_id"))
RULE_MANAGERS = client_role("manager", resolver=via_model(ModerationRule, "rule_id"))
MANAGERS = client_role("manager")


def _platform(name: str) -> Any:
    return current_app.extensions["smmflow"].platforms.get(name)


@blp.route("/clients/<int:client_id>/inbox", methods=["GET"])
@requires(MODERATORS)
@blp.arguments(InboxQuerySchema, location="query")
@blp.response(200, page_of(InboxItemSchema))
def list_items(args: dict[str, Any], client_id: int) -> dict[str, Any]:
    """The client's inbox, oldest first; filter by status, label, assignee or platform."""
    stmt = select(InboxItem).where(InboxItem.client_id == client_id).options(
        selectinload(InboxItem.replies))
    for key in ("status", "assignee_id", "platform"):
        if args.get(key) is not None:
            stmt = stmt.where(getattr(InboxItem, key) == args[key])
    db = database.session()
    if args.get("label"):
        stmt = stmt.where(has_label(db, args["label"]))
    return paginate(db, stmt, InboxItem.id, args)


def has_label(db: Session, label: str) -> Any:
    """SQL condition: the item's JSON ``labels`` list holds ``label`` (filtered before paging)."""
    if db.get_bind().dialect.name == "postgresql":
        return type_coerce(InboxItem.labels, JSONB).contains([label])
    each = func.json_each(InboxItem.labels).table_valued("value")
    return exists(select(1).select_from(each).where(each.c.value == label))


@blp.route("/clients/<int:client_id>/inbox/poll", methods=["POST"])
@requires(MODERATORS)
@blp.response(202, InboxQuerySchema(only=()))
def poll_now(client_id: int) -> dict[str, Any]:
    """Fetch new comments of this client's accounts now (runs as jobs)."""
    from smmflow.accounts.models import AccountStatus, SocialAccount
    from smmflow.jobs.queues import enqueue

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    ids = database.session().scalars(select(SocialAccount.id).where(
        SocialAccount.client_id == client_id, SocialAccount.status == AccountStatus.ACTIVE,
        SocialAccount.is_competitor.is_(False)))
    for account_id in ids:
        enqueue(app, "smmflow.inbox.jobs.poll_account", account_id, queue="moderation",
                job_id=f"inbox-poll-{account_id}")
    return {}


@blp.route("/inbox/<int:item_id>", methods=["GET"])
@requires(ITEM_MODERATORS)
@blp.response(200, InboxItemSchema)
def get_item(item_id: int) -> tuple[InboxItem, dict[str, str]]:
    """One inbox item with its replies."""
    item = services.get_item(database.session(), item_id)
    return item, etag_header(item)


@blp.route("/inbox/<int:item_id>", methods=["PATCH"])
@requires(ITEM_MODERATORS)
@blp.arguments(InboxItemUpdateSchema)
@blp.response(200, InboxItemSchema)
def update_item(data: dict[str, Any], item_id: int) -> tuple[InboxItem, dict[str, str]]:
    """Change labels or the assignee."""
    db = database.session()
    item = services.get_item(db, item_id)
    check_if_match(item)
    services.update_item(db, item, data)
    db.commit()
    return item, etag_header(item)


@blp.route("/inbox/<int:item_id>/actions", methods=["POST"])
@requires(ITEM_MODERATORS)
@blp.arguments(InboxActionSchema)
@blp.response(202, InboxItemSchema)
def act(data: dict[str, Any], item_id: int) -> InboxItem:
    """Hide, unhide, delete, restore (on the network, as a job), escalate, ignore or reopen."""
    db = database.session()
    item = services.get_item(db, item_id)
    platform = _platform(item.platform)
    supported = platform.moderation_actions if platform is not None else frozenset()
    user = current_user()
    followups = services.act(db, item, data["action"], actor_id=user.id if user else None,
                             supported=frozenset(supported))
    db.commit()
    jobs.enqueue_followups(current_app._get_current_object(), followups)  # type: ignore[attr-defined]
    return item


@blp.route("/inbox/<int:item_id>/replies", methods=["POST"])
@requires(ITEM_MODERATORS)
@blp.arguments(InboxReplyCreateSchema)
@blp.response(202, InboxReplySchema)
def reply(data: dict[str, Any], item_id: int) -> Any:
    """Reply to a comment; the reply is sent to the network by a job."""
    db = database.session()
    item = services.get_item(db, item_id)
    platform = _platform(item.platform)
    user = current_user()
    row, followups = services.reply(
        db, item, data["text"], actor_id=user.id if user else None,
        supported=platform is not None and platform.supports(Capability.REPLY))
    db.commit()
    jobs.enqueue_followups(current_app._get_current_object(), followups)  # type: ignore[attr-defined]
    return row


@blp.route("/clients/<int:client_id>/moderation-rules", methods=["GET"])
@requires(MODERATORS)
@blp.response(200, ModerationRuleSchema(many=True))
def list_rules(client_id: int) -> list[ModerationRule]:
    """The client's rules, in evaluation order."""
    return list(database.session().scalars(
        select(ModerationRule).where(ModerationRule.client_id == client_id)
        .order_by(ModerationRule.position, ModerationRule.id)))


@blp.route("/clients/<int:client_id>/moderation-rules", methods=["POST"])
@requires(MANAGERS)
@blp.arguments(ModerationRuleSchema)
@blp.response(201, ModerationRuleSchema)
def create_rule(data: dict[str, Any], client_id: int) -> tuple[ModerationRule, dict[str, str]]:
    """Add a rule: a condition and an action."""
    db = database.session()
    rule = ModerationRule(client_id=client_id, **data)
    db.add(rule)
    db.commit()
    return rule, etag_header(rule)


@blp.route("/moderation-rules/<int:rule_id>", methods=["PATCH"])
@requires(RULE_MANAGERS)
@blp.arguments(ModerationRuleUpdateSchema)
@blp.response(200, ModerationRuleSchema)
def update_rule(data: dict[str, Any], rule_id: int) -> tuple[ModerationRule, dict[str, str]]:
    """Change a rule; the condition and action values are checked together."""
    db = database.session()
    rule = db.get(ModerationRule, rule_id)
    if rule is None:
        raise NotFound(f"No rule {rule_id}.")
    check_if_match(rule)


    merged = {k: data.get(k, getattr(rule, k)) for k in
              ("condition", "condition_value", "action", "action_value")}
    try:
        check_rule_values(merged["condition"], merged["condition_value"], merged["action"],
                          merged["action_value"])
    except ValidationError as exc:
        raise ValidationFailed("Invalid rule.", fields=exc.normalized_messages()) from exc
    for key, value in data.items():
        setattr(rule, key, value)
    rule.version += 1
    db.commit()
    return rule, etag_header(rule)


@blp.route("/moderation-rules/<int:rule_id>", methods=["DELETE"])
@requires(RULE_MANAGERS)
@blp.response(204)
def delete_rule(rule_id: int) -> None:
    """Remove a rule."""
    db = database.session()
    rule = db.get(ModerationRule, rule_id)
    if rule is None:
        raise NotFound(f"No rule {rule_id}.")
    db.delete(rule)
    db.commit()
