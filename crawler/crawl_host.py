"""The long-lived crawl process of ``newsarchive schedule``: many sources' crawls at once, in one reactor.

Started by the scheduler (pipelines/schedule/hosts.py) as ``python -m crawler.crawl_host --db A --sources
S [-s NAME=VALUE]... [--workers N] [-v]``. Each crawl is a Scrapy crawler of the news spider, added to the
running reactor as its source comes due, with Scrapy's per-site concurrency, delays and AutoThrottle; all of
them share one pool of extraction workers (``ARCHIVE_EXTRACT_SHARED``), so a run costs a crawler, not a
process and its workers. Each crawl has its own ``crawl_runs`` row (crawler/extensions.py RunRecorder) and
holds its source's lock (pipelines.schedule.due.SourceLock) from start to end.

The scheduler talks to it in JSON lines. On standard input: ``{"crawl": KEY}`` (start a crawl of KEY) and
``{"drain": true}`` (exit once every crawl has ended); end of input without a drain means the scheduler is
gone. On standard output (the real one; the process's own stdout goes to stderr): ``{"key", "event":
"skipped", "why", "detail"}`` (not started: ``locked``, ``running``, ``stopping``), ``{"key", "event":
"started", "run_id"}`` and ``{"key", "event": "ended", "code", "run_id", "problem", "line"}``. ``code`` has
the meaning of ``newsarchive crawl``'s exit status for that one source: 0 done, 4 could not crawl, 2
unknown source, 1 the crawl failed before it could run.

Stopping: the first SIGTERM or SIGINT stops every crawl gracefully (the item in hand is finished and
stored; the run says 'interrupted', finish reason 'shutdown'), the second at once (the runs still open are
recorded as interrupted). It dies with its scheduler: PR_SET_PDEATHSIG sends it SIGHUP when the scheduler
dies, even by SIGKILL, and a watchdog thread notices a changed parent too; if the graceful stop has not
ended it ``FORCE_AFTER`` seconds later, it stops at once, and ``EXIT_AFTER`` seconds later it exits
whatever the reactor is doing. Its extraction workers die with it (pipelines/extract/worker.py).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass
from typing import IO, Any

from crawler.cli.options import log_level, settings_dict
from crawler.runner import (
    RunSummary,
    close_unfinished_runs,
    collect_failures,
    install_log_filters,
    project_settings,
    summarize,
)
from crawler.support import one_line
from pipelines.archive.runs import running_here
from pipelines.archive.schema import open_archive
from pipelines.parent_death import signal_on_parent_death
from pipelines.schedule.due import SourceLock, lock_dir
from pipelines.sources import Source, SourcesError, load_sources

log = logging.getLogger("newsarchive.crawl_host")

WATCHDOG_INTERVAL = 0.5  # seconds between checks that the scheduler is still our parent
# Not SIGTERM: the kernel sends it again each time we are handed to another of the dying scheduler's
# threads, and a second SIGTERM means "stop at once"; any number of these means "stop gracefully".
PARENT_DEATH_SIGNAL = signal.SIGHUP
FORCE_AFTER = 10.0  # seconds a graceful stop after the scheduler died may take before it is forced
GRACEFUL_LIMIT = 90.0  # seconds any graceful stop may take before it is forced
EXIT_AFTER = 30.0  # seconds after the scheduler died when the process exits whatever it is doing

# Outcome codes, as `newsarchive crawl`'s exit statuses for one source (README, "Exit statuses").
DONE, FAILED_TO_RUN, UNKNOWN_SOURCE, COULD_NOT_CRAWL = 0, 1, 2, 4


def outcome_code(summary: RunSummary, error: str | None) -> tuple[int, str | None]:
    """A finished crawl's code and problem: as ``newsarchive crawl`` would exit for that source alone."""
    if error is not None and summary.run_id is None:
        return FAILED_TO_RUN, error
    problem = summary.crawl_problem()
    return (COULD_NOT_CRAWL, problem) if problem else (DONE, None)


@dataclass
class _Crawl:
    key: str
    crawler: Any
    lock: SourceLock
    failures: list[tuple[str, str]]
    started: float


