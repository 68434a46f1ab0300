"""YouTube Data API quota accounting: costs, the daily ledger and the Pacific-midnight reset.

A Google Cloud project gets, per day, 100 ``videos.insert`` calls (their own
bucket), 100 ``search.list`` calls and 10,000 units for every other method;
every request costs, even an invalid one; the counters reset at midnight
America/Los_Angeles. The plugin charges a call *before* sending it and refuses
(``RateLimited`` until the reset) when the charge would go over the limit, so
the core reschedules the work instead of burning requests on 403 answers.

Competitor reads (one ``channels.list`` of 1 unit per competitor and
collection, hourly by default: 24 units a day each) are charged to the shared
pool like any call, and also to a daily sub-allowance of their own,
``YOUTUBE_DAILY_COMPETITOR_UNITS`` (default 1,000 units, a tenth of the pool):
many competitors can then never eat the units that moderation (50 per call)
and the rest need. Past it, competitor reads are refused until the reset.

Usage lives in Redis when ``YOUTUBE_QUOTA_REDIS_URL`` is set (shared by every
worker process); otherwise in a dict of the Platform instance, which only
counts the calls of one process (see the README).
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from smmflow.plugin_api import RateLimited, TransientError

PACIFIC = ZoneInfo("America/Los_Angeles")

UNITS = "units"          # the shared pool of 10,000 units/day
UPLOADS = "uploads"      # the videos.insert bucket of 100 calls/day
COMPETITORS = "competitors"  # our own cap on the pool units spent reading competitors

# method -> (bucket, cost); upload chunks and status queries belong to videos.insert.
COSTS: dict[str, tuple[str, int]] = {
    "videos.insert": (UPLOADS, 1),
    "videos.list": (UNITS, 1),
    "videos.delete": (UNITS, 50),
    "channels.list": (UNITS, 1),          # own channel, and competitors (also in COMPETITORS)
    "playlistItems.list": (UNITS, 1),
    "commentThreads.list": (UNITS, 1),
    "comments.list": (UNITS, 1),
    "comments.insert": (UNITS, 50),
    "comments.setModerationStatus": (UNITS, 50),
}


def pacific_day(now: dt.datetime) -> str:
    """The quota day (``YYYY-MM-DD`` in Pacific time) that ``now`` (aware) falls in."""
    return now.astimezone(PACIFIC).date().isoformat()


def seconds_until_reset(now: dt.datetime) -> float:
    """Seconds from ``now`` (aware) to the next midnight America/Los_Angeles."""
    local = now.astimezone(PACIFIC)
    next_day = local.date() + dt.timedelta(days=1)
    midnight = dt.datetime.combine(next_day, dt.time(0), tzinfo=PACIFIC)
    return max(1.0, (midnight - now).total_seconds())


class Ledger(Protocol):
    """Where daily usage is counted; ``reserve`` is an atomic check-and-add."""

    def reserve(self, key: str, cost: int, limit: int) -> int | None:
        """Add ``cost`` and return the new usage, or None (nothing added) if over ``limit``."""

    def exhaust(self, key: str, limit: int) -> None:
        """Mark the bucket as used up (the API said so)."""

    def used(self, key: str) -> int: ...


class MemoryLedger:
    """Usage in this process only (tests, single-process setups)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._usage: dict[str, int] = {}

    def reserve(self, key: str, cost: int, limit: int) -> int | None:
        with self._lock:
            used = self._usage.get(key, 0)
            if used + cost > limit:
                return None
            self._usage[key] = used + cost
            return used + cost

    def exhaust(self, key: str, limit: int) -> None:
        with self._lock:
            self._usage[key] = max(limit, self._usage.get(key, 0))

    def used(self, key: str) -> int:
        with self._lock:
            return self._usage.get(key, 0)


