"""The error hierarchy of smmflow: configuration, API and platform errors.

API errors carry an HTTP status and a stable ``code``; one handler renders them
as the JSON envelope ``{"error": {"code", "message", "details"}}`` for the API
and as an HTML page for the web UI. Platform errors are what plugins raise; the
job engine maps each class to a target state (see :mod:`smmflow.platforms`).
"""

from __future__ import annotations

from typing import Any


class SmmflowError(Exception):
    """Base of every error smmflow raises on purpose."""


class ConfigError(SmmflowError):
    """A setting is missing or invalid; the message names the variable."""

    def __init__(self, message: str, *, variable: str | None = None) -> None:
        super().__init__(message)
        self.variable = variable


class PluginError(SmmflowError):
    """A plugin cannot be loaded, or two plugins claim the same platform."""


class ApiError(SmmflowError):
    """An error answered to an API client with ``status`` and ``code``."""

    status: int = 400
    code: str = "bad_request"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None,
                 code: str | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}
        self.headers = headers or {}
        if code:
            self.code = code


class BadRequest(ApiError):
    status, code = 400, "bad_request"


class Unauthorized(ApiError):
    status, code = 401, "unauthorized"


class Forbidden(ApiError):
    status, code = 403, "forbidden"


class NotFound(ApiError):
    status, code = 404, "not_found"


class Conflict(ApiError):
    status, code = 409, "conflict"


class ValidationFailed(ApiError):
    """Input that parsed but broke a rule; ``details["fields"]`` names the fields."""

    status, code = 422, "validation_failed"

    def __init__(self, message: str, *, fields: dict[str, Any] | None = None, **kwargs: Any) -> None:
        details = kwargs.pop("details", None) or {}
        if fields:
            details = {**details, "fields": fields}
        super().__init__(message, details=details, **kwargs)


class PreconditionRequired(ApiError):
    status, code = 428, "precondition_required"


class TooManyRequests(ApiError):
    status, code = 429, "rate_limited"


class PayloadTooLarge(ApiError):
    status, code = 413, "payload_too_large"


class UnsupportedMediaType(ApiError):
    status, code = 415, "unsupported_media_type"


class PlatformError(SmmflowError):
    """Raised by a platform operation. The job engine maps each subclass to a state.

    ``message`` should say what the network answered and, where a person can act,
    how to fix it. Never put a token or a credential in it.
    """

    def __init__(self, message: str = "", *, platform_code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.platform_code = platform_code


class RateLimited(PlatformError):
    """The network asks us to wait ``retry_after`` seconds; retried after that wait."""

    def __init__(self, message: str = "", *, retry_after: float = 60.0,
                 platform_code: str | None = None) -> None:
        super().__init__(message or f"rate limited, retry after {retry_after:g} s",
                         platform_code=platform_code)
        self.retry_after = float(retry_after)


class AuthExpired(PlatformError):
    """Credentials are invalid or revoked: the account goes to ``needs_reauth``, no retry."""


class ContentRejected(PlatformError):
    """The network refused this content for good; the platform's reason is kept."""


class TransientError(PlatformError):
    """A temporary failure (5xx, network error); retried with backoff and jitter."""


class UnknownOutcome(PlatformError):
    """The request may have been applied (e.g. timeout after sending).

    The engine reconciles with ``find_published`` before anything else; a
    platform that cannot reconcile leaves the target ``unknown`` for a person.
    """


class WebhookRejected(PlatformError):
    """A pushed request failed the network's authentication: ``receive_webhook`` refuses it.

    Raise it when the secret or signature is missing or wrong, when the
    account has no secret configured, or when the request names another
    account (e.g. another VK community). The core answers 403, stores nothing
    and logs the message (never put the secret in it).
    """


class WebhookMalformed(PlatformError):
    """A pushed request cannot be read (not JSON, not the network's shape): the core answers 400."""
