"""Schemas of inbox items, replies and moderation rules."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from smmflow.api.fields import Str
from smmflow.inbox.models import ItemStatus
from smmflow.inbox.rules import ACTIONS, CONDITIONS
from smmflow.inbox.services import MANUAL_ACTIONS

LABEL = fields.String(validate=validate.Length(min=1, max=50))


class InboxReplySchema(Schema):
    id = fields.Integer()
    text = fields.String()
    author_id = fields.Integer(allow_none=True)
    automatic = fields.Boolean()
    status = fields.String()
    platform_reply_id = fields.String(allow_none=True)
    error = fields.String(allow_none=True)
    created_at = fields.DateTime()
    sent_at = fields.DateTime(allow_none=True)


class InboxItemSchema(Schema):
    id = fields.Integer()
    client_id = fields.Integer()
    social_account_id = fields.Integer()
    platform = fields.String()
    platform_id = fields.String()
    parent_platform_id = fields.String(allow_none=True)
    post_external_id = fields.String(allow_none=True)
    post_target_id = fields.Integer(allow_none=True)
    kind = fields.String()
    author_id = fields.String()
    author_name = fields.String()
    text = fields.String()
    received_at = fields.DateTime()
    status = fields.String()
    labels = fields.List(fields.String())
    assignee_id = fields.Integer(allow_none=True)
    first_response_at = fields.DateTime(allow_none=True)
    first_response_seconds = fields.Method("_frt", allow_none=True)
    sla_breached_at = fields.DateTime(allow_none=True)
    replies = fields.List(fields.Nested(InboxReplySchema))

    def _frt(self, item: Any) -> float | None:
        if item.first_response_at is None:
            return None
        return (item.first_response_at - item.received_at).total_seconds()


class InboxQuerySchema(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))
    cursor = fields.String(load_default=None, validate=validate.Length(max=100))
    status = fields.String(validate=validate.OneOf([s.value for s in ItemStatus]))
    label = fields.String(validate=validate.Length(max=50))
    assignee_id = fields.Integer()
    platform = fields.String(validate=validate.Length(max=50))


class InboxItemUpdateSchema(Schema):
    labels = fields.List(LABEL, validate=validate.Length(max=20))
    assignee_id = fields.Integer(allow_none=True, strict=True)


class InboxActionSchema(Schema):
    action = fields.String(required=True, validate=validate.OneOf(MANUAL_ACTIONS))


class InboxReplyCreateSchema(Schema):
    text = Str(4000, required=True, min_length=1)


class ModerationRuleSchema(Schema):
    id = fields.Integer(dump_only=True)
    client_id = fields.Integer(dump_only=True)
    position = fields.Integer(strict=True, load_default=0, validate=validate.Range(min=0, max=10_000))
    name = Str(200, required=True, min_length=1)
    enabled = fields.Boolean(load_default=True)
    condition = fields.String(required=True, validate=validate.OneOf(CONDITIONS))
    condition_value = fields.Raw(load_default=None, allow_none=True,
                                 metadata={"description": "stop_words/author_in: list of strings; "
                                           "regex: a pattern; label: a label; contains_link: null"})
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    action_value = fields.Raw(load_default=None, allow_none=True,
                              metadata={"description": "label: the label; assign: a user id; "
                                        "auto_reply: the template ({author}, {text})"})
    stop = fields.Boolean(load_default=False)
    created_at = fields.DateTime(dump_only=True)

    @validates_schema
    def _values(self, data: dict[str, Any], **_: Any) -> None:
        check_rule_values(data.get("condition"), data.get("condition_value"),
                          data.get("action"), data.get("action_value"))


class ModerationRuleUpdateSchema(Schema):
    """Changes to a rule; values are checked against the merged rule by the view."""

    position = fields.Integer(strict=True, validate=validate.Range(min=0, max=10_000))
    name = Str(200, min_length=1)
    enabled = fields.Boolean()
    condition = fields.String(validate=validate.OneOf(CONDITIONS))
    condition_value = fields.Raw(allow_none=True)
    action = fields.String(validate=validate.OneOf(ACTIONS))
    action_value = fields.Raw(allow_none=True)
    stop = fields.Boolean()


def check_rule_values(condition: str | None, cvalue: Any, action: str | None,
                      avalue: Any) -> None:
    """Check that the values fit the condition and action; raise naming the field."""
    if condition in ("stop_words", "author_in"):
        if not isinstance(cvalue, list) or not cvalue or len(cvalue) > 500 or not all(
                isinstance(w, str) and 0 < len(w) <= 200 for w in cvalue):
            raise ValidationError("A list of 1-500 non-empty strings.", "condition_value")
    elif condition == "regex":
        if not isinstance(cvalue, str) or not cvalue or len(cvalue) > 500:
            raise ValidationError("A regular expression of at most 500 characters.",
                                  "condition_value")
        try:
            re.compile(cvalue)
        except re.error as exc:
            raise ValidationError(f"Not a valid regular expression: {exc}.",
                                  "condition_value") from exc
    elif condition == "label" and (not isinstance(cvalue, str) or not 0 < len(cvalue) <= 50):
        raise ValidationError("A label of 1-50 characters.", "condition_value")
    if action == "label" and (not isinstance(avalue, str) or not 0 < len(avalue) <= 50):
        raise ValidationError("The label to add, 1-50 characters.", "action_value")
    if action == "assign" and (not isinstance(avalue, int) or isinstance(avalue, bool)):
        raise ValidationError("The id of the user to assign.", "action_value")
    if action == "auto_reply" and (not isinstance(avalue, str) or not 0 < len(avalue) <= 2000):
        raise ValidationError("The reply template, 1-2000 characters.", "action_value")
