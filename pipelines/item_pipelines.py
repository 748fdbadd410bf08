"""Scrapy item pipelines: thin adapters around the Scrapy-free steps (extract → dedup → store).

Enabled in ``crawler.settings.ITEM_PIPELINES``; each reads its settings with the ``ARCHIVE_`` prefix.
"""

from __future__ import annotations

import asyncio
import hashlib
import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem, NotConfigured

from crawler.items import ArticleItem, PageItem
from crawler.signals import document_failed
from pipelines.dedup import find_duplicate
from pipelines.documents import document_to_record
from pipelines.errors import DocumentError
from pipelines.schema import open_archive
from pipelines.storage import save_article, save_capture, save_duplicate


def report_failure(crawler: Crawler, input_name: str, reason: str, *, stage: str, counted: bool = True) -> None:
    """Count a failed input in the stats and tell listeners (the run recorder, the CLI) about it."""
    assert crawler.stats is not None
    crawler.stats.inc_value("archive/failed" if counted else "archive/dropped/not an article")
    crawler.signals.send_catch_log(
        document_failed, input=input_name, reason=reason, stage=stage, counted=counted
    )


def _archive_db_path(crawler: Crawler) -> str:
    path = crawler.settings.get("ARCHIVE_DB")
    if not path:
        raise NotConfigured("ARCHIVE_DB is not set")
    return str(path)


class ExtractPipeline:
    """Runs extraction in a pool of worker processes, so CPU-heavy parsing never blocks the reactor."""

    def __init__(self, crawler: Crawler, workers: int) -> None:
        self.crawler = crawler
        self.workers = workers
        self.executor: Executor | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ExtractPipeline:
        workers = crawler.settings.getint("ARCHIVE_EXTRACT_WORKERS", -1)
        return cls(crawler, (os.cpu_count() or 1) if workers < 0 else workers)

    def _new_executor(self) -> Executor | None:
        if self.workers == 0:
            return None  # inline, for debugging
        # spawn: forking a process that runs a reactor and threads is unsafe.
        return ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("spawn"))

    def open_spider(self) -> None:
        self.executor = self._new_executor()

    def close_spider(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)

    async def _extract(self, page: PageItem) -> dict[str, Any]:
        if self.executor is None:
            return document_to_record(page)
        return await asyncio.get_running_loop().run_in_executor(self.executor, document_to_record, page)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, PageItem):
            return item
        try:
            record = await self._extract(item)
        except DocumentError as exc:
            counted = not exc.not_article or getattr(self.crawler.spider, "every_input_is_an_article", False)
            report_failure(self.crawler, exc.input, exc.reason, stage="extract", counted=counted)
            raise DropItem(str(exc), log_level="INFO") from None
        except BrokenProcessPool:
            self.executor = self._new_executor()
            report_failure(self.crawler, item.name, "the extraction process crashed", stage="extract")
            raise DropItem(f"{item.name}: the extraction process crashed") from None
        return ArticleItem(record=record, page=item)


class DedupPipeline:
    """Drops exact copies of stored articles (same normalised text under another key), keeping their keys."""

    def __init__(self, crawler: Crawler, db_path: str) -> None:
        self.crawler = crawler
        self.db_path = db_path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        return cls(crawler, _archive_db_path(crawler))

    def open_spider(self) -> None:
        self.db = open_archive(self.db_path)

    def close_spider(self) -> None:
        self.db.close()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        original = find_duplicate(self.db, item.record)
        if original is not None:
            save_duplicate(self.db, item.record, original)
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("archive/duplicates")
            raise DropItem(f"{item.page.name}: exact duplicate of article {original}", log_level="INFO")
        return item


class StorePipeline:
    """Stores the capture and the article; counts new / updated / unchanged in the crawl's stats."""

    def __init__(self, crawler: Crawler, db_path: str) -> None:
        self.crawler = crawler
        self.db_path = db_path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler, _archive_db_path(crawler))

    def open_spider(self) -> None:
        self.db = open_archive(self.db_path)

    def close_spider(self) -> None:
        self.db.close()

    def _capture_id(self, page: PageItem, run_id: int | None) -> int:
        url = page.url or (f"file:{page.path}" if page.path else page.name)
        digest = "sha256:" + hashlib.sha256(page.body).hexdigest()
        same = self.db.execute(
            "select id from captures where url = ? and digest = ? order by id desc limit 1", [url, digest]
        ).fetchone()
        if same:
            return int(same[0])  # the very same bytes were captured before: nothing new to record
        content_type = next((v for k, v in page.headers.items() if k.lower() == "content-type"), None)
        return save_capture(
            self.db,
            {
                "run_id": run_id,
                "url": url,
                "path": page.path,
                "fetched_at": page.fetched_at,
                "status": page.status,
                "content_type": content_type,
                "headers": page.headers,
                "digest": digest,
                "length": len(page.body),
            },
        )

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        assert self.crawler.stats is not None
        run_id = self.crawler.stats.get_value("archive/run_id")
        capture_id = self._capture_id(item.page, run_id)
        result = save_article(self.db, item.record, run_id=run_id, capture_id=capture_id)
        self.crawler.stats.inc_value(f"archive/{result.outcome}")
        item.article_id, item.outcome = result.article_id, result.outcome
        return item
