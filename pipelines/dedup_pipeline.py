"""Item pipeline: deduplication against the archive before storing."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import ArticleItem
from pipelines.dedup import find_duplicate
from pipelines.schema import open_archive
from pipelines.scrapy_support import archive_db_path
from pipelines.storage import save_duplicate


class DedupPipeline:
    """Drops exact copies of stored articles (same normalised text under another key), keeping their keys."""

    def __init__(self, crawler: Crawler, db_path: str) -> None:
        self.crawler = crawler
        self.db_path = db_path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        return cls(crawler, archive_db_path(crawler))

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
