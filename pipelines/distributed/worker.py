"""The loop of ``newsarchive worker``: claim a due source from Redis, crawl it into the worker's shard, again.

Each crawl is a child process, ``python -m crawler crawl KEY --db SHARD`` (Twisted's reactor runs once per
process, and the child's exit frees its memory), started through ``pipelines.distributed.child`` so it dies
with the worker. While it runs, the worker renews the source's lease (a third of its ttl at a time) and adds
the shard's new article keys to the shared set. A lost lease (the worker stalled past its ttl and another took
the source) stops the crawl. On SIGTERM or SIGINT no new crawl starts and the running one is asked to stop
(SIGTERM: Scrapy finishes the item in hand); its lease is released, so another worker may go on at once.

Settings reach the crawl as ``-s``: the Scrapy add-on ``crawler.redis_addon.RedisAddon`` with the Redis URL
and prefix (known articles through Redis), and for a source shared by several workers its scrapy-redis
frontier.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pipelines.distributed.keys import SLOT_SEPARATOR, RedisKeys
from pipelines.distributed.known import KnownPublisher
from pipelines.distributed.queue import Claim, SourceQueue
from pipelines.schedule.command_line import crawl_flags
from pipelines.schedule.signals import stop_on_signals

log = logging.getLogger("newsarchive.worker")

ADDON = "crawler.redis_addon.RedisAddon"
DEFAULT_LEASE_SECONDS = 30.0
STOP_GRACE_SECONDS = 30.0  # after SIGTERM, how long a crawl may take to stop before it is killed


def connect(url: str) -> Any:
    """A Redis client for ``url`` (redis://host:port/db), answers as text."""
    import redis

    return redis.Redis.from_url(url, decode_responses=True, socket_timeout=30, health_check_interval=30)


@dataclass
class WorkerOptions:
    redis_url: str
    db_path: str  # this worker's shard archive
    sources_file: str
    prefix: str = RedisKeys().prefix
    worker_id: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")
    lease_seconds: float = DEFAULT_LEASE_SECONDS
    poll_seconds: float = 1.0
    exit_when_idle: bool = False  # stop once nothing is waiting or claimed (tests, benchmarks, batch runs)
    max_crawls: int | None = None
    overrides: tuple[str, ...] = ()  # NAME=VALUE Scrapy settings for every crawl
    workers: int | None = None  # extraction processes per crawl
    verbose: int = 0
    python: str = sys.executable

    @property
    def lease_ms(self) -> int:
        return int(self.lease_seconds * 1000)

    def argv(self, entry: str) -> list[str]:
        """The crawl of a queue entry, wrapped so it dies with the worker."""
        source, _, slot = entry.partition(SLOT_SEPARATOR)
        settings = {
            "ADDONS": json.dumps({ADDON: 0}),
            "ARCHIVE_REDIS_URL": self.redis_url,
            "ARCHIVE_REDIS_PREFIX": self.prefix,
        }
        if slot:  # crawled together with other workers: one frontier and fingerprint set in Redis
            settings["ARCHIVE_REDIS_FRONTIER"] = RedisKeys(self.prefix).frontier(source)
        command = [self.python, "-m", "pipelines.distributed.child", self.python, "-m", "crawler", "crawl"]
        command += [source, "--db", self.db_path, "--sources", self.sources_file, "--no-progress"]
        for name, value in settings.items():
            command += ["-s", f"{name}={value}"]
        return command + crawl_flags(self.overrides, self.workers, self.verbose)


@dataclass
class CrawlResult:
    entry: str
    code: int | None
    seconds: float
    lost_lease: bool = False


class Worker:
    def __init__(self, options: WorkerOptions, redis: Any | None = None) -> None:
        self.options = options
        self.redis = redis if redis is not None else connect(options.redis_url)
        self.keys = RedisKeys(options.prefix)
        self.queue = SourceQueue(self.redis, self.keys)
        self.known = KnownPublisher(self.redis, self.keys.known, options.db_path)
        self.stopping = threading.Event()
        self.child: subprocess.Popen[bytes] | None = None
        self.results: list[CrawlResult] = []

    def stop(self) -> None:
        """No new crawl; the running one is asked to stop (SIGTERM)."""
        self.stopping.set()
        child = self.child
        if child is not None and child.poll() is None:
            with suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)

    def run(self) -> list[CrawlResult]:
        """Claim and crawl until stopped (or idle, with ``exit_when_idle``)."""
        log.info(
            "worker %s: shard %s, Redis %s", self.options.worker_id, self.options.db_path, self.options.prefix
        )
        with stop_on_signals(self.stop, log=log, meaning="stopping after the crawl in hand"):
            while not self.stopping.is_set():
                if self.options.max_crawls is not None and len(self.results) >= self.options.max_crawls:
                    break
                # A dead worker's sources first: they go back to the front of the queue.
                back = self.queue.requeue_lapsed()
                if back:
                    log.warning("leases lapsed (their worker died), queued again: %s", ", ".join(back))
                claim = self.queue.claim(self.options.worker_id, self.options.lease_ms)
                if claim is None:
                    if self.options.exit_when_idle and self.queue.idle():
                        break
                    self.stopping.wait(self.options.poll_seconds)
                    continue
                self.results.append(self.crawl(claim))
        self._publish()
        return self.results

    def crawl(self, claim: Claim) -> CrawlResult:
        started_at = datetime.now(UTC).isoformat(timespec="seconds")
        self.queue.note_claimed(claim.source, started_at)
        log.info("%s: crawling into %s", claim.entry, self.options.db_path)
        started = time.monotonic()
        lost = False
        try:
            self.child = subprocess.Popen(self.options.argv(claim.entry), start_new_session=True)
            child = self.child
            renew_every = max(self.options.lease_seconds / 3, 0.05)
            renewed = time.monotonic()
            while True:
                try:
                    code = child.wait(timeout=renew_every)
                    break
                except subprocess.TimeoutExpired:
                    pass
                if not self._renew(claim, renewed):
                    lost = True
                    log.error(
                        "%s: lease lost (another worker may have it now): stopping this crawl", claim.entry
                    )
                    self._end(child)
                else:
                    renewed = time.monotonic()
                self._publish()
        finally:
            self.child = None
        seconds = time.monotonic() - started
        self._publish()
        self._record_exit(claim.source, child.pid, started_at, code)
        if not lost:
            self.queue.release(claim)
        log.info("%s: crawl ended (exit %s) after %.1f s", claim.entry, code, seconds)
        return CrawlResult(claim.entry, code, seconds, lost)

    def _renew(self, claim: Claim, last_renewed: float) -> bool:
        """Renew the lease; a Redis that does not answer is tried again until the lease would have lapsed."""
        try:
            return claim.lease.renew()
        except Exception as exc:  # redis-py's ConnectionError, TimeoutError
            lapsed = time.monotonic() - last_renewed >= self.options.lease_seconds
            log.warning("%s: lease not renewed (%s)%s", claim.entry, exc, ": it lapsed" if lapsed else "")
            return not lapsed

    def _end(self, child: subprocess.Popen[bytes]) -> None:
        with suppress(ProcessLookupError):
            child.send_signal(signal.SIGTERM)
        try:
            child.wait(timeout=STOP_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            child.kill()

    def _publish(self) -> None:
        try:
            self.known.publish()
        except Exception as exc:  # the crawl goes on; the keys are published on the next tick
            log.warning("known articles not shared this time: %s", exc)

    def _record_exit(self, source: str, pid: int, started_at: str, code: int) -> None:
        from pipelines.archive.runs import record_exit
        from pipelines.archive.schema import open_archive

        db = open_archive(self.options.db_path)
        try:
            record_exit(db, source, pid, started_at, code, stopped=self.stopping.is_set())
        finally:
            db.close()
