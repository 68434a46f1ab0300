"""The public plugin API: the one module a plugin imports from.

Everything a third-party network, classifier or notification plugin needs is
here; nothing else of the core is a stable interface.
"""

from __future__ import annotations

from smmflow import hookimpl
from smmflow.errors import (
    AuthExpired,
    ContentRejected,
    PlatformError,
    RateLimited,
    TransientError,
    UnknownOutcome,
    WebhookMalformed,
    WebhookRejected,
)
from smmflow.notifications.channels import Notice, NotificationChannel
from smmflow.platforms.base import Capability, Platform
from smmflow.platforms.content import (
    METRICS,
    MODERATION_ACTIONS,
    Account,
    Content,
    InboxItemData,
    MediaItem,
    Problem,
    PublishResult,
)
from smmflow.platforms.context import JobContext, make_http_client
from smmflow.platforms.limits import ContentLimits, check_limits
from smmflow.platforms.redaction import redact_http_logs
from smmflow.platforms.webhooks import (
    WEBHOOK_SECRET_KEY,
    WebhookRequest,
    WebhookResult,
    secrets_match,
)

__all__ = [
    "METRICS", "MODERATION_ACTIONS", "WEBHOOK_SECRET_KEY", "Account", "AuthExpired", "Capability",
    "Content", "ContentLimits", "ContentRejected", "InboxItemData", "JobContext", "MediaItem",
    "Notice", "NotificationChannel",
    "Platform", "PlatformError", "Problem", "PublishResult", "RateLimited", "TransientError",
    "UnknownOutcome", "WebhookMalformed", "WebhookRejected", "WebhookRequest", "WebhookResult",
    "check_limits", "hookimpl", "make_http_client", "redact_http_logs", "secrets_match",
]
