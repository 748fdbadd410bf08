"""Every Redis key newsarchive uses, under one prefix (``--redis-prefix``), so several archives can share a
Redis server and a test can see what is there."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_PREFIX = "newsarchive"
SLOT_SEPARATOR = "#"  # "key#2": the second slot of a source crawled by several workers together


@dataclass(frozen=True)
class RedisKeys:
    prefix: str = DEFAULT_PREFIX

    @property
    def queue(self) -> str:
        """Sorted set: entries (a source key, or ``key#slot``) due, scored by when they were due."""
        return f"{self.prefix}:queue"

    @property
    def claims(self) -> str:
        """Hash: entry -> the worker crawling it. An entry whose lease lapsed goes back on the queue."""
        return f"{self.prefix}:claims"

    @property
    def lease_prefix(self) -> str:
        return f"{self.prefix}:lease:"

    def lease(self, entry: str) -> str:
        """String: the token of the worker holding the entry, expiring unless renewed."""
        return self.lease_prefix + entry

    @property
    def last_claimed(self) -> str:
        """Hash: source key -> when a worker last started crawling it (ISO, UTC), until a merge shows it."""
        return f"{self.prefix}:last-claimed"

    @property
    def known(self) -> str:
        """Set: every key (canonical URL, fetched URL) of an article some worker stored."""
        return f"{self.prefix}:known"

    def frontier(self, source: str) -> str:
        """Prefix of a shared source's scrapy-redis request queue and fingerprint set."""
        return f"{self.prefix}:frontier:{source}"


def entry_source(entry: str) -> str:
    """The source key of a queue entry (``key`` or ``key#slot``)."""
    return entry.split(SLOT_SEPARATOR, 1)[0]


def slot_entries(source: str, slots: int) -> list[str]:
    """The queue entries of one crawl of a source: the key itself, or one per worker that shares it."""
    if slots <= 1:
        return [source]
    return [f"{source}{SLOT_SEPARATOR}{i}" for i in range(1, slots + 1)]
