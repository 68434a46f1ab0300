"""The signature of an outbound webhook request, and how a receiver checks it.

``X-Smmflow-Signature: sha256=<hex>`` is the HMAC-SHA256, keyed with the
subscription's secret, of ``<X-Smmflow-Timestamp>.<raw body>``. Signing the
timestamp lets a receiver refuse replays of old requests::

    expected = "sha256=" + hmac.new(secret.encode(), f"{ts}.".encode() + body,
                                    hashlib.sha256).hexdigest()
    ok = hmac.compare_digest(expected, header) and abs(time.time() - int(ts)) < 300
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

PREFIX = "whsec_"


def new_secret() -> str:
    """A fresh signing secret (shown once to the owner, stored encrypted)."""
    return PREFIX + secrets.token_urlsafe(32)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return "sha256=" + digest.hexdigest()


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, now: float,
           tolerance: float = 300.0) -> bool:
    """True when ``signature`` is ours for this body and the timestamp is recent."""
    try:
        stamp = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs(now - stamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, stamp, body), signature or "")
