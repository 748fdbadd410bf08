"""A per-source lease in Redis: ``SET key token NX PX ttl``, renewed while a crawl runs, then released.

A worker that dies (``kill -9``, a lost machine) stops renewing: its lease lapses after at most ``ttl`` and
the source can be claimed again. Renewal and release only touch the lease while it still holds this worker's
token (checked inside Redis by a script), so a worker that stalled past its lease never frees a source that
another worker has taken over since.
"""

from __future__ import annotations

import uuid
from typing import Any

# KEYS[1] = the lease, ARGV[1] = token, ARGV[2] = ttl ms
_RENEW = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
# KEYS[1] = the lease, KEYS[2] = claims hash, ARGV[1] = token, ARGV[2] = entry
_RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
    redis.call('DEL', KEYS[1])
    redis.call('HDEL', KEYS[2], ARGV[2])
    return 1
end
return 0
"""


def new_token(worker: str) -> str:
    return f"{worker}:{uuid.uuid4().hex}"


class Lease:
    """The lease of one queue entry, held with ``token``."""

    def __init__(self, redis: Any, key: str, token: str, ttl_ms: int) -> None:
        self.redis, self.key, self.token, self.ttl_ms = redis, key, token, ttl_ms
        self._renew = redis.register_script(_RENEW)
        self._release = redis.register_script(_RELEASE)

    def acquire(self) -> bool:
        return bool(self.redis.set(self.key, self.token, nx=True, px=self.ttl_ms))

    def renew(self) -> bool:
        """Extend the lease by its ttl; False when it is no longer ours (it lapsed and was taken)."""
        return bool(self._renew(keys=[self.key], args=[self.token, self.ttl_ms]))

    def release(self, claims: str, entry: str) -> bool:
        """Free the lease and the claim, if still ours."""
        return bool(self._release(keys=[self.key, claims], args=[self.token, entry]))

    def held(self) -> bool:
        return self.redis.get(self.key) == self.token
