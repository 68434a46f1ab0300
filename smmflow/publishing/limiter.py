"""Per-account concurrency across every worker process: leases in Redis.

``Platform.max_concurrency_per_account`` bounds the calls in flight for one
social account (networks rate-limit per account or chat). A call takes a
lease, a member of the sorted set ``smmflow:account-slots:<account id>``
scored by its expiry; the Lua script drops expired leases and grants one only
while fewer than the limit are held. A lease expires on its own, so a killed
worker frees its slots after ``lease_seconds``; the job holding a lease renews
it with its heartbeat while the call runs.
"""

from __future__ import annotations

from collections.abc import Sequence

import redis

KEY = "smmflow:account-slots:{}"

_ACQUIRE = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', t)
if redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[1]) then
  redis.call('ZADD', KEYS[1], t + tonumber(ARGV[2]), ARGV[3])
  redis.call('EXPIRE', KEYS[1], math.ceil(tonumber(ARGV[2])) + 1)
  return 1
end
return 0
"""

_RENEW = """
local now = redis.call('TIME')
local t = tonumber(now[1]) + tonumber(now[2]) / 1000000
return redis.call('ZADD', KEYS[1], 'XX', 'CH', t + tonumber(ARGV[1]), ARGV[2])
"""


class AccountLimiter:
    """Grant and release per-account call slots shared by every process."""

    def __init__(self, conn: redis.Redis, lease_seconds: float) -> None:
        self.conn = conn
        self.lease_seconds = lease_seconds
        self._acquire = conn.register_script(_ACQUIRE)
        self._renew = conn.register_script(_RENEW)

    def acquire_many(self, wanted: Sequence[tuple[int, int, str]]) -> list[bool]:
        """For each ``(account_id, limit, token)``: True when a slot was granted."""
        if not wanted:
            return []
        with self.conn.pipeline(transaction=False) as pipe:
            for account_id, limit, token in wanted:
                self._acquire(keys=[KEY.format(account_id)],
                              args=[limit, self.lease_seconds, token], client=pipe)
            return [bool(r) for r in pipe.execute()]

    def renew_many(self, held: Sequence[tuple[int, str]]) -> None:
        """Extend the leases ``(account_id, token)`` still held by ``lease_seconds``."""
        if not held:
            return
        with self.conn.pipeline(transaction=False) as pipe:
            for account_id, token in held:
                self._renew(keys=[KEY.format(account_id)], args=[self.lease_seconds, token],
                            client=pipe)
            pipe.execute()

    def release_many(self, held: Sequence[tuple[int, str]]) -> None:
        """Give back the slots ``(account_id, token)``."""
        if not held:
            return
        with self.conn.pipeline(transaction=False) as pipe:
            for account_id, token in held:
                pipe.zrem(KEY.format(account_id), token)
            pipe.execute()
