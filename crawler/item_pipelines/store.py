"""Item pipeline: storing captures and articles, counting new / updated / unchanged."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import ArticleItem, PageItem
from crawler.support import archive_db_path
from crawler.writer_thread import WriterThread
from pipelines.archive.schema import open_archive
from pipelines.archive.store import SaveResult, save_article, save_capture, save_duplicate
from pipelines.dedup.exact import find_duplicate
from pipelines.documents.urls import add_alias_keys


class _Duplicate(Exception):
    def __init__(self, original: int) -> None:
        self.original = original


class StorePipeline:
    """Stores the capture and the article; counts new / updated / unchanged / duplicates in the stats.

    Exact copies (the same normalised text under an unknown key) are decided here, on the writer thread,
    because only there is every earlier item already stored: they are dropped, their keys kept as aliases.

    The SQLite work runs on a writer thread that owns this pipeline's connection (SQLite objects stay on
    the thread that made them), so the reactor keeps crawling while rows and the full-text index are
    written. Items are stored one at a time, in order, each in its own transaction (cheap: WAL with
    synchronous=NORMAL does not fsync a commit); ``process_item`` returns only after its commit, so no
    item, outcome or count is reported before it is stored.
    """

    def __init__(self, crawler: Crawler, db_path: str) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.thread: WriterThread | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler, archive_db_path(crawler))

    def open_spider(self) -> None:
        # The crawled source's mobile -> desktop host map: its URLs are one article's keys.
        source = getattr(self.crawler.spider, "source", None)
        self.host_aliases = dict(getattr(source, "host_aliases", None) or {})
        self.thread = WriterThread("store-writer")
        self.db = self.thread.call(open_archive, self.db_path)

    def close_spider(self) -> None:
        if self.thread is None:
            return
        self.thread.call(self.db.close)
        self.thread.close()
        self.thread = None

    def _capture_id(self, page: PageItem, run_id: int | None) -> int:
        """The captures row of the page: the one the WARC middleware wrote (its id came in the item), or,
        for an item that came another way, one made here without a WARC record."""
        # How the spider described the input: with the WARC payload, re-extraction rebuilds this document.
        document = json.dumps(
            {k: v for k, v in asdict(page).items() if k not in ("body", "capture_id")}, ensure_ascii=False
        )
        if page.capture_id is not None:
            with self.db.conn:
                self.db.execute("update captures set document = ? where id = ?", [document, page.capture_id])
            return page.capture_id
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
                "document": document,
            },
        )

    def _store(self, page: PageItem, record: dict[str, Any], run_id: int | None) -> SaveResult:
        """On the writer thread: the capture row and the article, each committed before this returns."""
        if self.host_aliases:
            record = {**record, "keys": add_alias_keys(record.get("keys") or [], self.host_aliases)}
        original = find_duplicate(self.db, record)
        if original is not None:
            save_duplicate(self.db, record, original)
            raise _Duplicate(original)
        capture_id = self._capture_id(page, run_id)
        return save_article(self.db, record, run_id=run_id, capture_id=capture_id)

    async def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        assert self.crawler.stats is not None and self.thread is not None
        run_id = self.crawler.stats.get_value("archive/run_id")
        try:
            result = await self.thread.run(self._store, item.page, item.record, run_id)
        except _Duplicate as exc:
            self.crawler.stats.inc_value("archive/duplicates")
            raise DropItem(
                f"{item.page.name}: exact duplicate of article {exc.original}", log_level="INFO"
            ) from None
        # Stats and the item are touched here, on the reactor thread, once the commit is done.
        self.crawler.stats.inc_value(f"archive/{result.outcome}")
        item.article_id, item.outcome = result.article_id, result.outcome
        return item
