"""Schemas of the webhook routes."""

from __future__ import annotations

from marshmallow import Schema, fields


class WebhookSetupSchema(Schema):
    """The answer to a webhook registration request (the secret is never shown)."""

    url = fields.String(dump_only=True, metadata={
        "description": "The address the network will push to (from SMMFLOW_BASE_URL)."})
    status = fields.String(dump_only=True, metadata={
        "description": "queued: a job asks the network; the audit log records the outcome "
                       "(webhook.registered or webhook.register_failed)."})
