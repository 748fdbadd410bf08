"""The long-running scheduler behind ``newsarchive schedule``, and its one-shot form ``--once``.

Each crawl runs in a child process (``python -m crawler crawl KEY ...``): Twisted's reactor runs only once
per process, a crashed or leaking crawl cannot take the scheduler down with it, and the child's exit frees
its memory. APScheduler (a BackgroundScheduler with one job per source) decides when; the child holds the
source's lock (pipelines.schedule.due.SourceLock) for as long as it runs.

Stopping: on the first SIGTERM or SIGINT, no new crawl starts and each running crawl gets one SIGTERM,
which Scrapy treats as a graceful shutdown (the item in hand is finished and stored, and its crawl_runs row
says 'interrupted'); the scheduler waits for them. A second signal is forwarded as well, which makes Scrapy
stop at once. Children run in their own session so that a Ctrl-C on the terminal reaches only the
scheduler: otherwise they would get the terminal's SIGINT *and* ours, and the second one forces them.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor as JobThreadPool
from apscheduler.schedulers.background import BackgroundScheduler

from pipelines.archive.runs import record_exit, running_here
from pipelines.archive.schema import open_archive
from pipelines.schedule.due import (
    SourceLock,
    due_sources,
    jitter_window,
    last_started,
    lock_dir,
    make_trigger,
    next_due,
    spread_offset,
)
from pipelines.sources import Source

log = logging.getLogger("newsarchive.schedule")

# `newsarchive crawl`'s exit statuses (README, "Exit statuses"), for the log.
EXIT_MEANINGS = {
    0: "done",
    2: "bad option or sources file",
    3: "archive unavailable",
    4: "could not crawl (see status)",
}


@dataclass(frozen=True)
class CrawlOptions:
    db_path: str
    sources_file: str
    overrides: tuple[str, ...] = ()  # NAME=VALUE Scrapy settings, passed on as -s
    workers: int | None = None  # extraction processes per crawl (crawl --workers)
    verbose: int = 0
    python: str = sys.executable

    def argv(self, key: str) -> list[str]:
        command = [self.python, "-m", "crawler", "crawl", key, "--db", self.db_path]
        command += ["--sources", self.sources_file]
        for pair in self.overrides:
            command += ["-s", pair]
        if self.workers is not None:
            command += ["--workers", str(self.workers)]
        if self.verbose:
            command.append("-" + "v" * self.verbose)
        return command


class Launcher:
    """Starts one crawl at a time per source, under its lock, and stops them all on request."""

    def __init__(self, options: CrawlOptions) -> None:
        self.options = options
        self.locks = lock_dir(options.db_path)
        self.stopping = threading.Event()
        self._children: dict[str, subprocess.Popen[bytes]] = {}
        self._guard = threading.Lock()

    def run(self, key: str) -> str:
        """Crawl ``key`` to the end; returns what happened, for the log and the tests."""
        if self.stopping.is_set():
            return "not started: stopping"
        lock = SourceLock(self.locks, key)
        if not lock.acquire():
            log.info("%s: skipped, a crawl of it is running (lock %s held)", key, lock.path)
            return "skipped: locked"
        try:
            db = open_archive(self.options.db_path)
            try:
                busy = running_here(db, key)
            finally:
                db.close()
            if busy:
                log.info("%s: skipped, a crawl of it is running (crawl_runs)", key)
                return "skipped: running"
            with self._guard:
                if self.stopping.is_set():
                    return "not started: stopping"
                log.info("%s: starting crawl", key)
                started_at = datetime.now(UTC).isoformat(timespec="seconds")
                child = subprocess.Popen(
                    self.options.argv(key),
                    pass_fds=(lock.fileno(),),  # the crawl keeps the source locked, even if we die
                    start_new_session=True,  # the terminal's Ctrl-C is for us; we forward it (once)
                )
                self._children[key] = child
            started = time.monotonic()
            code = child.wait()
            with self._guard:
                self._children.pop(key, None)
            meaning = EXIT_MEANINGS.get(code, "stopped by a signal" if code < 0 else "error")
            log.info(
                "%s: crawl ended (exit %s: %s) after %.1f s", key, code, meaning, time.monotonic() - started
            )
            db = open_archive(self.options.db_path)
            try:
                record_exit(db, key, child.pid, started_at, code, stopped=self.stopping.is_set())
            finally:
                db.close()
            return f"exit {code}"
        finally:
            lock.release()

    def stop(self) -> None:
        """No new crawls; SIGTERM to every running one (Scrapy: graceful on the first, forced on the next)."""
        self.stopping.set()
        with self._guard:
            children = list(self._children.items())
        for key, child in children:
            log.info("%s: asking the crawl to stop (SIGTERM to pid %s)", key, child.pid)
            with suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)


@contextmanager
def stop_on_signals(on_signal: Callable[[], None]) -> Iterator[None]:
    """Call ``on_signal`` on each SIGTERM / SIGINT while inside, then restore the previous handlers."""

    def handle(signum: int, frame: FrameType | None) -> None:
        log.warning(
            "received %s: stopping (running crawls finish the item in hand)", signal.Signals(signum).name
        )
        on_signal()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class Scheduler:
    def __init__(
        self,
        options: CrawlOptions,
        sources: dict[str, Source],
        *,
        max_parallel: int = 4,
        max_jitter: float = 60.0,
    ) -> None:
        self.options = options
        self.sources = sources
        self.max_parallel = max(1, max_parallel)
        self.max_jitter = max_jitter
        self.launcher = Launcher(options)
        self._stop = threading.Event()

    def _request_stop(self) -> None:
        self._stop.set()
        self.launcher.stop()

    # -- --once -------------------------------------------------------------------------------------------
    def run_once(self) -> list[tuple[str, str]]:
        """Crawl every due source (spread over the jitter window) and return when all are done."""
        db = open_archive(self.options.db_path)
        try:
            due = due_sources(db, self.sources)
        finally:
            db.close()
        if not due:
            log.info("nothing is due")
            return []
        log.info("due: %s", ", ".join(d.key for d in due))

        def delayed(key: str) -> tuple[str, str]:
            delay = spread_offset(key, jitter_window(self.sources[key], self.max_jitter))
            if self._stop.wait(delay):  # a one-off start delay (the jitter), cut short by a signal
                return key, "not started: stopping"
            return key, self.launcher.run(key)

        with stop_on_signals(self._request_stop):
            pool = ThreadPoolExecutor(max_workers=self.max_parallel, thread_name_prefix="crawl")
            futures = [pool.submit(delayed, d.key) for d in due]
            while not all(f.done() for f in futures):
                # Wait in the main thread, where signal handlers run; a short timeout keeps it responsive.
                self._stop.wait(0.2)
            pool.shutdown()
        return [f.result() for f in futures]

    # -- foreground ---------------------------------------------------------------------------------------
    def first_run(self, source: Source, last: datetime | None, now: datetime) -> datetime:
        """Its next due time from the archive (now if overdue: once, however many runs were missed),
        pushed back by the source's fixed spread offset so overdue sources do not all start together."""
        due = max(next_due(source, last, now), now)
        return due + timedelta(seconds=spread_offset(source.key, jitter_window(source, self.max_jitter, now)))

    def add_jobs(self, scheduler: BackgroundScheduler) -> None:
        now = datetime.now(UTC)
        db = open_archive(self.options.db_path)
        try:
            last = {key: last_started(db, key) for key in self.sources}
        finally:
            db.close()
        for key, source in self.sources.items():
            first = self.first_run(source, last[key], now)
            offset = spread_offset(key, jitter_window(source, self.max_jitter, now))
            scheduler.add_job(
                self.launcher.run,
                make_trigger(source, start=first, offset=offset),
                args=[key],
                id=key,
                name=f"crawl {key}",
                max_instances=1,  # never overlap one source in this process (the lock covers the others)
                coalesce=True,  # several missed times -> one run
                misfire_grace_time=None,  # late is better than never
                next_run_time=first,  # from the archive: due (or overdue) sources run once, now
            )

    def run_forever(self) -> None:
        """Run until SIGTERM / SIGINT, then let running crawls stop gracefully and return."""
        scheduler = BackgroundScheduler(
            executors={"default": JobThreadPool(max_workers=self.max_parallel)}, timezone=UTC
        )
        self.add_jobs(scheduler)
        with stop_on_signals(self._request_stop):
            scheduler.start()
            for job in scheduler.get_jobs():
                log.info("%s: next crawl at %s", job.id, job.next_run_time)
            while not self._stop.wait(1.0):  # the main thread only waits here for a signal
                pass
            # No new starts; waits for the running jobs, which return once their crawl has exited (the
            # main thread still runs signal handlers meanwhile, so a second signal is forwarded too).
            scheduler.shutdown(wait=True)
        log.info("scheduler stopped")
