"""The long-running scheduler behind ``newsarchive schedule``, and its one-shot form ``--once``.

The crawls run in a fixed number of long-lived crawl processes (``--processes``, default 1;
crawler/crawl_host.py, managed by pipelines/schedule/hosts.py), each running many sources' crawls at once
in one reactor with one shared pool of extraction workers: a due source costs a Scrapy crawler, not a
process of its own with its own workers. Twisted's reactor still never runs in the scheduler itself, and a
crawl process that crashes is started again for the next crawl. APScheduler (a BackgroundScheduler with one
job per source) decides when; ``--max-parallel`` job threads each wait for one crawl, so it limits the sites
crawled at once. The crawl process takes the source's lock (pipelines.schedule.due.SourceLock) and holds it
for as long as the crawl runs; each crawl has its own ``crawl_runs`` row, as with ``newsarchive crawl``.

Stopping: on the first SIGTERM or SIGINT, no new crawl starts and each crawl process gets one SIGTERM,
which stops its crawls gracefully (the item in hand is finished and stored, and each crawl_runs row says
'interrupted'); the scheduler waits for them. A second signal is forwarded as well, which makes them stop at
once. The crawl processes die with the scheduler, whatever kills it (PR_SET_PDEATHSIG and a watchdog), and
the runs a killed scheduler left open are marked 'killed' when the next one starts.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlite_utils
from apscheduler.executors.pool import ThreadPoolExecutor as JobThreadPool
from apscheduler.schedulers.background import BackgroundScheduler

from pipelines.archive.runs import mark_dead_runs, record_exit
from pipelines.archive.schema import open_archive
from pipelines.schedule.command_line import crawl_flags
from pipelines.schedule.due import (
    due_sources,
    jitter_window,
    last_started,
    make_trigger,
    next_due,
    spread_offset,
)
from pipelines.schedule.hosts import CrawlProcesses
from pipelines.schedule.signals import stop_on_signals
from pipelines.sources import Source

log = logging.getLogger("newsarchive.schedule")
STOPPING = "stopping (running crawls finish the item in hand)"

# The job threads open the archive one at a time: ensure_db_shape, run by each opening, is not safe to run
# from two connections at once while it creates views.
_ARCHIVE_GUARD = threading.Lock()


@contextmanager
def archive(db_path: str) -> Iterator[sqlite_utils.Database]:
    with _ARCHIVE_GUARD:
        db = open_archive(db_path)
    try:
        yield db
    finally:
        db.close()


# The outcome of one source's crawl, as `newsarchive crawl`'s exit statuses for it (README, "Exit
# statuses"), for the log.
EXIT_MEANINGS = {
    0: "done",
    1: "the crawl failed to start",
    2: "bad option or sources file",
    3: "archive unavailable",
    4: "could not crawl (see status)",
}


@dataclass(frozen=True)
class CrawlOptions:
    db_path: str
    sources_file: str
    overrides: tuple[str, ...] = ()  # NAME=VALUE Scrapy settings, passed on as -s
    workers: int | None = None  # extraction processes per crawl process (crawl --workers)
    verbose: int = 0
    python: str = sys.executable
    processes: int = 1  # long-lived crawl processes

    def argv(self) -> list[str]:
        """The command of a crawl process."""
        command = [self.python, "-m", "crawler.crawl_host", "--db", self.db_path]
        command += ["--sources", self.sources_file]
        return command + crawl_flags(self.overrides, self.workers, self.verbose)


def outcome(report: dict[str, object]) -> str:
    """What a crawl's last report says, for the log and the tests: 'skipped: locked', 'exit 4', ..."""
    event = report.get("event")
    if event == "skipped":
        why = report.get("why")
        return "not started: stopping" if why == "stopping" else f"skipped: {why}"
    return f"exit {report.get('code')}"