_RESERVE_LUA = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local cost = tonumber(ARGV[1])
if used + cost > tonumber(ARGV[2]) then return -1 end
used = redis.call('INCRBY', KEYS[1], cost)
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[3]))
return used
"""

_EXHAUST_LUA = """
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1
"""

_KEY_TTL = 3 * 24 * 3600


class RedisLedger:
    """Usage shared by every worker through Redis (one key per project, bucket and day)."""

    def __init__(self, url: str) -> None:
        import redis

        self._client: Any = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self._reserve = self._client.register_script(_RESERVE_LUA)
        self._exhaust = self._client.register_script(_EXHAUST_LUA)

    def reserve(self, key: str, cost: int, limit: int) -> int | None:
        result = int(self._run(self._reserve, key, cost, limit, _KEY_TTL))
        return None if result < 0 else result

    def exhaust(self, key: str, limit: int) -> None:
        self._run(self._exhaust, key, limit, _KEY_TTL)

    def used(self, key: str) -> int:
        try:
            return int(self._client.get(key) or 0)
        except Exception as exc:
            raise TransientError(f"YouTube quota ledger (Redis) unavailable: {type(exc).__name__}") from exc

    @staticmethod
    def _run(script: Any, key: str, *args: int) -> Any:
        try:
            return script(keys=[key], args=list(args))
        except Exception as exc:
            raise TransientError(f"YouTube quota ledger (Redis) unavailable: {type(exc).__name__}") from exc


@dataclass(frozen=True)
class QuotaLimits:
    units_per_day: int = 10_000
    uploads_per_day: int = 100
    competitor_units_per_day: int = 1_000

    def limit(self, bucket: str) -> int:
        if bucket == COMPETITORS:
            return self.competitor_units_per_day
        return self.uploads_per_day if bucket == UPLOADS else self.units_per_day


class Quota:
    """The quota of one Google Cloud project, charged call by call."""

    def __init__(self, ledger: Ledger, project: str, limits: QuotaLimits,
                 clock: Callable[[], dt.datetime]) -> None:
        self.ledger = ledger
        self.project = project
        self.limits = limits
        self.clock = clock

    def key(self, bucket: str, now: dt.datetime | None = None) -> str:
        return f"smmflow:youtube:quota:{self.project}:{bucket}:{pacific_day(now or self.clock())}"

    def charge(self, method: str) -> None:
        """Count one call of ``method``; refuse it if the day's quota would be exceeded."""
        bucket, cost = COSTS[method]
        now = self.clock()
        limit = self.limits.limit(bucket)
        if self.ledger.reserve(self.key(bucket, now), cost, limit) is None:
            raise self._refusal(method, bucket, now)

    def charge_competitor_read(self, method: str = "channels.list") -> None:
        """Count a competitor read in its own daily allowance (the pool is charged by the call)."""
        _, cost = COSTS[method]
        now = self.clock()
        if self.ledger.reserve(self.key(COMPETITORS, now), cost, self.limits.limit(COMPETITORS)) is None:
            raise self._refusal(method, COMPETITORS, now)

    def exhaust(self, method: str) -> RateLimited:
        """The API answered quotaExceeded: remember it until the reset; returns the error to raise."""
        bucket, _ = COSTS.get(method, (UNITS, 1))
        now = self.clock()
        self.ledger.exhaust(self.key(bucket, now), self.limits.limit(bucket))
        return self._refusal(method, bucket, now, answered=True)

    def used(self, bucket: str) -> int:
        return self.ledger.used(self.key(bucket))

    def _refusal(self, method: str, bucket: str, now: dt.datetime, *,
                 answered: bool = False) -> RateLimited:
        wait = seconds_until_reset(now)
        what = {UPLOADS: "the daily videos.insert allowance",
                COMPETITORS: "the daily units allowed for competitor reads "
                             "(SMMFLOW_YOUTUBE_DAILY_COMPETITOR_UNITS)"}.get(
            bucket, "the daily quota of API units")
        why = "YouTube answered quotaExceeded" if answered else (
            f"{method} would exceed {what} ({self.ledger.used(self.key(bucket, now))} of "
            f"{self.limits.limit(bucket)} used)")
        return RateLimited(f"YouTube quota: {why}; retrying after midnight Pacific time "
                           f"(in {wait / 3600:.1f} h).", retry_after=wait,
                           platform_code="quotaExceeded")
