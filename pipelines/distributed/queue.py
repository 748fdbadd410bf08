"""The queue of due sources in Redis, and the claims workers hold on them.

``schedule --redis`` adds entries (``ZADD NX``: an entry already waiting is not added twice). A worker claims
the first entry whose lease it can take, atomically (a script: pop, ``SET NX PX`` the lease, record the
claim), so a worker that dies between the two leaves no entry half-claimed. An entry whose lease is held is
dropped from the queue: its source is being crawled right now, and the scheduler adds it again when it is next
due. Workers (before each claim) and the scheduler (each round) give back the claims whose lease lapsed
(``requeue_lapsed``): a dead worker's source is queued again, first in line, within the lease's ttl plus a
poll interval, and the next free worker takes it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from pipelines.distributed.keys import RedisKeys, entry_source
from pipelines.distributed.locks import Lease, new_token

# KEYS[1] = queue, KEYS[2] = claims;
# ARGV[1] = lease prefix, ARGV[2] = token, ARGV[3] = ttl ms, ARGV[4] = worker
_CLAIM = """
while true do
    local first = redis.call('ZRANGE', KEYS[1], 0, 0)
    if #first == 0 then return false end
    local entry = first[1]
    redis.call('ZREM', KEYS[1], entry)
    if redis.call('SET', ARGV[1] .. entry, ARGV[2], 'NX', 'PX', ARGV[3]) then
        redis.call('HSET', KEYS[2], entry, ARGV[4])
        return entry
    end
end
"""
# KEYS[1] = queue, KEYS[2] = claims; ARGV[1] = lease prefix, ARGV[2] = score
_REQUEUE_LAPSED = """
local back = {}
local claims = redis.call('HKEYS', KEYS[2])
for _, entry in ipairs(claims) do
    if redis.call('EXISTS', ARGV[1] .. entry) == 0 then
        redis.call('HDEL', KEYS[2], entry)
        redis.call('ZADD', KEYS[1], 'NX', ARGV[2], entry)
        table.insert(back, entry)
    end
end
return back
"""


@dataclass(frozen=True)
class Claim:
    entry: str
    lease: Lease

    @property
    def source(self) -> str:
        return entry_source(self.entry)


class SourceQueue:
    def __init__(self, redis: Any, keys: RedisKeys | None = None) -> None:
        self.redis = redis
        self.keys = keys or RedisKeys()
        self._claim = redis.register_script(_CLAIM)
        self._requeue = redis.register_script(_REQUEUE_LAPSED)

    def add(self, entries: dict[str, float]) -> list[str]:
        """Put entries on the queue, scored (when they were due, seconds since the epoch); returns those
        that were not waiting already."""
        added = []
        for entry, score in entries.items():
            if self.redis.zadd(self.keys.queue, {entry: score}, nx=True):
                added.append(entry)
        return added

    def waiting(self) -> list[str]:
        return list(self.redis.zrange(self.keys.queue, 0, -1))

    def claimed(self) -> dict[str, str]:
        """Entries being crawled -> the worker crawling them."""
        return dict(self.redis.hgetall(self.keys.claims))

    def busy(self, entry: str) -> bool:
        """Waiting, claimed or leased."""
        return (
            self.redis.zscore(self.keys.queue, entry) is not None
            or bool(self.redis.hexists(self.keys.claims, entry))
            or bool(self.redis.exists(self.keys.lease(entry)))
        )

    def claim(self, worker: str, ttl_ms: int) -> Claim | None:
        """The first waiting entry whose lease this worker took, or None when none is waiting."""
        token = new_token(worker)
        entry = self._claim(
            keys=[self.keys.queue, self.keys.claims], args=[self.keys.lease_prefix, token, ttl_ms, worker]
        )
        if entry is None:
            return None
        return Claim(entry, Lease(self.redis, self.keys.lease(entry), token, ttl_ms))

    def release(self, claim: Claim) -> bool:
        return claim.lease.release(self.keys.claims, claim.entry)

    def requeue_lapsed(self) -> list[str]:
        """Claims whose lease lapsed (their worker died) back to the front of the queue; returns them."""
        return list(self._requeue(keys=[self.keys.queue, self.keys.claims], args=[self.keys.lease_prefix, 0]))

    def idle(self) -> bool:
        """Nothing waiting and nothing claimed."""
        return not self.redis.zcard(self.keys.queue) and not self.redis.hlen(self.keys.claims)

    def note_claimed(self, source: str, when: str) -> None:
        self.redis.hset(self.keys.last_claimed, source, when)

    def last_claimed(self) -> dict[str, str]:
        return dict(self.redis.hgetall(self.keys.last_claimed))


def wait_until_idle(queue: SourceQueue, timeout: float, poll: float = 0.2) -> bool:
    """For tests and benchmarks: True once the queue is empty and no entry is claimed."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if queue.idle():
            return True
        time.sleep(poll)
    return queue.idle()
