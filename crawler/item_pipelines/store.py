"""Item pipeline: storing each article through ``pipelines.saving`` (exact duplicates, versions, search
index, story clusters) with the capture it came from; counts new / updated / unchanged / duplicates."""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Awaitable
from dataclasses import asdict
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import ArticleItem
from crawler.support import archive_db_path
from crawler.writer_thread import WriterThread
from pipelines.archive.lookup import capture_with_digest
from pipelines.archive.schema import open_archive
from pipelines.archive.store import save_capture, set_capture_document
from pipelines.dedup.clusters import CLUSTER_BATCH
from pipelines.dedup.near import tune_for_clustering
from pipelines.documents.raw import RawDocument
from pipelines.documents.urls import add_alias_keys
from pipelines.headers import header_value
from pipelines.saving import ArticleSaver, Saved


class StorePipeline:
    """Stores the capture and the article; counts new / updated / unchanged / duplicates and the articles
    that joined a matching story (``archive/near_duplicates``) in the stats.

    Exact copies (the same normalised text under an unknown key) are dropped, their keys kept as aliases.
    That is decided on the writer thread, where every earlier item is already stored.

    The SQLite work runs on a writer thread that owns this pipeline's connection (SQLite objects stay on
    the thread that made them), so the reactor keeps crawling while rows, the full-text index and story
    clusters are written. Items are stored one at a time, in order, each in its own transaction (cheap: WAL
    with synchronous=NORMAL does not fsync a commit); ``process_item`` returns only after its commit, so no
    item, outcome or count is reported before it is stored. New articles are clustered ``batch`` at a time
    (``pipelines.saving``); a crash loses at most the uncommitted batch's clustering, never an article, and
    the next crawl clusters those articles when it opens.
    """

    def __init__(self, crawler: Crawler, db_path: str, batch: int = CLUSTER_BATCH) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.batch = batch
        self.thread: WriterThread | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler, archive_db_path(crawler))

    def open_spider(self) -> Awaitable[None] | None:
        # The crawled source's mobile -> desktop host map: its URLs are one article's keys.
        source = getattr(self.crawler.spider, "source", None)
        self.host_aliases = dict(getattr(source, "host_aliases", None) or {})
        self.thread = WriterThread("store-writer")
        if self.crawler.settings.getbool("ARCHIVE_MANY_CRAWLS"):  # see close_spider
            return asyncio.ensure_future(self._open_async(self.thread))
        self.db = self.thread.call(open_archive, self.db_path)
        self.saver = ArticleSaver(self.db, batch=self.batch)
        self.thread.call(self.saver.open)
        return None

    async def _open_async(self, thread: WriterThread) -> None:
        self.db = await thread.run(open_archive, self.db_path)
        self.saver = ArticleSaver(self.db, batch=self.batch)
        # Not saver.open: the crawl process clusters what earlier runs left unclustered once, when it starts
        # (crawler/crawl_host.py); at each crawl's start it also clustered the articles of every crawl in
        # flight (unclustered until their batch is flushed), after reading every article to find them.
        await thread.run(tune_for_clustering, self.db)

    def close_spider(self) -> Awaitable[None] | None:
        """Finish the last batch and close. With ARCHIVE_MANY_CRAWLS, without blocking the reactor (an
        awaitable for Scrapy): a crawl process that runs many crawls at once (crawler/crawl_host.py) must
        not stop them all while one crawl's last batch waits for the database."""
        if self.thread is None:
            return None
        if self.crawler.settings.getbool("ARCHIVE_MANY_CRAWLS"):
            return asyncio.ensure_future(self._close_async())
        self._count_near_duplicates(self.thread.call(self.saver.close))
        self.thread.call(self.db.close)
        self.thread.close()
        self.thread = None
        return None

    async def _close_async(self) -> None:
        thread, self.thread = self.thread, None
        assert thread is not None
        self._count_near_duplicates(await thread.run(self.saver.close))
        await thread.run(self.db.close)
        thread.close()  # its queue is empty: returns at once

    def _capture_id(self, page: RawDocument, run_id: int | None) -> int:
        """The captures row of the page: the one the WARC middleware wrote (its id came in the item), or,
        for an item that came another way, one made here without a WARC record."""
        # How the spider described the input: with the WARC payload, re-extraction rebuilds this document.
        document = json.dumps(
            {k: v for k, v in asdict(page).items() if k not in ("body", "capture_id")}, ensure_ascii=False
        )
        if page.capture_id is not None:
            set_capture_document(self.db, page.capture_id, document)
            return page.capture_id
        url = page.url or (f"file:{page.path}" if page.path else page.name)
        digest = "sha256:" + hashlib.sha256(page.body).hexdigest()
        same = capture_with_digest(self.db, url, digest)
        if same is not None:
            return same  # the very same bytes were captured before: nothing new to record
        content_type = header_value(page.headers, "content-type")
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
                "document": document,
            },
        )

    def _store(self, page: RawDocument, record: dict[str, Any], run_id: int | None) -> Saved:
        """On the writer thread: the capture row and the article, each committed before this returns."""
        if self.host_aliases:
            record = {**record, "keys": add_alias_keys(record.get("keys") or [], self.host_aliases)}
        return self.saver.save(record, run_id=run_id, capture_id=lambda: self._capture_id(page, run_id))

    def _count_near_duplicates(self, matched: int) -> None:
        if matched:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("archive/near_duplicates", matched)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        assert self.crawler.stats is not None and self.thread is not None
        run_id = self.crawler.stats.get_value("archive/run_id")
        saved = await self.thread.run(self._store, item.page, item.record, run_id)
        # Stats and the item are touched here, on the reactor thread, once the commit is done.
        self._count_near_duplicates(saved.near_duplicates)
        if saved.outcome == "duplicate":
            self.crawler.stats.inc_value("archive/duplicates")
            raise DropItem(
                f"{item.page.name}: exact duplicate of article {saved.article_id}", log_level="INFO"
            )
        self.crawler.stats.inc_value(f"archive/{saved.outcome}")
        item.article_id, item.outcome = saved.article_id, saved.outcome
        return item
