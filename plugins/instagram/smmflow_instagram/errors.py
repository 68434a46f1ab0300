"""Graph API errors mapped to smmflow's taxonomy.

A failed Graph API call answers HTTP 4xx/5xx with
``{"error": {"message", "type", "code", "error_subcode", "is_transient", "error_user_title",
"error_user_msg", "fbtrace_id"}}``. We branch on ``code`` and ``error_subcode``, never on the
HTTP status alone. The table is the "Error mapping" of the plugin README; keep both in step.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from smmflow.plugin_api import (
    AuthExpired,
    ContentRejected,
    PlatformError,
    RateLimited,
    TransientError,
)

RATE_LIMIT_CODES = frozenset({4, 17, 32, 613, 80002})
TRANSIENT_CODES = frozenset({1, 2, -1, -2})
TRANSIENT_SUBCODES = frozenset({2207001, 2207003, 2207032})
REJECT_CODES = frozenset({100, 110, 352, 9004, 36000, 36001, 36002, 36003, 36004})
REJECT_SUBCODES = frozenset({2207004, 2207005, 2207009, 2207010, 2207026, 2207028, 2207052})
HUMAN_SUBCODES = frozenset({2207050, 2207051})
HUMAN_CODES = frozenset({25})
QUOTA_CODES = frozenset({9})
QUOTA_SUBCODES = frozenset({2207042})
POLICY_BLOCK_CODES = frozenset({368})
NOT_READY_CODES = frozenset({9007})
NOT_READY_SUBCODES = frozenset({2207027})
EXPIRED_SUBCODES = frozenset({2207020})
CONTAINER_MISSING_SUBCODES = frozenset({2207008})
MISSING_OBJECT = "100/33"  # platform_code of "object does not exist" (e.g. a deleted post)
NOT_DISCOVERABLE = "110/2207013"  # Business Discovery: no such professional account (or personal)

RATE_LIMIT_WAIT = 300.0       # s, app/user/BUC throttling without a usable header
QUOTA_WAIT = 3600.0           # s, publishing quota of the rolling 24 h window
POLICY_BLOCK_WAIT = 6 * 3600.0  # s, code 368 "temporarily blocked"


class MediaNotReady(TransientError):
    """9007 / 2207027: the container is still processing; keep polling, then publish."""


class ContainerExpired(TransientError):
    """2207020 (or 24 / 2207008): the container is gone; a retry creates a new one."""


class NeedsPerson(ContentRejected):
    """2207050 restricted account, 2207051 action blocked as spam: a person must look."""

    needs_human = True


class NotEnoughViewers(ContentRejected):
    """Code 10 on insights of a story with too few viewers: no data, not a permission problem."""


def retry_after_from_headers(headers: Mapping[str, str], default: float) -> float:
    """Seconds to wait from ``X-Business-Use-Case-Usage`` (``estimated_time_to_regain_access``,
    minutes) or ``Retry-After``; ``default`` when neither says."""
    minutes = 0.0
    raw = _header(headers, "x-business-use-case-usage")
    if raw:
        try:
            usage = json.loads(raw)
        except ValueError:
            usage = None
        if isinstance(usage, Mapping):
            for entries in usage.values():
                for entry in entries if isinstance(entries, list) else [entries]:
                    if isinstance(entry, Mapping):
                        value = entry.get("estimated_time_to_regain_access")
                        if isinstance(value, int | float) and not isinstance(value, bool):
                            minutes = max(minutes, float(value))
    if minutes > 0:
        return minutes * 60.0
    retry_after = _header(headers, "retry-after")
    if retry_after:
        try:
            seconds = float(retry_after)
        except ValueError:
            seconds = 0.0
        if seconds > 0:
            return seconds
    return default


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return None


def error_for(status: int, payload: Any, headers: Mapping[str, str],
              redact: Callable[[str], str] = lambda s: s) -> PlatformError:
    """The taxonomy error for a failed Graph API answer (HTTP ``status``, parsed JSON ``payload``).

    ``redact`` scrubs credentials from the text that goes into the error message.
    """
    error = payload.get("error") if isinstance(payload, Mapping) else None
    if not isinstance(error, Mapping):
        if status == 429:
            return RateLimited(f"Instagram answered HTTP {status}",
                               retry_after=retry_after_from_headers(headers, RATE_LIMIT_WAIT),
                               platform_code=str(status))
        if status >= 500:
            return TransientError(f"Instagram answered HTTP {status}", platform_code=str(status))
        return ContentRejected(f"Instagram answered HTTP {status} without an error body",
                               platform_code=str(status))
    code = _int(error.get("code"))
    subcode = _int(error.get("error_subcode"))
    platform_code = f"{code}/{subcode}" if subcode is not None else str(code)
    text = str(error.get("message") or f"HTTP {status}")
    user_msg = error.get("error_user_msg")
    if isinstance(user_msg, str) and user_msg and user_msg not in text:
        text = f"{text} ({user_msg})"
    text = redact(text)[:500].rstrip(". ")
    what = f"Instagram error {platform_code}: {text}"

    if code == 190:
        return AuthExpired(f"{what}. The access token is invalid or expired: reconnect the "
                           "Instagram account.", platform_code=platform_code)
    if subcode in HUMAN_SUBCODES or code in HUMAN_CODES:
        return NeedsPerson(f"{what}. Instagram restricted this account or action; a person "
                           "must check the account in the Instagram app before posting again.",
                           platform_code=platform_code)
    if code in QUOTA_CODES or subcode in QUOTA_SUBCODES:
        return RateLimited(f"{what}. The publishing quota of the last 24 hours is used up.",
                           retry_after=retry_after_from_headers(headers, QUOTA_WAIT),
                           platform_code=platform_code)
    if code in POLICY_BLOCK_CODES:
        return RateLimited(f"{what}. Instagram temporarily blocked this action for policy "
                           "reasons.", retry_after=retry_after_from_headers(headers, POLICY_BLOCK_WAIT),
                           platform_code=platform_code)
    if code in RATE_LIMIT_CODES:
        return RateLimited(what, retry_after=retry_after_from_headers(headers, RATE_LIMIT_WAIT),
                           platform_code=platform_code)
    if code in NOT_READY_CODES or subcode in NOT_READY_SUBCODES:
        return MediaNotReady(f"{what}. The media is still being processed.",
                             platform_code=platform_code)
    if subcode in EXPIRED_SUBCODES or subcode in CONTAINER_MISSING_SUBCODES or code == 24:
        return ContainerExpired(f"{what}. The media container expired or was not found; it "
                                "will be created again.", platform_code=platform_code)
    if code == 10 and "not enough viewers" in text.lower():
        return NotEnoughViewers(what, platform_code=platform_code)
    if error.get("is_transient") is True or code in TRANSIENT_CODES or subcode in TRANSIENT_SUBCODES:
        return TransientError(what, platform_code=platform_code)
    if code is not None and (code == 10 or 200 <= code <= 299):
        return AuthExpired(f"{what}. The app lacks a permission for this account: reconnect "
                           "the account and grant every requested permission.",
                           platform_code=platform_code)
    if code in REJECT_CODES or subcode in REJECT_SUBCODES:
        return ContentRejected(what, platform_code=platform_code)
    if status >= 500:
        return TransientError(what, platform_code=platform_code)
    if status == 429:
        return RateLimited(what, retry_after=retry_after_from_headers(headers, RATE_LIMIT_WAIT),
                           platform_code=platform_code)
    return ContentRejected(what, platform_code=platform_code)

