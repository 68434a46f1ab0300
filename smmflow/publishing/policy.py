"""When a failed publish attempt is tried again: exponential backoff with jitter.

The n-th attempt of a target that failed transiently waits
``backoff_seconds * 2**(n-1)`` (at most :data:`MAX_DELAY`), plus up to 25 %
random jitter so targets that failed together do not return together. A
network's ``Retry-After`` is a floor: the wait is never shorter. After
``max_attempts`` attempts the target fails for good, with the last error.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from smmflow.config import Settings

MAX_DELAY = 3600.0
JITTER = 0.25


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    backoff_seconds: float

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        return cls(max_attempts=settings.publish_max_attempts,
                   backoff_seconds=settings.publish_backoff_seconds)

    def gives_up(self, attempts: int) -> bool:
        """True when ``attempts`` attempts were made and no more are allowed."""
        return attempts >= self.max_attempts

    def delay(self, attempt: int, retry_after: float | None = None,
              rng: random.Random | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based)."""
        base = min(MAX_DELAY, self.backoff_seconds * 2 ** max(0, attempt - 1))
        floor = max(base, float(retry_after or 0.0))
        return floor + (rng or random).uniform(0.0, JITTER * floor)
