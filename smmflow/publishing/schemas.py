"""Schemas of post targets' publishing state and their attempts (read-only)."""

from __future__ import annotations

from marshmallow import Schema, fields


class PublishAttemptSchema(Schema):
    """One try at publishing a target."""

    id = fields.Integer(dump_only=True)
    number = fields.Integer(dump_only=True,
                            metadata={"description": "Attempt number; a person's retry starts at 1 again."})
    started_at = fields.DateTime(dump_only=True)
    finished_at = fields.DateTime(dump_only=True, allow_none=True)
    worker = fields.String(dump_only=True, metadata={"description": "The worker that made it."})
    outcome = fields.String(dump_only=True, metadata={
        "description": "published, reconciled, rate_limited, transient, plugin_error, not_found, "
                       "reconcile_failed, auth_expired, rejected, blocked or unknown."})
    error = fields.String(dump_only=True, allow_none=True)


class TargetPublishingSchema(Schema):
    """A post target with its publishing state and every attempt."""

    id = fields.Integer(dump_only=True)
    post_id = fields.Integer(dump_only=True)
    social_account_id = fields.Integer(dump_only=True)
    platform = fields.String(dump_only=True)
    account_handle = fields.String(dump_only=True)
    status = fields.String(dump_only=True, metadata={
        "description": "draft, scheduled, publishing, published, failed, unknown or cancelled."})
    scheduled_at = fields.DateTime(dump_only=True, allow_none=True)
    next_attempt_at = fields.DateTime(dump_only=True, allow_none=True,
                                      metadata={"description": "When a retry is due."})
    attempt_count = fields.Integer(dump_only=True)
    external_id = fields.String(dump_only=True, allow_none=True)
    url = fields.String(dump_only=True, allow_none=True)
    published_at = fields.DateTime(dump_only=True, allow_none=True)
    last_error = fields.String(dump_only=True, allow_none=True)
    attempts = fields.List(fields.Nested(PublishAttemptSchema), dump_only=True)