class CrawlHost:
    """The crawls of this process, started on request and reported on ``out``."""

    def __init__(self, settings: Any, sources: dict[str, Source], out: IO[str]) -> None:
        from scrapy.crawler import CrawlerRunner

        self.settings = settings
        self.sources = sources
        self.out = out
        self.db_path = str(settings.get("ARCHIVE_DB"))
        self.locks = lock_dir(self.db_path)
        self.runner = CrawlerRunner(settings)
        self.active: dict[str, _Crawl] = {}
        self.stopping = False
        self.draining = False
        self._forced = False
        self._out_lock = threading.Lock()

    # -- reports -------------------------------------------------------------------------------------------
    def emit(self, key: str, event: str, **values: Any) -> None:
        line = json.dumps({"key": key, "event": event, **values}, ensure_ascii=False)
        try:
            with self._out_lock:
                self.out.write(line + "\n")
                self.out.flush()
        except (BrokenPipeError, ValueError, OSError):  # the scheduler is gone
            self.stop("the scheduler's pipe closed")

    # -- commands (reactor thread) -------------------------------------------------------------------------
    def crawl(self, key: str) -> None:
        from scrapy import signals

        if self.stopping or self.draining:
            self.emit(key, "skipped", why="stopping", detail="the crawl process is stopping")
            return
        source = self.sources.get(key)
        if source is None:
            self.emit(key, "ended", code=UNKNOWN_SOURCE, run_id=None, problem=f"unknown source {key!r}")
            return
        if key in self.active:
            self.emit(key, "skipped", why="running", detail="a crawl of it is running in this process")
            return
        lock = SourceLock(self.locks, key)
        if not lock.acquire():
            self.emit(key, "skipped", why="locked", detail=str(lock.path))
            return
        db = open_archive(self.db_path)
        try:
            busy = running_here(db, key)
        finally:
            db.close()
        if busy:
            lock.release()
            self.emit(key, "skipped", why="running", detail="crawl_runs")
            return
        crawler = self.runner.create_crawler("news")
        failures = collect_failures(
            crawler, on_failure=lambda input, reason: _print_failure(key, input, reason)
        )

        def engine_started() -> None:
            run_id = crawler.stats.get_value("archive/run_id") if crawler.stats is not None else None
            self.emit(key, "started", run_id=run_id)
            if self.stopping:  # stopped while this crawl was starting (runner.stop() passed it by): now
                _reactor().callLater(0, self._stop_crawler, crawler)

        crawler.signals.connect(engine_started, signal=signals.engine_started, weak=False)
        self.active[key] = _Crawl(key, crawler, lock, failures, time.monotonic())
        done = self.runner.crawl(crawler, source=source)
        done.addBoth(self._ended, key)

    def _ended(self, result: Any, key: str) -> None:
        from twisted.python.failure import Failure

        crawl = self.active.pop(key)
        error = None
        if isinstance(result, Failure):
            error = f"{type(result.value).__name__}: {(str(result.value).splitlines() or [''])[0]}"
            log.error("%s: the crawl failed: %s", key, error)
        try:
            close_unfinished_runs(self.db_path, [crawl.crawler], "stopped by the scheduler")
            summary = summarize(crawl.crawler, crawl.failures)
            code, problem = outcome_code(summary, error)
            self.emit(
                key,
                "ended",
                code=code,
                run_id=summary.run_id,
                problem=problem,
                finish_reason=summary.finish_reason,
                line=_summary_line(summary),
            )
        finally:
            crawl.lock.release()
            if (self.draining or self.stopping) and not self.active:
                self._stop_reactor()

    @staticmethod
    def _stop_crawler(crawler: Any) -> None:
        from scrapy.utils.defer import deferred_from_coro

        with contextlib.suppress(RuntimeError):  # already stopping
            deferred_from_coro(crawler.engine.stop_async())

    def drain(self) -> None:
        """No new crawls; exit once the running ones have ended (``--once`` is done)."""
        self.draining = True
        if not self.active:
            self._stop_reactor()

    def stop(self, why: str = "") -> None:
        """Stop every crawl gracefully, then the reactor."""
        if self.stopping:
            return
        self.stopping = True
        if why:
            log.warning("stopping the crawls: %s", why)
        if not self.active:
            self._stop_reactor()
            return
        self.runner.stop()  # each engine closes its spider with reason 'shutdown'; _ended stops the reactor
        _reactor().callLater(GRACEFUL_LIMIT, self.stop_now)  # a crawl that does not stop: at once

    def stop_now(self) -> None:
        """Stop the reactor at once; the runs still open are recorded as interrupted after it."""
        self.stopping = self._forced = True
        self._stop_reactor()

    def after_reactor(self) -> None:
        """Runs left open by a forced stop: interrupted, and reported; then the workers go."""
        from crawler.item_pipelines.extract import close_shared_pools

        left = list(self.active.values())
        self.active.clear()
        with contextlib.suppress(Exception):
            close_unfinished_runs(self.db_path, [c.crawler for c in left], "stopped by the scheduler")
        for crawl in left:
            summary = summarize(crawl.crawler, crawl.failures)
            self.emit(crawl.key, "ended", code=DONE, run_id=summary.run_id, problem=None, line=None)
            crawl.lock.release()
        close_shared_pools(wait=not self._forced)

    @staticmethod
    def _stop_reactor() -> None:
        reactor = _reactor()

        with contextlib.suppress(RuntimeError):  # already stopping
            reactor.stop()

    # -- input (its own thread) ----------------------------------------------------------------------------
    def read_commands(self, stream: IO[str]) -> None:
        reactor = _reactor()

        for raw in stream:
            try:
                command = json.loads(raw)
            except ValueError:
                log.error("unreadable command %r", raw[:200])
                continue
            if "crawl" in command:
                reactor.callFromThread(self.crawl, str(command["crawl"]))
            elif command.get("drain"):
                reactor.callFromThread(self.drain)
                return
        # End of input without a drain: the scheduler is gone (or closed us): stop.
        reactor.callFromThread(self.stop, "the scheduler closed its pipe")


