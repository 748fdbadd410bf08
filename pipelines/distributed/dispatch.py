"""``newsarchive schedule --redis``: what is due goes on the Redis queue, for the workers, instead of being
crawled.

What is due is decided exactly as without Redis (``pipelines.schedule.due.due_sources`` over the merged
archive's ``crawl_runs``). Then a due source is not queued again while it is waiting, claimed or leased (being
crawled), nor when a worker claimed it since the archive's last run of it and, counted from that claim, it is
not due yet: its crawl is in a shard that has not been merged yet.

A source crawled by several workers together (``--shared KEY=N``) is queued as N entries (``KEY#1`` ...
``KEY#N``), after its scrapy-redis frontier of the previous round is cleared: each round starts from the list
pages, and the fingerprint set keeps any page from being fetched twice in it.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlite_utils

from pipelines.distributed.keys import slot_entries
from pipelines.distributed.queue import SourceQueue
from pipelines.schedule.due import due_sources, early_tolerance, next_due, parse_time
from pipelines.sources import Source

log = logging.getLogger("newsarchive.schedule")


@dataclass
class Dispatched:
    queued: list[str] = field(default_factory=list)  # entries put on the queue
    busy: list[str] = field(default_factory=list)  # due, but waiting or being crawled already
    unmerged: list[str] = field(default_factory=list)  # crawled by a worker since; not due from that crawl
    requeued: list[str] = field(default_factory=list)  # claims whose worker died, queued again


def frontier_keys(queue: SourceQueue, source: str) -> list[str]:
    """The scrapy-redis request queue and fingerprint set of a shared source (crawler.redis_addon)."""
    prefix = queue.keys.frontier(source)
    return [f"{prefix}:requests", f"{prefix}:dupefilter"]


def dispatch_due(
    db: sqlite_utils.Database,
    sources: dict[str, Source],
    queue: SourceQueue,
    *,
    shared: dict[str, int] | None = None,
    now: datetime | None = None,
) -> Dispatched:
    """Put the sources due now on the queue (longest overdue first); returns what was done."""
    now = now or datetime.now(UTC)
    shared = shared or {}
    result = Dispatched()
    result.requeued = queue.requeue_lapsed()  # claims of dead workers: queued again, not "busy" forever
    claimed = queue.last_claimed()
    for due in due_sources(db, sources, now):
        source = sources[due.key]
        entries = slot_entries(due.key, shared.get(due.key, 1))
        if any(queue.busy(entry) for entry in entries):
            result.busy.append(due.key)
            continue
        last_claim = parse_time(claimed[due.key]) if due.key in claimed else None
        crawled_since = last_claim is not None and (due.last_started is None or last_claim > due.last_started)
        if crawled_since and next_due(source, last_claim, now) > now + early_tolerance(source, now):
            result.unmerged.append(due.key)
            continue
        if len(entries) > 1:
            queue.redis.delete(*frontier_keys(queue, due.key))
        result.queued += queue.add({entry: due.due_at.timestamp() for entry in entries})
    return result


def run_dispatcher(
    db_path: str,
    sources: dict[str, Source],
    queue: SourceQueue,
    *,
    shared: dict[str, int] | None = None,
    every: float = 30.0,
    once: bool = False,
    stop: threading.Event | None = None,
) -> list[Dispatched]:
    """Dispatch what is due now, then every ``every`` seconds until ``stop`` is set (or once)."""
    from pipelines.archive.schema import open_archive

    stop = stop or threading.Event()
    rounds = []
    while True:
        db = open_archive(db_path)
        try:
            done = dispatch_due(db, sources, queue, shared=shared)
        finally:
            db.close()
        rounds.append(done)
        if done.requeued:
            log.warning("leases lapsed (their worker died), queued again: %s", ", ".join(done.requeued))
        if done.queued:
            log.info("queued: %s", ", ".join(done.queued))
        elif not (done.busy or done.unmerged):
            log.info("nothing is due")
        if done.busy:
            log.info("due, but waiting or being crawled: %s", ", ".join(done.busy))
        if done.unmerged:
            log.info("crawled by a worker since the last merge, not due yet: %s", ", ".join(done.unmerged))
        if once or stop.wait(every):
            return rounds
