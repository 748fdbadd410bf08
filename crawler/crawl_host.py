"""The long-lived crawl process of ``newsarchive schedule``: many sources' crawls at once, in one reactor.

Started by the scheduler (pipelines/schedule/hosts.py) as ``python -m crawler.crawl_host --db A --sources
S [-s NAME=VALUE]... [--workers N] [-v]``. Each crawl is a Scrapy crawler of the news spider, added to the
running reactor as its source comes due, with Scrapy's per-site concurrency, delays and AutoThrottle; all of
them share one pool of extraction workers (``ARCHIVE_EXTRACT_SHARED``), so a run costs a crawler, not a
process and its workers. Each crawl has its own ``crawl_runs`` row (crawler/extensions.py RunRecorder) and
holds its source's lock (pipelines.schedule.due.SourceLock) from start to end.

The reactor thread, which runs every crawl, does no SQLite writing: the crawl_runs rows and errors, and the
"is a crawl of it running elsewhere?" check, go through one shared archive writer thread
(crawler/writer_thread.py ``shared_archive_writer``); the crawls' own writer threads (store, WARC, skipped
pages) take turns (``one_batch_at_a_time``) instead of polling SQLite's write lock against each other; the
archive is shaped and its WARC files left open by a dead crawl are repaired once, when the process starts.
``NEWSARCHIVE_CRAWL_HOST_PROFILE=PATH`` writes a cProfile of the reactor thread to ``PATH.<pid>`` at exit.

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
from collections.abc import Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from crawler.cli.options import log_level, settings_dict
from crawler.runner import (
    RunSummary,
    collect_failures,
    install_log_filters,
    project_settings,
    summarize,
    unfinished_runs,
)
from crawler.support import one_line
from crawler.writer_thread import (
    close_shared_archive_writers,
    one_batch_at_a_time,
    shared_archive_writer,
)
from pipelines.archive.runs import finish_run, running_here
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
        # crawl_runs reads and writes of every crawl, off the reactor thread (crawler/extensions.py too).
        self.writer = shared_archive_writer(self.db_path)
        self.active: dict[str, _Crawl] = {}
        self.starting: set[str] = set()  # lock taken, asking whether a crawl of it runs elsewhere
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
        if self.stopping or self.draining:
            self.emit(key, "skipped", why="stopping", detail="the crawl process is stopping")
            return
        source = self.sources.get(key)
        if source is None:
            self.emit(key, "ended", code=UNKNOWN_SOURCE, run_id=None, problem=f"unknown source {key!r}")
            return
        if key in self.active or key in self.starting:
            self.emit(key, "skipped", why="running", detail="a crawl of it is running in this process")
            return
        lock = SourceLock(self.locks, key)
        if not lock.acquire():
            self.emit(key, "skipped", why="locked", detail=str(lock.path))
            return
        self.starting.add(key)
        _reactor().callLater(0, self._start_when_free, key, source, lock)

    def _start_when_free(self, key: str, source: Source, lock: SourceLock) -> None:
        """Ask the archive writer whether a crawl of ``key`` runs elsewhere on this host (crawl_runs), off
        the reactor thread, then start it."""
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(self._start(key, source, lock))

    async def _start(self, key: str, source: Source, lock: SourceLock) -> None:
        try:
            busy = await self.writer.run(running_here, key)
        except Exception as exc:  # the archive cannot be read: this crawl fails, the others go on
            self.starting.discard(key)
            lock.release()
            problem = f"{type(exc).__name__}: {one_line(str(exc))}"
            self.emit(key, "ended", code=FAILED_TO_RUN, run_id=None, problem=problem)
            self._stop_reactor_if_done()
            return
        self.starting.discard(key)
        if self.stopping or self.draining:  # stopped while we asked
            lock.release()
            self.emit(key, "skipped", why="stopping", detail="the crawl process is stopping")
            self._stop_reactor_if_done()
            return
        if busy:
            lock.release()
            self.emit(key, "skipped", why="running", detail="crawl_runs")
            return
        try:
            self._launch(key, source, lock)
        except Exception as exc:  # the crawler could not be made: this crawl fails, the others go on
            self.active.pop(key, None)
            lock.release()
            problem = f"{type(exc).__name__}: {one_line(str(exc))}"
            log.error("%s: the crawl failed to start: %s", key, problem)
            self.emit(key, "ended", code=FAILED_TO_RUN, run_id=None, problem=problem)

    def _launch(self, key: str, source: Source, lock: SourceLock) -> None:
        from scrapy import signals

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

    def _stop_reactor_if_done(self) -> None:
        if (self.draining or self.stopping) and not self.active and not self.starting:
            self._stop_reactor()

    def _ended(self, result: Any, key: str) -> None:
        from twisted.python.failure import Failure

        crawl = self.active.pop(key)
        error = None
        if isinstance(result, Failure):
            error = f"{type(result.value).__name__}: {(str(result.value).splitlines() or [''])[0]}"
            log.error("%s: the crawl failed: %s", key, error)
        try:
            for run_id in unfinished_runs([crawl.crawler]):  # in order after its other run writes
                self.writer.submit(_close_stopped_run, run_id).add_done_callback(_log_failure)
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
            self._stop_reactor_if_done()

    @staticmethod
    def _stop_crawler(crawler: Any) -> None:
        from scrapy.utils.defer import deferred_from_coro

        with contextlib.suppress(RuntimeError):  # already stopping
            deferred_from_coro(crawler.engine.stop_async())

    def drain(self) -> None:
        """No new crawls; exit once the running ones have ended (``--once`` is done)."""
        self.draining = True
        self._stop_reactor_if_done()

    def stop(self, why: str = "") -> None:
        """Stop every crawl gracefully, then the reactor."""
        if self.stopping:
            return
        self.stopping = True
        if why:
            log.warning("stopping the crawls: %s", why)
        if not self.active:
            self._stop_reactor_if_done()  # a crawl still asking the writer stops itself, then the reactor
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
        for run_id in unfinished_runs([c.crawler for c in left]):
            self.writer.submit(_close_stopped_run, run_id).add_done_callback(_log_failure)
        with contextlib.suppress(Exception):
            close_shared_archive_writers()  # every run write queued so far is done
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


def repair_warc_files(db: Any, settings: Any) -> None:
    """WARC files left open by a crawl that died: checked once here, when the crawl process starts, instead
    of at every crawl's start (crawler/warc_middleware.py; files in use by a running crawl are skipped)."""
    from pipelines.warc.records import default_warc_dir
    from pipelines.warc.repair import repair_unclosed_files

    if not settings.getbool("ARCHIVE_WARC_ENABLED", True):
        return
    folder = Path(settings.get("ARCHIVE_WARC_DIR") or default_warc_dir(str(settings.get("ARCHIVE_DB"))))
    for check in repair_unclosed_files(db, folder):
        if check.cut:
            log.warning("%s: cut %d bytes of a half-written record off its end", check.file, check.cut)
        if check.problem:
            log.error("%s: %s", check.file, check.problem)


