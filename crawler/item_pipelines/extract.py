"""Item pipeline: extraction of raw pages into article records, in worker processes."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
from concurrent.futures import Executor, Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import ArticleItem
from crawler.support import report_failure
from pipelines.documents import RawDocument, record_from_document
from pipelines.errors import DocumentError
from pipelines.extract.worker import init_worker, warm_up


class ExtractPipeline:
    """Runs extraction in a pool of worker processes, so CPU-heavy parsing never blocks the reactor."""

    def __init__(self, crawler: Crawler, workers: int) -> None:
        self.crawler = crawler
        self.workers = workers
        self.executor: Executor | None = None
        self.warming: Future[None] | None = None  # the pool's first task, submitted when the spider opens

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        workers = crawler.settings.getint("ARCHIVE_EXTRACT_WORKERS", -1)
        return cls(crawler, (os.cpu_count() or 1) if workers < 0 else workers)

    def _new_executor(self) -> Executor | None:
        if self.workers == 0:
            return None  # inline, for debugging
        # spawn: forking a process that runs a reactor and threads is unsafe.
        return ProcessPoolExecutor(
            self.workers, mp_context=multiprocessing.get_context("spawn"), initializer=init_worker
        )

    def open_spider(self) -> None:
        self.executor = self._new_executor()
        if self.executor is not None:
            self.warming = self.executor.submit(warm_up)

    def close_spider(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)

    async def _record(self, page: RawDocument) -> dict[str, Any]:
        if self.executor is None:
            return record_from_document(page)
        return await asyncio.get_running_loop().run_in_executor(self.executor, record_from_document, page)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, RawDocument):
            return item
        try:
            record = await self._record(item)
        except DocumentError as exc:
            counted = not exc.not_article or getattr(self.crawler.spider, "every_input_is_an_article", False)
            report_failure(self.crawler, exc.input, exc.reason, stage="extract", counted=counted)
            raise DropItem(str(exc), log_level="INFO") from None
        except BrokenProcessPool:
            self.executor = self._new_executor()
            report_failure(self.crawler, item.name, "the extraction process crashed", stage="extract")
            raise DropItem(f"{item.name}: the extraction process crashed") from None
        return ArticleItem(record=record, page=item)
