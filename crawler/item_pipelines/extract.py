"""Item pipeline: extraction of raw pages into article records, in worker processes."""

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


class ExtractPipeline:
    """Runs extraction in a pool of worker processes, so CPU-heavy parsing never blocks the reactor."""

    def __init__(
        self,
        crawler: Crawler,
        workers: int,
        time_budget: float = TIME_BUDGET,
        memory_budget_mb: int = MEMORY_BUDGET_MB,
    ) -> None:
        self.crawler = crawler
        self.workers = workers
        self.budget = (time_budget, memory_budget_mb)
        self.executor: Executor | None = None
        self.warming: Future[None] | None = None  # the pool's first task, submitted when the spider opens
        # Pages whose pool broke under them run again here, one at a time, each in a worker of its own: the
        # page that breaks it again is the one that broke the pool; the others are extracted as usual.
        self.quarantine: Executor | None = None
        self.quarantine_lock = asyncio.Lock()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        workers = crawler.settings.getint("ARCHIVE_EXTRACT_WORKERS", -1)
        return cls(
            crawler,
            (os.cpu_count() or 1) if workers < 0 else workers,
            crawler.settings.getfloat("ARCHIVE_EXTRACT_TIME_BUDGET", TIME_BUDGET),
            crawler.settings.getint("ARCHIVE_EXTRACT_MEMORY_MB", MEMORY_BUDGET_MB),
        )

    def _new_executor(self, workers: int | None = None) -> Executor | None:
        if self.workers == 0:
            return None  # inline, for debugging
        # spawn: forking a process that runs a reactor and threads is unsafe.
        return ProcessPoolExecutor(
            workers or self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=init_worker,
            initargs=self.budget,
        )

    def open_spider(self) -> None:
        self.executor = self._new_executor()
        if self.executor is not None:
            self.warming = self.executor.submit(warm_up)

    def close_spider(self) -> None:
        for executor in (self.executor, self.quarantine):
            if executor is not None:
                executor.shutdown(wait=True, cancel_futures=True)

    async def _record(self, page: RawDocument, executor: Executor | None) -> dict[str, Any]:
        if executor is None:
            return record_from_document(page)
        return await asyncio.get_running_loop().run_in_executor(executor, extract_within_budget, page)

    def _replace(self, executor: Executor | None) -> None:
        """A new pool instead of ``executor`` (once, whichever of its pages notices first); the old one's
        workers finish the pages in hand, then exit."""
        if executor is not None and self.executor is executor:
            self.executor = self._new_executor()
            executor.shutdown(wait=False)

    async def _alone(self, page: RawDocument) -> dict[str, Any]:
        """``page`` again, alone in a worker, after its pool broke; _Crashed when it breaks that one too."""
        async with self.quarantine_lock:
            if self.quarantine is None:
                self.quarantine = self._new_executor(workers=1)
            quarantine = self.quarantine
            try:
                return await self._record(page, quarantine)
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

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, RawDocument):
            return item
        executor = self.executor
        try:
            try:
                record = await self._record(item, executor)
            except BrokenProcessPool:  # a worker died (this page, or another in the pool at the time)
                self._replace(executor)
                record = await self._alone(item)
        except OverBudget as exc:
            self._replace(executor)  # its worker may be left in a bad state
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
