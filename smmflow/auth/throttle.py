"""Login attempt limiting (the ``limits`` library; memory or Redis storage)."""

from __future__ import annotations

import math
import time

from limits import parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from smmflow.errors import TooManyRequests


class LoginThrottle:
    """Counts login attempts per remote address and e-mail."""

    def __init__(self, rule: str, storage_url: str) -> None:
        self._item = parse(rule)
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_url))

    def hit(self, remote_addr: str | None, email: str) -> None:
        """Count one attempt; raise 429 with ``Retry-After`` when over the limit."""
        keys = (f"login:{remote_addr}:{email.lower()}", f"login-ip:{remote_addr}")
        for key in keys[:1]:
            if not self._limiter.hit(self._item, key):
                reset = self._limiter.get_window_stats(self._item, key).reset_time
                wait = max(1, math.ceil(reset - time.time()))
                raise TooManyRequests(
                    f"Too many login attempts; try again in {wait} s.",
                    details={"retry_after": wait}, headers={"Retry-After": str(wait)},
                )