class Launcher:
    """Hands one crawl at a time per source to the crawl processes, and stops them all on request."""

    def __init__(self, options: CrawlOptions) -> None:
        self.options = options
        self.processes = CrawlProcesses(options.argv(), options.processes)
        self.stopping = threading.Event()
        self._guard = threading.Lock()

    def run(self, key: str) -> str:
        """Crawl ``key`` to the end; returns what happened, for the log and the tests."""
        with self._guard:
            if self.stopping.is_set():
                return "not started: stopping"
            submitted_at = datetime.now(UTC).isoformat(timespec="seconds")
            crawl = self.processes.submit(key)
        if crawl is None:
            log.warning("%s: not started: the crawl process did not take it", key)
            return "not started: no crawl process"
        crawl.wait_begun()
        if crawl.started:
            log.info("%s: starting crawl", key)
        started = time.monotonic()
        report = crawl.wait()
        event = report.get("event")
        if event == "skipped":
            if report.get("why") in ("locked", "running"):
                held = f"lock {report.get('detail')} held" if report.get("why") == "locked" else "crawl_runs"
                log.info("%s: skipped, a crawl of it is running (%s)", key, held)
            return outcome(report)
        code = int(report.get("code") or 0)
        if event == "died":
            meaning = "its crawl process was stopped" if self.stopping.is_set() else "its crawl process died"
        else:
            meaning = EXIT_MEANINGS.get(code, "error")
        log.info("%s: crawl ended (exit %s: %s) after %.1f s", key, code, meaning, time.monotonic() - started)
        if report.get("line"):
            sys.stdout.write(f"{report['line']}\n")
            sys.stdout.flush()
        if report.get("problem"):
            log.warning("%s: could not crawl: %s", key, report["problem"])
        if event == "died" or report.get("run_id") is None:
            with archive(self.options.db_path) as db:
                reason = None if event == "died" else f"the crawl failed to start: {report.get('problem')}"
                record_exit(
                    db, key, crawl.pid, submitted_at, code, stopped=self.stopping.is_set(), reason=reason
                )
        return outcome(report)

    def stop(self) -> None:
        """No new crawls; SIGTERM to every crawl process (graceful on the first, at once on the next)."""
        with self._guard:
            self.stopping.set()
        self.processes.signal(signal.SIGTERM)

    def close(self) -> None:
        """Let the crawl processes end their crawls and exit."""
        self.processes.close()


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

    @staticmethod
    def _mark_dead_runs(db: sqlite_utils.Database) -> None:
        """Runs a killed scheduler (and its crawl processes) left 'running': 'killed', so that those sources
        are due again at once instead of counting as crawled."""
        marked = mark_dead_runs(db)
        if marked:
            log.info("%s crawl run(s) of a process that is gone marked as killed", marked)

    # -- --once -------------------------------------------------------------------------------------------
    def run_once(self) -> list[tuple[str, str]]:
        """Crawl every due source (spread over the jitter window) and return when all are done."""
        with archive(self.options.db_path) as db:
            self._mark_dead_runs(db)
            due = due_sources(db, self.sources)
        if not due:
            log.info("nothing is due")
            return []
        log.info("due: %s", ", ".join(d.key for d in due))

        def delayed(key: str) -> tuple[str, str]:
            delay = spread_offset(key, jitter_window(self.sources[key], self.max_jitter))
            if self._stop.wait(delay):  # a one-off start delay (the jitter), cut short by a signal
                return key, "not started: stopping"
            return key, self.launcher.run(key)

        with stop_on_signals(self._request_stop, log=log, meaning=STOPPING):
            pool = ThreadPoolExecutor(max_workers=self.max_parallel, thread_name_prefix="crawl")
            futures = [pool.submit(delayed, d.key) for d in due]
            while not all(f.done() for f in futures):
                # Wait in the main thread, where signal handlers run; a short timeout keeps it responsive.
                self._stop.wait(0.2)
            pool.shutdown()
            self.launcher.close()
        return [f.result() for f in futures]

    # -- foreground ---------------------------------------------------------------------------------------
    def first_run(self, source: Source, last: datetime | None, now: datetime) -> datetime:
        """Its next due time from the archive (now if overdue: once, however many runs were missed),
        pushed back by the source's fixed spread offset so overdue sources do not all start together."""
        due = max(next_due(source, last, now), now)
        return due + timedelta(seconds=spread_offset(source.key, jitter_window(source, self.max_jitter, now)))

    def add_jobs(self, scheduler: BackgroundScheduler) -> None:
        now = datetime.now(UTC)
        with archive(self.options.db_path) as db:
            self._mark_dead_runs(db)
            last = {key: last_started(db, key) for key in self.sources}
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
        with stop_on_signals(self._request_stop, log=log, meaning=STOPPING):
            scheduler.start()
            for job in scheduler.get_jobs():
                log.info("%s: next crawl at %s", job.id, job.next_run_time)
            while not self._stop.wait(1.0):  # the main thread only waits here for a signal
                pass
            # No new starts; waits for the running jobs, which return once their crawl has exited (the
            # main thread still runs signal handlers meanwhile, so a second signal is forwarded too).
            scheduler.shutdown(wait=True)
            self.launcher.close()
        log.info("scheduler stopped")
