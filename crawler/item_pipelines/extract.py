"""Item pipeline: extraction of raw pages into article records, in worker processes.

A crawl process running one source (``newsarchive crawl``) has a pool of its own, started when the spider
opens and shut down when it closes. A long-lived crawl process running many sources' crawls at once
(crawler/crawl_host.py, behind ``newsarchive schedule``) sets ``ARCHIVE_EXTRACT_SHARED``: every crawl in
it uses one pool, started once, so the workers' start-up (~150 MB and ~1 s of CPU each) is paid once per
process instead of once per source per run.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import ArticleItem
from crawler.support import report_failure
from pipelines.documents import RawDocument, record_from_document
from pipelines.errors import DocumentError
from pipelines.extract.worker import (
    MEMORY_BUDGET_MB,
    TIME_BUDGET,
    OverBudget,
    extract_within_budget,
    init_worker,
    warm_up,
)


class _Crashed(Exception):
    """A page whose extraction killed its worker even alone."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ExtractionPool:
    """Worker processes for extraction, replaced when one breaks, with a quarantine for the pages that
    were in a pool when it broke. Used by one crawl, or shared by every crawl of a crawl process."""

    def __init__(
        self, workers: int, time_budget: float = TIME_BUDGET, memory_budget_mb: int = MEMORY_BUDGET_MB
    ) -> None:
        self.workers = workers
        self.budget = (time_budget, memory_budget_mb)
        self.executor: Executor | None = None
        self.warming: Future[None] | None = None  # the pool's first task, submitted when it starts
        # Pages whose pool broke under them run again here, one at a time, each in a worker of its own: the
        # page that breaks it again is the one that broke the pool; the others are extracted as usual.
        self.quarantine: Executor | None = None
        self._quarantine_lock: asyncio.Lock | None = None

    def new_executor(self, workers: int | None = None) -> Executor | None:
        if self.workers == 0:
            return None  # inline, for debugging
        # spawn: forking a process that runs a reactor and threads is unsafe.
        return ProcessPoolExecutor(
            workers or self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker,
            initargs=self.budget,
        )

    def start(self) -> None:
        """Start the workers (once): they come up while the crawl fetches its first list pages."""
        if self.executor is None and self.workers != 0:
            self.executor = self.new_executor()
            if self.executor is not None:
                self.warming = self.executor.submit(warm_up)

    def shutdown(self, wait: bool = True) -> None:
        for executor in (self.executor, self.quarantine):
            if executor is not None:
                executor.shutdown(wait=wait, cancel_futures=True)
        self.executor = self.quarantine = None

    async def record(self, page: RawDocument, executor: Executor | None) -> dict[str, Any]:
        if executor is None:
            return record_from_document(page)
        return await asyncio.get_running_loop().run_in_executor(executor, extract_within_budget, page)

    def replace(self, executor: Executor | None) -> None:
        """A new pool instead of ``executor`` (once, whichever of its pages notices first); the old one's
        workers finish the pages in hand, then exit."""
        if executor is not None and self.executor is executor:
            self.executor = self.new_executor()
            executor.shutdown(wait=False)

    async def alone(self, page: RawDocument) -> dict[str, Any]:
        """``page`` again, alone in a worker, after its pool broke; _Crashed when it breaks that one too."""
        if self._quarantine_lock is None:
            self._quarantine_lock = asyncio.Lock()
        async with self._quarantine_lock:
            if self.quarantine is None:
                self.quarantine = self.new_executor(workers=1)
            quarantine = self.quarantine
            try:
                return await self.record(page, quarantine)
            except BrokenProcessPool:
                reason = "the extraction process crashed" + await self._stopped_why(quarantine)
                self.quarantine = None
                if quarantine is not None:
                    quarantine.shutdown(wait=False)
                raise _Crashed(reason) from None

    async def _stopped_why(self, executor: Executor | None) -> str:
        """Why the workers of a broken pool ended, when their exit says it: SIGXCPU is the time budget's
        backstop (a page stuck in C code past twice its budget)."""
        processes = list((getattr(executor, "_processes", None) or {}).values())
        for _ in range(20):  # the dead worker's exit status comes a moment after its pipe closes
            if all(process.exitcode is not None for process in processes):
                break
            await asyncio.sleep(0.05)
        codes = {process.exitcode for process in processes}
        if -signal.SIGXCPU in codes:
            return f": a page went over the time budget ({self.budget[0]:g} s per document)"
        return ""


