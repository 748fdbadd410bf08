"""Running a spider from Python and summarising the run: the library behind ``newsarchive ingest``."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.settings import Settings

from crawler.extensions import INTERRUPTED_REASONS, run_counts
from crawler.signals import document_failed
from pipelines.archive.runs import finish_run
from pipelines.archive.schema import open_archive
from pipelines.archive.store import save_source
from pipelines.sources import SourcesError, load_sources

FailureCallback = Callable[[str, str], None]


@dataclass
class RunSummary:
    run_id: int | None
    counts: dict[str, Any]
    finish_reason: str | None
    failures: list[tuple[str, str]] = field(default_factory=list)
    source: str | None = None

    @property
    def failed(self) -> int:
        return int(self.counts.get("failed", 0))

    def crawl_problem(self) -> str | None:
        """Why a crawl could not do its job, or None when it did (pages the site answered with 4xx/5xx or
        that could not be read are only counted). The same judgement as the ``crawl_outcomes`` view: no
        page answered successfully (2xx, or 304 to a re-check), or pages failed and nothing was stored or
        recognised as known. An interrupted crawl did what it could before it was stopped."""
        if self.run_id is None:
            return f"the crawl did not start ({self.finish_reason})"
        if self.finish_reason in INTERRUPTED_REASONS:
            return None
        c = self.counts
        statuses = c.get("responses_by_status", {})
        good = any(str(code) == "304" or str(code).startswith("2") for code in statuses)
        if not good:
            shown = ", ".join(f"{code}: {n}" for code, n in sorted(statuses.items())) or "none"
            return f"no page answered successfully (responses: {shown})"
        kept = sum(int(c.get(k, 0)) for k in ("new", "updated", "unchanged", "duplicates", "skipped_known"))
        if kept == 0 and self.failed:
            return f"{self.failed} pages failed and nothing was stored"
        return None

    def line(self, unit: str = "files") -> str:
        c = self.counts
        stored = c["new"] + c["updated"]
        dropped = sum(c["dropped"].values())
        parts = [
            f"{c['inputs']} {unit} read",
            f"{stored} stored ({c['new']} new, {c['updated']} updated)",
            f"{c['unchanged']} unchanged",
            f"{c['duplicates']} duplicate{'s' if c['duplicates'] != 1 else ''}",
        ]
        if dropped:
            parts.append(f"{dropped} dropped")
        parts.append(f"{c['failed']} failed")
        return f"{parts[0]}: " + ", ".join(parts[1:])


class _ReportedByTheCrawl(logging.Filter):
    """Scrapy's error line about a page the crawl reports itself, in one line of its own (``failed: URL:
    reason``), counted and recorded in ``crawl_errors``: dropped, or with -v (LOG_LEVEL INFO or DEBUG) kept
    without its traceback (RobotsTxtMiddleware logs an unreachable site with ~70 lines of Twisted's)."""

    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix
        self.verbose = False

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith(self.prefix):
            return True
        record.exc_info, record.exc_text = None, None
        return self.verbose


# Scrapy's loggers whose error lines repeat what the crawl reports: robots.txt that cannot be fetched, and a
# page given up after its retries.
_REPORTED = {
    logging.getLogger("scrapy.downloadermiddlewares.robotstxt"): _ReportedByTheCrawl("Error downloading"),
    logging.getLogger("scrapy.downloadermiddlewares.retry"): _ReportedByTheCrawl("Gave up retrying"),
}


def project_settings(**overrides: Any) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.update({k: v for k, v in overrides.items() if v is not None}, priority="cmdline")
    return settings


def install_log_filters(settings: Settings) -> None:
    """Scrapy's error lines about pages the crawl reports itself: dropped, or kept short with -v."""
    for logger, reported in _REPORTED.items():
        reported.verbose = settings.get("LOG_LEVEL") in ("INFO", "DEBUG")
        logger.addFilter(reported)  # once: addFilter ignores a filter already there


def collect_failures(crawler: Crawler, on_failure: FailureCallback | None = None) -> list[tuple[str, str]]:
    """The list the crawler's counted failures are appended to as they happen (and passed on)."""
    collected: list[tuple[str, str]] = []

    def collect(input: str, reason: str, counted: bool, **_: Any) -> None:
        if counted:
            collected.append((input, reason))
            if on_failure is not None:
                on_failure(input, reason)

    crawler.signals.connect(collect, signal=document_failed, weak=False)
    return collected


def summarize(crawler: Crawler, failures: list[tuple[str, str]]) -> RunSummary:
    """What a finished (or stopped) crawler did, from its stats."""
    stats = crawler.stats.get_stats() if crawler.stats is not None else {}
    return RunSummary(
        run_id=stats.get("archive/run_id"),
        counts=run_counts(stats),
        finish_reason=stats.get("finish_reason"),
        failures=failures,
        source=getattr(crawler.spider, "source_key", None),
    )


def run_spiders(
    spider: str,
    runs: list[dict[str, Any]],
    *,
    settings: Settings,
    on_failure: FailureCallback | None = None,
) -> list[RunSummary]:
    """Run a spider once per kwargs in ``runs``, concurrently, to completion in this process.

    Once per process: Twisted's reactor cannot be restarted. Each run gets its own ``crawl_runs`` row.
    """
    process = CrawlerProcess(settings)
    install_log_filters(settings)
    crawlers = []
    failures: list[list[tuple[str, str]]] = []
    for kwargs in runs:
        crawler = process.create_crawler(spider)
        failures.append(collect_failures(crawler, on_failure))
        process.crawl(crawler, **kwargs)
        crawlers.append(crawler)
    process.start()
    close_unfinished_runs(str(settings.get("ARCHIVE_DB")), crawlers)
    return [summarize(crawler, f) for crawler, f in zip(crawlers, failures, strict=True)]


def unfinished_runs(crawlers: list[Crawler]) -> list[int]:
    """The crawl_runs rows these crawlers opened and did not close (no finish reason in their stats)."""
    unfinished = []
    for crawler in crawlers:
        stats = crawler.stats.get_stats() if crawler.stats is not None else {}
        if stats.get("archive/run_id") is not None and not stats.get("finish_reason"):
            unfinished.append(int(stats["archive/run_id"]))
    return unfinished


def close_unfinished_runs(
    db_path: str, crawlers: list[Crawler], reason: str = "stopped while starting"
) -> list[int]:
    """A signal that lands while a crawl is still starting ends it before Scrapy closes the spider (and a
    forced stop ends it before its spider is closed), so its crawl_runs row would say 'running' forever:
    record it as interrupted. Returns the runs so recorded."""
    unfinished = unfinished_runs(crawlers)
    if not unfinished:
        return []
    db = open_archive(db_path)
    try:
        for run_id in unfinished:
            finish_run(db, run_id, status="interrupted", finish_reason=reason)
    finally:
        db.close()
    return unfinished


def run_spider(
    spider: str, *, settings: Settings, on_failure: FailureCallback | None = None, **spider_kwargs: Any
) -> RunSummary:
    """Run one spider to completion in this process."""
    return run_spiders(spider, [spider_kwargs], settings=settings, on_failure=on_failure)[0]


def record_sources(db_path: str, sources_file: str) -> str | None:
    """Record the sources declared in ``sources_file`` (name, region...) in the archive, when the file is
    there: documents credit sources by key. Returns why they were not recorded, or None."""
    if not Path(sources_file).exists():
        return None
    try:
        sources = load_sources(sources_file)
    except SourcesError as exc:
        return str(exc)
    db = open_archive(db_path)
    try:
        for source in sources.values():
            save_source(db, source)
    finally:
        db.close()
    return None
