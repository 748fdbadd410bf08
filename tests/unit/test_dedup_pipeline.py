"""The Scrapy side: exact copies dropped with their keys kept, near-duplicates stored and clustered."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawler.item_pipelines.store import StorePipeline
from crawler.items import ArticleItem
from pipelines.archive.lookup import find_article_by_keys
from pipelines.archive.schema import open_archive
from pipelines.documents.raw import RawDocument
from pipelines.saving import ArticleSaver

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
    store = StorePipeline.from_crawler(crawler)
    store.open_spider()
    yield crawler, store
    store.close_spider()


async def stored(pipelines, item: ArticleItem) -> ArticleItem:
    """The item through StorePipeline (exact copies are dropped there, the others stored and clustered)."""
    return await pipelines[1].process_item(item)


def on_writer(store: StorePipeline, sql: str, *args):
    """A query on the pipeline's own connection, which lives on its writer thread."""
    return store.thread.call(lambda: store.db.execute(sql, list(args)).fetchone())


async def test_exact_copy_is_dropped_and_its_url_remembered(pipelines, make_record) -> None:
    crawler, store = pipelines
    first = await stored(pipelines, item_for(make_record(TEXT, url="https://www.example.cn/1.html")))
    copy = make_record(TEXT, url="https://other.example.org/repost.html")
    with pytest.raises(DropItem, match="exact duplicate"):
        await stored(pipelines, item_for(copy))
    assert crawler.stats.get_value("archive/duplicates") == 1
    found = store.thread.call(find_article_by_keys, store.db, ["https://other.example.org/repost.html"])
    assert found == first.article_id


async def test_near_duplicate_is_kept_and_clustered(pipelines, make_record) -> None:
    crawler, store = pipelines
    first = await stored(pipelines, item_for(make_record(TEXT, url="https://www.example.cn/1.html")))
    repost = make_record(
        "原标题：市南区部署海洋经济工作\n" + TEXT.replace("，", ",") + "\n来源：青岛日报",
        url="https://portal.example.org/9.html",
    )
    second = await stored(pipelines, item_for(repost))
    assert second.article_id != first.article_id
    assert on_writer(store, "select cluster_id from articles where id = ?", second.article_id) == (None,)
    store.close_spider()  # new articles are clustered in batches, and the last batch on closing
    db = open_archive(str(crawler.settings["ARCHIVE_DB"]))
    assert db["articles"].get(second.article_id)["cluster_id"] == first.article_id
    assert crawler.stats.get_value("archive/near_duplicates") == 1


async def test_mobile_url_of_a_source_is_its_desktop_article(pipelines, make_record) -> None:
    first = await stored(pipelines, item_for(make_record(TEXT, url="https://www.example.cn/1.html")))
    mobile = await stored(pipelines, item_for(make_record(TEXT, url="https://m.example.cn/1.html?from=wx")))
    assert (mobile.outcome, mobile.article_id) == ("unchanged", first.article_id)


def test_new_articles_are_clustered_in_batches_and_caught_up_after_a_crash(tmp_path, make_record) -> None:
    db = open_archive(str(tmp_path / "a.db"))
    saver = ArticleSaver(db, batch=3)
    saver.open()
    texts = [
        TEXT,
        TEXT + "\n（完）",
        TEXT.replace("会议", "大会"),
        TEXT + "\n编辑：李",
        TEXT + "\n来源：青岛日报",
    ]
    ids = []
    matched = 0
    statements: list[str] = []
    db.conn.set_trace_callback(statements.append)
    for n, text in enumerate(texts):
        saved = saver.save(make_record(text, url=f"https://s{n}.example.cn/1.html"))
        assert saved.outcome == "new"
        ids.append(saved.article_id)
        matched += saved.near_duplicates
    db.conn.set_trace_callback(None)
    transactions = "\n".join(statements).split("COMMIT")
    assert sum("story_clusters" in t for t in transactions) == 1  # the first three in one transaction
    clustered = {i: db["articles"].get(i)["cluster_id"] for i in ids}
    assert [clustered[i] is not None for i in ids] == [True, True, True, False, False]
    assert matched == 2
    db.close()  # the process dies: the waiting batch is never clustered

    reopened = open_archive(str(tmp_path / "a.db"))
    assert ArticleSaver(reopened, batch=3).open() == 2  # ensure_clusters catches up
    after = {i: reopened["articles"].get(i)["cluster_id"] for i in ids}
    assert set(after.values()) == {ids[0]}
    assert reopened.execute("select count(*) from dedup_lsh").fetchone()[0] == 5 * 42
    reopened.close()


async def test_a_changed_article_is_clustered_at_once(pipelines, make_record) -> None:
    store = pipelines[1]
    first = await stored(pipelines, item_for(make_record(TEXT, url="https://www.example.cn/1.html")))
    cluster_of = "select cluster_id from articles where id = ?"
    assert on_writer(store, cluster_of, first.article_id) == (None,)  # waiting for its batch
    changed = await stored(
        pipelines, item_for(make_record(TEXT + "\n（完）", url="https://www.example.cn/1.html"))
    )
    assert changed.outcome == "updated"
    assert on_writer(store, cluster_of, first.article_id) == (first.article_id,)
    assert store.saver.pending == []