# The pools shared by the crawls of this process, by (workers, time budget, memory budget).
_shared: dict[tuple[int, float, int], ExtractionPool] = {}


def shared_pool(workers: int, time_budget: float, memory_budget_mb: int) -> ExtractionPool:
    """This process's pool for these settings, made at the first crawl that asks for it."""
    key = (workers, time_budget, memory_budget_mb)
    if key not in _shared:
        _shared[key] = ExtractionPool(workers, time_budget, memory_budget_mb)
    return _shared[key]


def close_shared_pools(wait: bool = True) -> None:
    """Shut the shared pools down (the crawl process, as it exits)."""
    while _shared:
        _, pool = _shared.popitem()
        pool.shutdown(wait=wait)


class ExtractPipeline:
    """Runs extraction in a pool of worker processes, so CPU-heavy parsing never blocks the reactor."""

    def __init__(
        self,
        crawler: Crawler,
        workers: int,
        time_budget: float = TIME_BUDGET,
        memory_budget_mb: int = MEMORY_BUDGET_MB,
        *,
        shared: bool = False,
    ) -> None:
        self.crawler = crawler
        self.workers = workers
        self.budget = (time_budget, memory_budget_mb)
        self.shared = shared
        self.pool = (
            shared_pool(workers, time_budget, memory_budget_mb)
            if shared
            else ExtractionPool(workers, time_budget, memory_budget_mb)
        )

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        workers = crawler.settings.getint("ARCHIVE_EXTRACT_WORKERS", -1)
        return cls(
            crawler,
            (os.cpu_count() or 1) if workers < 0 else workers,
            crawler.settings.getfloat("ARCHIVE_EXTRACT_TIME_BUDGET", TIME_BUDGET),
            crawler.settings.getint("ARCHIVE_EXTRACT_MEMORY_MB", MEMORY_BUDGET_MB),
            shared=crawler.settings.getbool("ARCHIVE_EXTRACT_SHARED"),
        )

    @property
    def executor(self) -> Executor | None:
        return self.pool.executor

    @property
    def warming(self) -> Future[None] | None:
        return self.pool.warming

    def _new_executor(self, workers: int | None = None) -> Executor | None:
        return self.pool.new_executor(workers)

    def open_spider(self) -> None:
        self.pool.start()

    def close_spider(self) -> None:
        if not self.shared:  # a shared pool outlives each crawl; its process shuts it down
            self.pool.shutdown(wait=True)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, RawDocument):
            return item
        pool = self.pool
        executor = pool.executor
        try:
            try:
                record = await pool.record(item, executor)
            except BrokenProcessPool:  # a worker died (this page, or another in the pool at the time)
                pool.replace(executor)
                record = await pool.alone(item)
        except OverBudget as exc:
            pool.replace(executor)  # its worker may be left in a bad state
            report_failure(self.crawler, exc.input, exc.reason, stage="extract")
            raise DropItem(str(exc), log_level="INFO") from None
        except DocumentError as exc:
            counted = not exc.not_article or getattr(self.crawler.spider, "every_input_is_an_article", False)
            report_failure(self.crawler, exc.input, exc.reason, stage="extract", counted=counted)
            raise DropItem(str(exc), log_level="INFO") from None
        except _Crashed as exc:
            report_failure(self.crawler, item.name, exc.reason, stage="extract")
            raise DropItem(f"{item.name}: {exc.reason}") from None
        except Exception as exc:  # a bug met by one page (RecursionError, ...): that page failed, counted
            detail = (str(exc).splitlines() or [""])[0]
            reason = f"extraction failed: {type(exc).__name__}" + (f": {detail}" if detail else "")
            report_failure(self.crawler, item.name, reason, stage="extract")
            raise DropItem(f"{item.name}: {reason}") from None
        return ArticleItem(record=record, page=item)
