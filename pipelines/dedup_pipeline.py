"""Item pipelines: deduplication against the archive before storing, story clustering after it."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.items import ArticleItem
from pipelines.clusters import assign_cluster, ensure_clusters
from pipelines.dedup import find_duplicate
from pipelines.schema import open_archive
from pipelines.scrapy_support import archive_db_path
from pipelines.storage import save_duplicate
from pipelines.urls import add_alias_keys


def _source_host_aliases(crawler: Crawler) -> dict[str, str]:
    """The crawled source's mobile -> desktop host map, when the spider has a source definition."""
    source = getattr(crawler.spider, "source", None)
    return dict(getattr(source, "host_aliases", None) or {})


class DedupPipeline:
    """Drops exact copies of stored articles (same normalised text under another key), keeping their keys.

    Near-duplicates are not dropped: they are stored, and ``ClusterPipeline`` puts them in their story.
    """

    def __init__(self, crawler: Crawler, db_path: str) -> None:
        self.crawler = crawler
        self.db_path = db_path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        return cls(crawler, archive_db_path(crawler))

    def open_spider(self) -> None:
        self.db = open_archive(self.db_path)
        self.host_aliases = _source_host_aliases(self.crawler)

    def close_spider(self) -> None:
        self.db.close()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        if self.host_aliases:
            # The mobile and desktop URLs of one page are one key: decided per source, so done here.
            item.record["keys"] = add_alias_keys(item.record.get("keys") or [], self.host_aliases)
        original = find_duplicate(self.db, item.record)
        if original is not None:
            save_duplicate(self.db, item.record, original)
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("archive/duplicates")
            raise DropItem(f"{item.page.name}: exact duplicate of article {original}", log_level="INFO")
        return item


class ClusterPipeline:
    """After storing: puts each new or changed article into its story cluster (near-duplicates share one).

    Runs after StorePipeline (it needs the article id). On opening it brings the LSH index up to date, so
    an archive written before clustering, or with a lost index, is clustered before new articles come in.
    """

    def __init__(self, crawler: Crawler, db_path: str) -> None:
        self.crawler = crawler
        self.db_path = db_path

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClusterPipeline:
        return cls(crawler, archive_db_path(crawler))

    def open_spider(self) -> None:
        self.db = open_archive(self.db_path)
        ensure_clusters(self.db)

    def close_spider(self) -> None:
        self.db.close()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem) or item.article_id is None:
            return item
        if item.outcome not in ("new", "updated"):
            return item
        result = assign_cluster(self.db, item.article_id, item.record)
        if result.matches:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("archive/near_duplicates")
        return item
