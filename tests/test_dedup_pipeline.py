"""The Scrapy side: exact copies dropped with their keys kept, near-duplicates stored and clustered."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem
from pipelines.dedup_pipeline import ClusterPipeline, DedupPipeline
from pipelines.documents import RawDocument
from pipelines.storage import find_article_by_keys, save_article

TEXT = "\n".join(
    [
        "青岛市南区今天召开会议，部署海洋经济发展工作，会议要求各部门加快推进重点项目建设。",
        "与会人员表示，将把招商引资作为全年工作的重中之重，确保一季度实现开门红。",
        "会议还通报了去年全区海洋产业发展情况，海洋生产总值同比增长百分之九点五。",
    ]
)


def item_for(record) -> ArticleItem:
    page = RawDocument(
        body=b"<html></html>", name=record["url"], fetched_at=record["fetched_at"], url=record["url"]
    )
    return ArticleItem(record=record, page=page)


@pytest.fixture
def pipelines(tmp_path):
    crawler = get_crawler(settings_dict={"ARCHIVE_DB": str(tmp_path / "a.db")})
    crawler.spider = SimpleNamespace(source=SimpleNamespace(host_aliases={"m.example.cn": "www.example.cn"}))
    crawler.stats.open_spider()
    dedup, cluster = DedupPipeline.from_crawler(crawler), ClusterPipeline.from_crawler(crawler)
    dedup.open_spider()
    cluster.open_spider()
    yield crawler, dedup, cluster
    dedup.close_spider()
    cluster.close_spider()


def stored(pipeline: ClusterPipeline, item: ArticleItem) -> ArticleItem:
    """What StorePipeline does between the two: save the article and note its id."""
    result = save_article(pipeline.db, item.record)
    item.article_id, item.outcome = result.article_id, result.outcome
    return pipeline.process_item(item)


def test_exact_copy_is_dropped_and_its_url_remembered(pipelines, make_record) -> None:
    crawler, dedup, cluster = pipelines
    first = stored(
        cluster, dedup.process_item(item_for(make_record(TEXT, url="https://www.example.cn/1.html")))
    )
    copy = make_record(TEXT, url="https://other.example.org/repost.html")
    with pytest.raises(DropItem, match="exact duplicate"):
        dedup.process_item(item_for(copy))
    assert crawler.stats.get_value("archive/duplicates") == 1
    assert find_article_by_keys(dedup.db, ["https://other.example.org/repost.html"]) == first.article_id


def test_near_duplicate_is_kept_and_clustered(pipelines, make_record) -> None:
    crawler, dedup, cluster = pipelines
    first = stored(
        cluster, dedup.process_item(item_for(make_record(TEXT, url="https://www.example.cn/1.html")))
    )
    repost = make_record(
        "原标题：市南区部署海洋经济工作\n" + TEXT.replace("，", ",") + "\n来源：青岛日报",
        url="https://portal.example.org/9.html",
    )
    second = stored(cluster, dedup.process_item(item_for(repost)))
    assert second.article_id != first.article_id
    assert cluster.db["articles"].get(second.article_id)["cluster_id"] == first.article_id
    assert crawler.stats.get_value("archive/near_duplicates") == 1


def test_mobile_url_of_a_source_is_its_desktop_article(pipelines, make_record) -> None:
    _, dedup, cluster = pipelines
    first = stored(
        cluster, dedup.process_item(item_for(make_record(TEXT, url="https://www.example.cn/1.html")))
    )
    mobile = dedup.process_item(item_for(make_record(TEXT, url="https://m.example.cn/1.html?from=wx")))
    assert mobile.record["keys"][0] == "https://www.example.cn/1.html"
    assert stored(cluster, mobile).article_id == first.article_id
