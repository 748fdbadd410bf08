"""Item pipeline: storing captures and articles, counting new / updated / unchanged."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from typing import Any

from scrapy.crawler import Crawler

from crawler.items import ArticleItem, PageItem
from pipelines.schema import open_archive
from pipelines.scrapy_support import archive_db_path
from pipelines.storage import save_article, save_capture


class StorePipeline:
    """Stores the capture and the article; counts new / updated / unchanged in the crawl's stats."""

    def __init__(self, crawler: Crawler, db_path: str) -> None:
        self.crawler = crawler
        self.db_path = db_path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler, archive_db_path(crawler))

    def open_spider(self) -> None:
        self.db = open_archive(self.db_path)

    def close_spider(self) -> None:
        self.db.close()

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
