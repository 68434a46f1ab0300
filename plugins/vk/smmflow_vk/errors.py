"""VK API error codes and the smmflow error each one becomes.

VK answers an error inside a 2xx body: ``{"error": {"error_code", "error_msg",
"request_params", ...}}``. :data:`ERROR_TABLE` maps every global code of the
VK schema (``errors.json``, API 5.199) and every code the methods this plugin
calls can return. Codes missing from the table (messages, market, ads, stories
...) are permanent by the default rule. The README's error table is this table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from smmflow.plugin_api import (
    AuthExpired,
    ContentRejected,
    PlatformError,
    RateLimited,
    TransientError,
    UnknownOutcome,
)

# How a code is handled.
AUTH = "auth"            # AuthExpired: credentials/app must be fixed, account -> needs_reauth
HUMAN = "human"          # AuthExpired too: a person must act on vk.com (captcha, validation, 2FA)
TRANSIENT = "transient"  # TransientError: retried with backoff
RATE = "rate"            # RateLimited(retry_after seconds)
RATE_DAY = "rate_day"    # RateLimited until the next Moscow midnight (daily method quotas)
REJECT = "reject"        # ContentRejected: permanent, VK's reason kept
OUTCOME = "outcome"      # UnknownOutcome on a write (it may have been applied), TransientError on a read

MOSCOW = dt.timezone(dt.timedelta(hours=3), "MSK")


@dataclass(frozen=True)
class ErrorRule:
    kind: str
    meaning: str
    retry_after: float | None = None
    hint: str = ""


REAUTH = "Reconnect the VK account with a fresh user access token."
HUMAN_HINT = ("VK wants a person to confirm the account: log in to vk.com as the community admin, "
              "complete the check, then reconnect the account.")

ERROR_TABLE: dict[int, ErrorRule] = {
    1: ErrorRule(TRANSIENT, "Unknown error occurred"),
    2: ErrorRule(AUTH, "Application is disabled",
                 hint="Enable the VK app (or its test mode) in the VK app settings."),
    3: ErrorRule(REJECT, "Unknown method passed",
                 hint="The plugin and the VK API version disagree; update smmflow-vk."),
    4: ErrorRule(AUTH, "Incorrect signature", hint=REAUTH),
    5: ErrorRule(AUTH, "User authorization failed", hint=REAUTH),
    6: ErrorRule(TRANSIENT, "Too many requests per second"),
    7: ErrorRule(AUTH, "Permission to perform this action is denied",
                 hint="The token lacks a right; reconnect granting wall, photos, groups, stats, offline."),
    8: ErrorRule(REJECT, "Invalid request"),
    9: ErrorRule(RATE, "Flood control (too many identical actions)", retry_after=3600),
    10: ErrorRule(TRANSIENT, "Internal server error"),
    11: ErrorRule(AUTH, "In test mode application should be disabled or user should be authorized",
                  hint=REAUTH),
    12: ErrorRule(REJECT, "Unable to compile code"),
    13: ErrorRule(REJECT, "Runtime error occurred during code invocation"),
    14: ErrorRule(HUMAN, "Captcha needed", hint=HUMAN_HINT),
    15: ErrorRule(REJECT, "Access denied",
                  hint="The account may not act on this object (check the admin rights in the community)."),
    16: ErrorRule(AUTH, "HTTP authorization failed", hint=REAUTH),
    17: ErrorRule(HUMAN, "Validation required", hint=HUMAN_HINT),
    18: ErrorRule(AUTH, "User was deleted or banned",
                  hint="The token's user is deleted or banned; connect another admin of the community."),
    19: ErrorRule(REJECT, "Content blocked"),
    20: ErrorRule(AUTH, "Permission denied for non-standalone applications",
                  hint="Use a token of a standalone VK app."),
    21: ErrorRule(AUTH, "Permission allowed only for standalone and OpenAPI applications",
                  hint="Use a token of a standalone VK app."),
    22: ErrorRule(TRANSIENT, "Upload error"),
    23: ErrorRule(REJECT, "This method was disabled"),
    24: ErrorRule(HUMAN, "Confirmation required", hint=HUMAN_HINT),
    25: ErrorRule(HUMAN, "Token confirmation required", hint=HUMAN_HINT),
    27: ErrorRule(AUTH, "Group authorization failed", hint=REAUTH),
    28: ErrorRule(AUTH, "Application authorization failed", hint=REAUTH),
    29: ErrorRule(RATE_DAY, "Rate limit reached (daily method quota)"),
    30: ErrorRule(REJECT, "This profile is private"),
    32: ErrorRule(RATE, "Need wait", retry_after=60),
    33: ErrorRule(REJECT, "Not implemented yet"),
    34: ErrorRule(REJECT, "Client version deprecated", hint="Update smmflow-vk."),
    35: ErrorRule(REJECT, "Client update needed", hint="Update smmflow-vk."),
    36: ErrorRule(OUTCOME, "Method execution was interrupted due to timeout"),
    37: ErrorRule(AUTH, "User was banned",
                  hint="The token's user is banned; connect another admin of the community."),
    38: ErrorRule(AUTH, "Unknown application", hint=REAUTH),
    39: ErrorRule(REJECT, "Unknown user"),
    40: ErrorRule(AUTH, "Unknown group",
                  hint="Check the community id (group_id) in the account's credentials."),
    41: ErrorRule(HUMAN, "Additional signup required", hint=HUMAN_HINT),
    42: ErrorRule(AUTH, "IP is not allowed",
                  hint="Allow the worker's IP address in the VK app settings."),
    43: ErrorRule(TRANSIENT, "This section is temporary unavailable"),
    100: ErrorRule(REJECT, "One of the parameters specified was missing or invalid"),
    101: ErrorRule(AUTH, "Invalid application API ID", hint=REAUTH),
    103: ErrorRule(REJECT, "Out of limits"),
    104: ErrorRule(REJECT, "Not found"),
    105: ErrorRule(TRANSIENT, "Couldn't save file"),
    106: ErrorRule(TRANSIENT, "Unable to process action"),
    113: ErrorRule(REJECT, "Invalid user id"),
    114: ErrorRule(REJECT, "Invalid album id"),
    118: ErrorRule(TRANSIENT, "Invalid server (photo upload expired; uploaded again on retry)"),
    119: ErrorRule(REJECT, "Invalid title"),
    121: ErrorRule(TRANSIENT, "Invalid hash (photo upload expired; uploaded again on retry)"),
    122: ErrorRule(REJECT, "Invalid photos"),
    125: ErrorRule(AUTH, "Invalid group id",
                   hint="Check the community id (group_id) in the account's credentials."),
    129: ErrorRule(REJECT, "Invalid photo", hint="VK refused the image file; export it again as JPG or PNG."),
    140: ErrorRule(REJECT, "Page not found"),
    141: ErrorRule(REJECT, "Access to page denied"),
    150: ErrorRule(REJECT, "Invalid timestamp", hint="Check the publish_date option."),
    183: ErrorRule(REJECT, "Access to comment denied"),
    200: ErrorRule(REJECT, "Access denied (album)"),
    201: ErrorRule(REJECT, "Access denied (audio)"),
    203: ErrorRule(REJECT, "Access to group denied",
                   hint="The token's user must be an admin or editor of the community."),
    204: ErrorRule(REJECT, "Access denied (video)"),
    205: ErrorRule(REJECT, "Access denied (market)"),
    210: ErrorRule(REJECT, "Access to wall's post denied"),
    211: ErrorRule(REJECT, "Access to wall's comment denied"),
    212: ErrorRule(REJECT, "Access to post comments denied"),
    213: ErrorRule(REJECT, "Access to status replies denied"),
    214: ErrorRule(REJECT, "Access to adding post denied",
                   hint="No right to post, the community's daily post limit is reached, or another "
                        "scheduled post already takes that time."),
    219: ErrorRule(REJECT, "Advertisement post was recently added"),
    220: ErrorRule(REJECT, "Too many recipients"),
    221: ErrorRule(REJECT, "User disabled track name broadcast"),
    222: ErrorRule(REJECT, "Hyperlinks are forbidden", hint="Remove the links from the text."),
    223: ErrorRule(RATE, "Too many replies", retry_after=3600),
    224: ErrorRule(REJECT, "Too many ads posts"),
    225: ErrorRule(REJECT, "Donut is disabled"),
    232: ErrorRule(REJECT, "Reaction can not be applied to the object"),
    243: ErrorRule(REJECT, "Comment has not been deleted"),
    250: ErrorRule(REJECT, "Access to poll denied"),
    251: ErrorRule(REJECT, "Invalid poll id"),
    252: ErrorRule(REJECT, "Invalid answer id"),
    253: ErrorRule(REJECT, "Access denied, please vote first"),
    260: ErrorRule(REJECT, "Access to the groups list is denied due to the user's privacy settings"),
    300: ErrorRule(REJECT, "This album is full", hint="Clean up the community's wall photo album."),
    302: ErrorRule(REJECT, "Albums number limit is reached"),
    500: ErrorRule(REJECT, "Permission denied: votes processing disabled"),
    600: ErrorRule(REJECT, "Permission denied for the given ads objects"),
    601: ErrorRule(RATE_DAY, "Too many actions this day"),
    603: ErrorRule(REJECT, "Some ads error occurs"),
    703: ErrorRule(HUMAN, "You need to enable 2FA for this action",
                   hint="Enable two-factor authentication for the token's VK user, then reconnect."),
    704: ErrorRule(HUMAN, "User needs to enable 2FA for this action",
                   hint="Enable two-factor authentication for the token's VK user, then reconnect."),
    1105: ErrorRule(RATE, "Too many auth attempts", retry_after=3600),
    1114: ErrorRule(AUTH, "Anonymous token has expired", hint=REAUTH),
    1116: ErrorRule(AUTH, "Anonymous token is invalid", hint=REAUTH),
    1117: ErrorRule(AUTH, "Access token has expired", hint=REAUTH),
    1118: ErrorRule(AUTH, "Anonymous token ip mismatch", hint=REAUTH),
    1160: ErrorRule(REJECT, "Original photo was changed"),
    3300: ErrorRule(HUMAN, "Recaptcha needed", hint=HUMAN_HINT),
    3301: ErrorRule(HUMAN, "Phone validation needed", hint=HUMAN_HINT),
    3302: ErrorRule(HUMAN, "Password validation needed", hint=HUMAN_HINT),
    3303: ErrorRule(HUMAN, "Otp app validation needed", hint=HUMAN_HINT),
    3304: ErrorRule(HUMAN, "Email confirmation needed", hint=HUMAN_HINT),
    3609: ErrorRule(AUTH, "Token extension required", hint=REAUTH),
    3610: ErrorRule(AUTH, "User is deactivated",
                    hint="The token's user is deactivated; connect another admin of the community."),
    3611: ErrorRule(AUTH, "Service is deactivated for user", hint=REAUTH),
    9999: ErrorRule(REJECT, "Not supported http method"),
    11500: ErrorRule(HUMAN, "CheckUserAction confirmation required", hint=HUMAN_HINT),
}

# (code, error_subcode) pairs that refine a code.
SUBCODE_TABLE: dict[tuple[int, int], ErrorRule] = {
    (15, 1133): ErrorRule(AUTH, "Access denied: method permission denied",
                          hint="The token may not call this method (wall.post needs the `wall` right, "
                               "which VK grants on request); reconnect with a token that has it."),
    (15, 1134): ErrorRule(AUTH, "Access denied: app type permission denied",
                          hint="This VK app type may not call the method; use a standalone app's token."),
}

DEFAULT_RULE = ErrorRule(REJECT, "Not mapped by smmflow-vk (treated as permanent)")


def rule_for(code: int, subcode: int | None = None) -> ErrorRule:
    """The rule for a VK error code (and optional ``error_subcode``)."""
    if subcode is not None and (code, subcode) in SUBCODE_TABLE:
        return SUBCODE_TABLE[(code, subcode)]
    return ERROR_TABLE.get(code, DEFAULT_RULE)


def seconds_until_moscow_midnight(now: dt.datetime) -> float:
    """Seconds from ``now`` to the next 00:00 Moscow time, plus a minute of margin."""
    local = now.astimezone(MOSCOW)
    midnight = (local + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(600.0, (midnight - local).total_seconds() + 60.0)


def to_platform_error(error: dict[str, object], *, method: str, write: bool,
                      now: dt.datetime, redact: tuple[str, ...] = ()) -> PlatformError:
    """The smmflow error for a VK ``error`` object; the message never carries a credential."""
    try:
        code = int(error.get("error_code", 0))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        code = 0
    raw_sub = error.get("error_subcode")
    subcode = int(raw_sub) if isinstance(raw_sub, int | str) and str(raw_sub).isdigit() else None
    rule = rule_for(code, subcode)
    text = str(error.get("error_msg") or rule.meaning)
    for secret in redact:
        if secret:
            text = text.replace(secret, "[redacted]")
    message = f"VK error {code} in {method}: {text}"
    if rule.hint:
        message = f"{message}. {rule.hint}"
    platform_code = str(code) if subcode is None else f"{code}.{subcode}"
    if rule.kind in (AUTH, HUMAN):
        return AuthExpired(message, platform_code=platform_code)
    if rule.kind == TRANSIENT:
        return TransientError(message, platform_code=platform_code)
    if rule.kind == RATE:
        return RateLimited(message, retry_after=rule.retry_after or 60.0, platform_code=platform_code)
    if rule.kind == RATE_DAY:
        return RateLimited(message, retry_after=seconds_until_moscow_midnight(now),
                           platform_code=platform_code)
    if rule.kind == OUTCOME:
        if write:
            return UnknownOutcome(message, platform_code=platform_code)
        return TransientError(message, platform_code=platform_code)
    return ContentRejected(message, platform_code=platform_code)
