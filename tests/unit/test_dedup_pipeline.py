"""The Scrapy side: exact copies dropped with their keys kept, near-duplicates stored and clustered."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.item_pipelines.cluster import ClusterPipeline
from crawler.item_pipelines.store import StorePipeline
from crawler.items import ArticleItem
from pipelines.archive.store import find_article_by_keys, save_article
from pipelines.documents.raw import RawDocument

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
    store, cluster = StorePipeline.from_crawler(crawler), ClusterPipeline.from_crawler(crawler)
    store.open_spider()
    cluster.open_spider()
    yield crawler, store, cluster
    store.close_spider()
    cluster.close_spider()


async def stored(pipelines, item: ArticleItem) -> ArticleItem:
    """The item through StorePipeline (exact copies are dropped there) and then ClusterPipeline."""
    _, store, cluster = pipelines
    return cluster.process_item(await store.process_item(item))


async def test_exact_copy_is_dropped_and_its_url_remembered(pipelines, make_record) -> None:
    crawler, _, cluster = pipelines
    first = await stored(pipelines, item_for(make_record(TEXT, url="https://www.example.cn/1.html")))
    copy = make_record(TEXT, url="https://other.example.org/repost.html")
    with pytest.raises(DropItem, match="exact duplicate"):
        await stored(pipelines, item_for(copy))
    assert crawler.stats.get_value("archive/duplicates") == 1
    assert find_article_by_keys(cluster.db, ["https://other.example.org/repost.html"]) == first.article_id


async def test_near_duplicate_is_kept_and_clustered(pipelines, make_record) -> None:
    crawler, _, cluster = pipelines
    first = await stored(pipelines, item_for(make_record(TEXT, url="https://www.example.cn/1.html")))
    repost = make_record(
        "原标题：市南区部署海洋经济工作\n" + TEXT.replace("，", ",") + "\n来源：青岛日报",
        url="https://portal.example.org/9.html",
    )
    second = await stored(pipelines, item_for(repost))
    assert second.article_id != first.article_id
    cluster.flush()  # new articles are clustered in batches
    assert cluster.db["articles"].get(second.article_id)["cluster_id"] == first.article_id
    assert crawler.stats.get_value("archive/near_duplicates") == 1


async def test_mobile_url_of_a_source_is_its_desktop_article(pipelines, make_record) -> None:
    first = await stored(pipelines, item_for(make_record(TEXT, url="https://www.example.cn/1.html")))
    mobile = await stored(pipelines, item_for(make_record(TEXT, url="https://m.example.cn/1.html?from=wx")))
    assert (mobile.outcome, mobile.article_id) == ("unchanged", first.article_id)


def test_new_articles_are_clustered_in_batches_and_caught_up_after_a_crash(tmp_path, make_record) -> None:
    crawler = get_crawler(settings_dict={"ARCHIVE_DB": str(tmp_path / "a.db")})
    crawler.spider = SimpleNamespace(source=None)
    crawler.stats.open_spider()
    cluster = ClusterPipeline(crawler, str(tmp_path / "a.db"), batch=3)
    cluster.open_spider()
    texts = [
        TEXT,
        TEXT.replace("，", ","),
        TEXT + "\n（完）",
        TEXT.replace("会议", "大会"),
        TEXT + "\n编辑：李",
    ]
    items = []
    commits: list[str] = []
    for n, text in enumerate(texts):
        item = item_for(make_record(text, url=f"https://s{n}.example.cn/1.html"))
        result = save_article(cluster.db, item.record)
        item.article_id, item.outcome = result.article_id, result.outcome
        cluster.db.conn.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
        items.append(cluster.process_item(item))
        cluster.db.conn.set_trace_callback(None)
    assert len(commits) == 1  # the first three in one transaction, the last two waiting
    ids = [item.article_id for item in items]
    clustered = {i: cluster.db["articles"].get(i)["cluster_id"] for i in ids}
    assert [clustered[i] is not None for i in ids] == [True, True, True, False, False]
    assert crawler.stats.get_value("archive/near_duplicates") == 2
    cluster.db.close()  # the process dies: the waiting batch is never clustered

    reopened = ClusterPipeline(crawler, str(tmp_path / "a.db"), batch=3)
    reopened.open_spider()  # ensure_clusters catches up
    after = {i: reopened.db["articles"].get(i)["cluster_id"] for i in ids}
    assert set(after.values()) == {ids[0]}
    assert reopened.db.execute("select count(*) from dedup_lsh").fetchone()[0] == 5 * 42
    reopened.close_spider()


async def test_a_changed_article_is_clustered_at_once(pipelines, make_record) -> None:
    cluster = pipelines[2]
    first = await stored(pipelines, item_for(make_record(TEXT, url="https://www.example.cn/1.html")))
    assert cluster.db["articles"].get(first.article_id)["cluster_id"] is None  # waiting for its batch
    changed = await stored(
        pipelines, item_for(make_record(TEXT + "\n（完）", url="https://www.example.cn/1.html"))
    )
    assert changed.outcome == "updated"
    assert cluster.db["articles"].get(first.article_id)["cluster_id"] == first.article_id
    assert cluster.pending == []
