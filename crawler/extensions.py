"""Scrapy extensions: the ``crawl_runs`` record of every run, and a progress bar on a terminal."""

from __future__ import annotations

from typing import Any

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.console import stderr_console
from crawler.signals import document_failed
from crawler.support import archive_db_path
from pipelines.archive.runs import finish_run, save_error, start_run
from pipelines.archive.schema import open_archive
from pipelines.archive.store import save_source
from pipelines.sources import Source

# Scrapy close reasons that mean the run was stopped before it was done.
INTERRUPTED_REASONS = {"shutdown", "cancelled"}


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
    """Opens a ``crawl_runs`` row when a spider opens, records each failure, and closes it with the counts."""

    def __init__(self, crawler: Crawler, db_path: str) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.run_id: int | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunRecorder:
        ext = cls(crawler, archive_db_path(crawler))
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.document_failed, signal=document_failed)
        return ext

    def spider_opened(self, spider: Any) -> None:
        self.db = open_archive(self.db_path)
        source = getattr(spider, "source", None)
        if isinstance(source, Source):
            save_source(self.db, source)
        self.run_id = start_run(
            self.db,
            kind=getattr(spider, "run_kind", "crawl"),
            spider=spider.name,
            source=getattr(spider, "source_key", None),
            args=getattr(spider, "run_args", {}),
        )
        assert self.crawler.stats is not None
        self.crawler.stats.set_value("archive/run_id", self.run_id)

    def document_failed(self, input: str, reason: str, stage: str, counted: bool) -> None:
        if self.run_id is not None:
            save_error(self.db, self.run_id, input, reason, stage if counted else f"{stage} (dropped)")

    def spider_closed(self, spider: Any, reason: str) -> None:
        if self.run_id is None:
            return
        assert self.crawler.stats is not None
        stats = self.crawler.stats.get_stats()
        status = "interrupted" if reason in INTERRUPTED_REASONS else "finished"
        finish_run(
            self.db,
            self.run_id,
            status=status,
            finish_reason=reason,
            stats={k: v for k, v in stats.items() if isinstance(v, int | float | str)},
            **run_counts(stats),
        )
        self.db.close()


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
