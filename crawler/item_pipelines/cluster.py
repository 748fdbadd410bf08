"""Item pipeline: story clustering of stored articles (near-duplicates share a cluster).

Exact copies are decided in ``StorePipeline``, on its writer thread, where every earlier item is visible.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler

from crawler.items import ArticleItem
from crawler.support import archive_db_path
from pipelines.archive.schema import open_archive
from pipelines.dedup.clusters import CLUSTER_BATCH, assign_clusters, ensure_clusters
from pipelines.dedup.near import tune_for_clustering


class ClusterPipeline:
    """After storing: puts each new or changed article into its story cluster (near-duplicates share one).

    Runs after StorePipeline (it needs the article id). On opening it brings the LSH index up to date, so
    an archive written before clustering, or with a lost index, is clustered before new articles come in.

    New articles are clustered CLUSTER_BATCH at a time, in one transaction each (and the rest on closing).
    A crash loses at most the uncommitted batch's clustering, never an article: those articles are stored
    without a cluster_id, and ``ensure_clusters`` clusters them when the next crawl opens. A changed article
    already has a cluster_id, so it is clustered at once (with the batch waiting before it).
    """

    def __init__(self, crawler: Crawler, db_path: str, batch: int = CLUSTER_BATCH) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.batch = batch
        self.pending: list[tuple[int, dict[str, Any] | None]] = []

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ClusterPipeline:
        return cls(crawler, archive_db_path(crawler))

    def open_spider(self) -> None:
        self.db = open_archive(self.db_path)
        tune_for_clustering(self.db)
        ensure_clusters(self.db)

    def close_spider(self) -> None:
        self.flush()
        self.db.close()

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem) or item.article_id is None:
            return item
        if item.outcome not in ("new", "updated"):
            return item
        self.pending.append((item.article_id, item.record))
        if item.outcome == "updated" or len(self.pending) >= self.batch:
            self.flush()
        return item

    def flush(self) -> None:
        """Cluster the waiting articles in one transaction."""
        if not self.pending:
            return
        results = assign_clusters(self.db, self.pending)
        self.pending = []
        matched = sum(1 for result in results if result.matches)
        if matched:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("archive/near_duplicates", matched)