def _reactor() -> Any:
    """The installed Twisted reactor (imported late: it must be installed first, by install_reactor)."""
    from twisted.internet import reactor

    return reactor


def _print_failure(key: str, input_name: str, reason: str) -> None:
    sys.stderr.write(f"failed: {key}: {one_line(input_name)}: {one_line(reason)}\n")
    sys.stderr.flush()


def _summary_line(summary: RunSummary) -> str:
    extra = summary.counts.get("skipped_known", 0)
    return (
        f"{summary.source}: {summary.line(unit='article pages')}, {extra} known pages not fetched "
        f"({summary.finish_reason}, run {summary.run_id})"
    )


def die_with_parent(host: CrawlHost) -> None:
    """SIGHUP from the kernel when the scheduler dies (PR_SET_PDEATHSIG, Linux), and a watchdog thread
    that stops the crawls when our parent changes (the signal can be missed: it is tied to the thread that
    started us), forces the stop after FORCE_AFTER seconds and exits after EXIT_AFTER."""
    parent = os.getppid()
    signal_on_parent_death(PARENT_DEATH_SIGNAL)  # where it cannot (not Linux), the watchdog alone
    if parent == 1:  # the scheduler died before prctl took effect
        os._exit(1)
    threading.Thread(target=_watch_parent, args=(host, parent), name="parent-watchdog", daemon=True).start()


def _watch_parent(host: CrawlHost, parent: int) -> None:
    reactor = _reactor()

    while os.getppid() == parent:
        time.sleep(WATCHDOG_INTERVAL)
    reactor.callFromThread(host.stop, "the scheduler died")
    time.sleep(FORCE_AFTER)
    reactor.callFromThread(host.stop_now)
    time.sleep(EXIT_AFTER - FORCE_AFTER)
    os._exit(1)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m crawler.crawl_host", description=__doc__.split("\n")[0])
    parser.add_argument("--db", dest="db_path", required=True)
    parser.add_argument("--sources", dest="sources_file", required=True)
    parser.add_argument("-s", "--set", dest="overrides", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("-v", "--verbose", action="count", default=0)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    # Our standard output is the pipe to the scheduler: keep it for the reports, and send anything else
    # written to file descriptor 1 (a library's print) to standard error.
    out = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)
    try:
        sources = load_sources(args.sources_file)
    except SourcesError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return UNKNOWN_SOURCE

    from scrapy.utils.log import configure_logging
    from scrapy.utils.ossignal import install_shutdown_handlers
    from scrapy.utils.reactor import install_reactor

    values: dict[str, Any] = {
        "ARCHIVE_DB": args.db_path,
        "ARCHIVE_EXTRACT_WORKERS": args.workers,
        "ARCHIVE_PROGRESS": False,
        "LOG_LEVEL": log_level(args.verbose),
    }
    values.update(settings_dict(tuple(args.overrides)))  # -s NAME=VALUE wins, as on the command line
    values["ARCHIVE_EXTRACT_SHARED"] = True  # what this process is for
    values["ARCHIVE_MANY_CRAWLS"] = True
    settings = project_settings(**values)
    configure_logging(settings)
    install_log_filters(settings)
    install_reactor(settings["TWISTED_REACTOR"], settings["ASYNCIO_EVENT_LOOP"])
    from scrapy.utils.misc import build_from_crawler, load_object

    reactor = _reactor()

    host = CrawlHost(settings, sources, out)
    # As CrawlerProcess does: the caching DNS resolver, and the reactor's thread pool size.
    resolver_class = load_object(settings["TWISTED_DNS_RESOLVER"])
    build_from_crawler(resolver_class, host.runner, reactor=reactor).install_on_reactor()  # type: ignore[call-overload]
    reactor.getThreadPool().adjustPoolsize(maxthreads=settings.getint("REACTOR_THREADPOOL_MAXSIZE"))
    signals_seen = []

    def on_signal(signum: int, _: Any) -> None:
        signals_seen.append(signum)
        if len(signals_seen) == 1:
            reactor.callFromThread(host.stop)
        else:
            reactor.callFromThread(host.stop_now)

    def on_parent_death(signum: int, _: Any) -> None:
        reactor.callFromThread(host.stop, "the scheduler died")

    signal.signal(PARENT_DEATH_SIGNAL, on_parent_death)  # before the kernel may send it
    die_with_parent(host)
    # SIGTERM / SIGINT once the reactor runs (as CrawlerProcess does: after Twisted's own handlers).
    reactor.addSystemEventTrigger("after", "startup", install_shutdown_handlers, on_signal)
    threading.Thread(target=host.read_commands, args=(sys.stdin,), name="commands", daemon=True).start()
    reactor.run(installSignalHandlers=True)
    host.after_reactor()
    return 0


if __name__ == "__main__":
    sys.exit(main())
