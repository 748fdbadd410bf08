"""Scrapy extensions: the ``crawl_runs`` record of every run, and a progress bar on a terminal."""

from __future__ import annotations

import logging
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any

import sqlite_utils
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.console import stderr_console
from crawler.signals import document_failed
from crawler.support import archive_db_path
from crawler.writer_thread import ArchiveWriter, shared_archive_writer
from pipelines.archive.runs import finish_run, save_error, start_run
from pipelines.archive.schema import open_archive
from pipelines.archive.store import now_iso, save_source
from pipelines.sources import Source

# Scrapy close reasons that mean the run was stopped before it was done.
INTERRUPTED_REASONS = {"shutdown", "cancelled"}

logger = logging.getLogger(__name__)


def run_counts(stats: dict[str, Any]) -> dict[str, Any]:
    """The crawl_runs counters derived from a crawler's stats."""
    dropped = {
        key.removeprefix("archive/dropped/"): value
        for key, value in stats.items()
        if key.startswith("archive/dropped/")
    }
    by_status = {
        key.removeprefix("downloader/response_status_count/"): value
        for key, value in stats.items()
        if key.startswith("downloader/response_status_count/")
    }
    return {
        "inputs": stats.get("archive/inputs", 0),
        "requests": stats.get("downloader/request_count", 0),
        "new": stats.get("archive/new", 0),
        "updated": stats.get("archive/updated", 0),
        "unchanged": stats.get("archive/unchanged", 0),
        "duplicates": stats.get("archive/duplicates", 0),
        "failed": stats.get("archive/failed", 0),
        "skipped_known": stats.get("archive/skipped_known", 0),
        "dropped": dropped,
        "responses_by_status": by_status,
    }


class RunRecorder:
    """Opens a ``crawl_runs`` row when a spider opens, records each failure, and closes it with the counts.

    With ARCHIVE_MANY_CRAWLS (the long-lived crawl process, crawler/crawl_host.py) those writes go through
    the process's one shared archive writer (crawler/writer_thread.py ``shared_archive_writer``): the
    reactor, which runs every crawl of the process, never waits for SQLite's write lock, and the process
    makes one connection for them, not one per crawl. The row is the same: it is opened before the crawl
    fetches anything (spider_opened waits for it, without blocking the reactor), with the time the crawl
    began; errors are written in order after it; it is closed before the crawl is reported ended.
    """

    def __init__(self, crawler: Crawler, db_path: str) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.run_id: int | None = None
        self.shared: ArchiveWriter | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        ext = cls(crawler, archive_db_path(crawler))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.document_failed, signal=document_failed)
        return ext

    def spider_opened(self, spider: Any) -> Coroutine[Any, Any, None] | None:
        source = getattr(spider, "source", None)
        run = {
            "kind": getattr(spider, "run_kind", "crawl"),
            "spider": spider.name,
            "source": getattr(spider, "source_key", None),
            "args": getattr(spider, "run_args", {}),
            "started": now_iso(),
        }
        saved = source if isinstance(source, Source) else None
        if self.crawler.settings.getbool("ARCHIVE_MANY_CRAWLS"):
            self.shared = shared_archive_writer(self.db_path)
            return self._open_shared(self.shared, saved, run)  # Scrapy awaits it
        self.db = open_archive(self.db_path)
        self._started(_open_run(self.db, saved, run))
        return None

    async def _open_shared(self, writer: ArchiveWriter, source: Source | None, run: dict[str, Any]) -> None:
        self._started(await writer.run(_open_run, source, run))

    def _started(self, run_id: int) -> None:
        self.run_id = run_id
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("archive/run_id", run_id)

    def document_failed(self, input: str, reason: str, stage: str, counted: bool) -> None:
        if self.run_id is None:
            return
        stage = stage if counted else f"{stage} (dropped)"
        if self.shared is None:
            save_error(self.db, self.run_id, input, reason, stage)
            return
        self.shared.submit(save_error, self.run_id, input, reason, stage).add_done_callback(_log_failure)

    def spider_closed(self, spider: Any, reason: str) -> Coroutine[Any, Any, None] | None:
        if self.run_id is None:
            return None
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        status = "interrupted" if reason in INTERRUPTED_REASONS else "finished"
        counts = {
            "status": status,
            "finish_reason": reason,
            "stats": {k: v for k, v in stats.items() if isinstance(v, int | float | str)},
            "finished": now_iso(),
            **run_counts(stats),
        }
        if self.shared is not None:
            return self.shared.run(_finish_run, self.run_id, counts)  # Scrapy awaits it
        finish_run(self.db, self.run_id, **counts)
        self.db.close()
        return None


def _open_run(db: sqlite_utils.Database, source: Source | None, run: dict[str, Any]) -> int:
    if source is not None:
        save_source(db, source)
    return start_run(db, **run)


def _finish_run(db: sqlite_utils.Database, run_id: int, counts: dict[str, Any]) -> None:
    finish_run(db, run_id, **counts)


def _log_failure(done: Future[Any]) -> None:
    if (exc := done.exception()) is not None:
        logger.error("could not record a crawl error: %s", exc)


class ProgressBar:
    """A progress bar on standard error while inputs are processed (enabled by ARCHIVE_PROGRESS)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.progress = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=stderr_console,
            transient=True,
        )
        self.task = self.progress.add_task("reading", total=None)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressBar:
        if not crawler.settings.getbool("ARCHIVE_PROGRESS"):
            raise NotConfigured
        ext = cls(crawler)
        crawler.signals.connect(ext.start, signal=signals.spider_opened)
        crawler.signals.connect(ext.stop, signal=signals.spider_closed)
        for signal in (signals.item_scraped, signals.item_dropped, signals.item_error, document_failed):
            crawler.signals.connect(ext.advance, signal=signal)
        return ext

    def start(self, spider: Any = None) -> None:
        key = getattr(spider, "source_key", None)
        if key:  # a crawl: no total is known in advance, the bar counts the articles handled
            self.progress.update(self.task, description=f"crawling {key}")
        self.progress.start()

    def advance(self) -> None:
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        counts = run_counts(stats)
        # Every input ends in exactly one of these, however it got there.
        done = sum(counts[k] for k in ("new", "updated", "unchanged", "duplicates", "failed"))
        done += sum(counts["dropped"].values())
        self.progress.update(self.task, total=stats.get("archive/inputs_total"), completed=done, refresh=True)

    def stop(self) -> None:
        self.progress.stop()