def cluster_left_over(db: Any) -> None:
    """Articles an earlier run stored but did not cluster (killed before its batch was flushed): clustered
    once here, when the crawl process starts, instead of at every crawl's start (crawler/item_pipelines/
    store.py), where the articles of the crawls in flight were clustered too, by each crawl that began."""
    from pipelines.dedup.clusters import ensure_clusters
    from pipelines.dedup.near import tune_for_clustering

    tune_for_clustering(db)
    if clustered := ensure_clusters(db):
        log.info("%s articles left unclustered by an earlier run clustered", clustered)


def _close_stopped_run(db: Any, run_id: int) -> None:
    """A run left open when its crawl ended (stopped while starting, or a forced stop): interrupted."""
    finish_run(db, run_id, status="interrupted", finish_reason="stopped by the scheduler")


def _log_failure(done: Future[Any]) -> None:
    if (exc := done.exception()) is not None:
        log.error("could not record a crawl run's end: %s", exc)


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


@contextlib.contextmanager
def _shaping_lock(db_path: str) -> Iterator[None]:
    """Held while this process first opens the archive (which brings its schema up to date): SQLite runs
    each CREATE/DROP of the shaping in a transaction of its own, so two crawl processes shaping at once
    could both drop a view and both create it ("view ... already exists")."""
    import fcntl

    directory = lock_dir(db_path)
    directory.mkdir(parents=True, exist_ok=True)
    with open(directory / ".shaping", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # closing the file releases it
        yield


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
    # A crawler's connection pool closes after every crawl here: without racing its timeout in a busy reactor.
    values["DOWNLOAD_HANDLERS"] = {
        scheme: "crawler.download_handlers.HTTP11Handler" for scheme in ("http", "https")
    }
    settings = project_settings(**values)
    configure_logging(settings)
    install_log_filters(settings)
    install_reactor(settings["TWISTED_REACTOR"], settings["ASYNCIO_EVENT_LOOP"])
    from scrapy.utils.misc import build_from_crawler, load_object

    reactor = _reactor()

    one_batch_at_a_time()  # every crawl's writer threads, in turn (crawler/writer_thread.py)
    with _shaping_lock(args.db_path):  # made by the first crawl process alone (see _shaping_lock)
        host = CrawlHost(settings, sources, out)
        host.writer.call(repair_warc_files, settings)
        host.writer.call(cluster_left_over)
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


PROFILE_ENV = "NEWSARCHIVE_CRAWL_HOST_PROFILE"  # a path: the reactor thread's cProfile goes to PATH.<pid>


def profiled_main() -> int:
    """``main``, under cProfile when PROFILE_ENV names a file (bench/README_schedule_scale.md)."""
    target = os.environ.get(PROFILE_ENV)
    if not target:
        return main()
    import cProfile

    profile = cProfile.Profile()
    try:
        return profile.runcall(main)
    finally:
        profile.dump_stats(f"{target}.{os.getpid()}")


if __name__ == "__main__":
    sys.exit(profiled_main())
