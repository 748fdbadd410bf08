"""Merging shard archives (pipelines/archive/merge.py), in-process: shards built by the same saving path as a
crawl, merged, merged again, and compared."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from pipelines.archive import runs, store
from pipelines.archive.merge import MergeError, merge_shards
from pipelines.archive.schema import FTS_TABLE, SEARCH_IDS_SQL, open_archive
from pipelines.archive.search_text import match_query
from pipelines.saving import ArticleSaver
from pipelines.warc.records import default_warc_dir

TEXT_A = (
    "青岛地铁6号线今天开通运营，沿线居民出行更加方便。地铁公司表示，首班车早上六点发车，末班车晚上十点。" * 2
)
TEXT_B = "崂山景区今天开放，游客可通过官方平台预约入园。景区各游览线路运行正常，请游客注意安全。" * 2
TEXT_B2 = "崂山景区今天因大风临时关闭，已预约游客可免费改期。景区恢复开放时间将另行通知。" * 2
TEXT_C = "黄岛区中小学新学期增加学位三千个，新建校舍十二所，教育部门表示将继续扩大优质教育资源。" * 2

# Tables compared between merges (merge_state.merged_at records when: it changes by design).
COMPARED = (
    "articles", "article_keys", "article_versions", "captures", "crawl_runs", "crawl_errors", "sources",
    "redirects", "warc_files", "story_clusters", "merged_ids", "skipped_pages",
)  # fmt: skip


class Shard:
    """A worker's shard archive, written the way a crawl writes it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.db = open_archive(str(path))
        self.saver = ArticleSaver(self.db)
        self.saver.open()

    def crawl(self, source: str, pages: list[dict[str, Any]], *, finish: bool = True) -> int:
        run_id = runs.start_run(self.db, kind="crawl", spider="news", source=source, args={})
        for n, record in enumerate(pages):
            capture = store.save_capture(
                self.db,
                {
                    "run_id": run_id,
                    "url": record["url"],
                    "fetched_at": record["fetched_at"],
                    "status": 200,
                    "warc_file": f"newsarchive-{run_id}.warc.gz",
                    "warc_offset": n * 1000,
                    "warc_length": 900,
                    "warc_type": "response",
                    "source": source,
                },
            )
            self.saver.save(record, run_id=run_id, capture_id=capture)
        self.saver.flush()
        if finish:
            self.finish(run_id, len(pages))
        return run_id

    def finish(self, run_id: int, pages: int) -> None:
        runs.finish_run(
            self.db, run_id, status="finished", finish_reason="finished", inputs=pages,
            new=pages, responses_by_status={"200": pages},
        )  # fmt: skip

    def close(self) -> None:
        self.db.close()


@pytest.fixture
def shard(tmp_path: Path) -> Iterator[Callable[[str], Shard]]:
    opened: list[Shard] = []

    def make(name: str) -> Shard:
        made = Shard(tmp_path / f"{name}.db")
        opened.append(made)
        return made

    yield make
    for made in opened:
        made.close()


def dump(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    db = sqlite_utils.Database(path)
    tables = {name: sorted(db.execute(f"select * from [{name}]").fetchall(), key=repr) for name in COMPARED}
    tables["merge_state"] = sorted(
        db.execute(
            "select shard, run_floor, last_capture, last_error, changed_mark from merge_state"
        ).fetchall()
    )
    tables["search"] = sorted(db.execute(f"select rowid, title, text from [{FTS_TABLE}]").fetchall())
    db.close()
    return tables


def page(make_record: Callable[..., dict[str, Any]], text: str, n: int, **fields: Any) -> dict[str, Any]:
    fields.setdefault("source", "site1")
    fields.setdefault("fetched_at", "2024-03-01T10:00:00+08:00")
    return make_record(text, url=f"https://news.example.cn/news/{n}.html", title=f"稿件{n}", **fields)


def test_articles_keep_their_ids_keys_and_search_and_a_second_merge_changes_nothing(
    tmp_path: Path, shard: Callable[[str], Shard], make_record: Callable[..., dict[str, Any]]
) -> None:
    one, two = shard("one"), shard("two")
    one.crawl("site1", [page(make_record, TEXT_A, 1), page(make_record, TEXT_B, 2)])
    two.crawl("site2", [page(make_record, TEXT_C, 3, source="site2")])
    into = tmp_path / "archive.db"

    reports = merge_shards(str(into), [str(one.path), str(two.path)])

    assert [(r.new, r.runs, r.captures) for r in reports] == [(2, 1, 2), (1, 1, 1)]
    merged = sqlite_utils.Database(into)
    shard_ids = {row["canonical_url"] or row["url"]: row["id"] for row in one.db["articles"].rows}
    shard_ids |= {row["canonical_url"] or row["url"]: row["id"] for row in two.db["articles"].rows}
    assert {row["canonical_url"] or row["url"]: row["id"] for row in merged["articles"].rows} == shard_ids
    keys = {r["key"] for r in merged["article_keys"].rows}
    assert "https://news.example.cn/news/3.html" in keys
    hits = merged.execute(SEARCH_IDS_SQL, [match_query("中小学")]).fetchall()
    assert [h[0] for h in hits] == [shard_ids["https://news.example.cn/news/3.html"]]
    assert {r["source"]: r["status"] for r in merged["crawl_runs"].rows} == {
        "site1": "finished",
        "site2": "finished",
    }
    # Every article is in a story cluster, as after a crawl.
    assert merged.execute("select count(*) from articles where cluster_id is null").fetchone()[0] == 0
    merged.close()

    before = dump(into)
    again = merge_shards(str(into), [str(one.path), str(two.path)])
    assert [(r.new, r.updated, r.runs, r.captures) for r in again] == [(0, 0, 0, 0), (0, 0, 0, 0)]
    assert dump(into) == before


def test_only_what_is_new_is_merged_and_a_run_still_going_is_brought_up_to_date(
    tmp_path: Path, shard: Callable[[str], Shard], make_record: Callable[..., dict[str, Any]]
) -> None:
    one = shard("one")
    run_id = one.crawl("site1", [page(make_record, TEXT_A, 1)], finish=False)
    into = tmp_path / "archive.db"
    merge_shards(str(into), [str(one.path)])
    merged = sqlite_utils.Database(into)
    assert [r["status"] for r in merged["crawl_runs"].rows] == ["running"]

    one.saver.save(page(make_record, TEXT_B, 2), run_id=run_id)
    one.saver.flush()
    one.finish(run_id, 2)
    (report,) = merge_shards(str(into), [str(one.path)])

    assert (report.new, report.runs) == (1, 1)  # the new article only; the same run, updated in place
    assert [(r["status"], r["inputs"]) for r in merged["crawl_runs"].rows] == [("finished", 2)]
    assert merged["articles"].count == 2
    merged.close()


def test_the_same_article_in_two_shards_is_one_article_the_newer_text_current(
    tmp_path: Path, shard: Callable[[str], Shard], make_record: Callable[..., dict[str, Any]]
) -> None:
    one, two = shard("one"), shard("two")
    one.crawl("site1", [page(make_record, TEXT_B, 2, fetched_at="2024-03-01T10:00:00+08:00")])
    two.crawl("site1", [page(make_record, TEXT_B2, 2, fetched_at="2024-03-02T10:00:00+08:00")])
    into = tmp_path / "archive.db"

    # Whichever shard is merged first, the result is the same article, version 2 the newer text.
    for order in ([one, two], [two, one]):
        target = into.with_name(f"archive-{order[0].path.stem}.db")
        merge_shards(str(target), [str(s.path) for s in order])
        merged = sqlite_utils.Database(target)
        (article,) = merged["articles"].rows
        assert (article["text"], article["version"]) == (TEXT_B2, 2)
        assert [v["text"] for v in merged["article_versions"].rows] == [TEXT_B]
        assert article["first_seen"] == min(
            one.db.table("articles").get(article["id"])["first_seen"],
            two.db.table("articles").get(article["id"])["first_seen"],
        )
        merged.close()


def test_an_exact_copy_in_another_shard_becomes_keys_of_the_article_already_here(
    tmp_path: Path, shard: Callable[[str], Shard], make_record: Callable[..., dict[str, Any]]
) -> None:
    one, two = shard("one"), shard("two")
    one.crawl("site1", [page(make_record, TEXT_A, 1)])
    copy = make_record(TEXT_A, url="https://other.example.cn/a/9.html", title="转载", source="site2")
    two.crawl("site2", [copy])
    into = tmp_path / "archive.db"

    reports = merge_shards(str(into), [str(one.path), str(two.path)])

    assert reports[1].duplicates == 1
    merged = sqlite_utils.Database(into)
    (article,) = merged["articles"].rows
    assert article["url"] == "https://news.example.cn/news/1.html"
    key = merged.table("article_keys").get("https://other.example.cn/a/9.html")
    assert (key["article_id"], key["kind"]) == (article["id"], "duplicate")
    merged.close()
    # Merged again: still one article, the copy still a key.
    merge_shards(str(into), [str(one.path), str(two.path)])
    assert sqlite_utils.Database(into)["articles"].count == 1


def test_captures_point_at_the_shards_warc_files_or_under_a_given_root(
    tmp_path: Path, shard: Callable[[str], Shard], make_record: Callable[..., dict[str, Any]]
) -> None:
    one = shard("one")
    one.crawl("site1", [page(make_record, TEXT_A, 1)])
    merge_shards(str(tmp_path / "a.db"), [str(one.path)])
    merge_shards(str(tmp_path / "b.db"), [str(one.path)], warc_root=str(tmp_path / "copies"))

    (a,) = sqlite_utils.Database(tmp_path / "a.db")["captures"].rows
    (b,) = sqlite_utils.Database(tmp_path / "b.db")["captures"].rows
    assert a["warc_file"] == str(default_warc_dir(one.path) / "newsarchive-1.warc.gz")
    assert b["warc_file"] == str(tmp_path / "copies" / "one" / "newsarchive-1.warc.gz")
    (row,) = sqlite_utils.Database(tmp_path / "a.db")["articles"].rows
    assert row["capture_id"] == a["id"]


def test_a_shard_is_read_as_committed_while_a_worker_writes(
    tmp_path: Path, shard: Callable[[str], Shard], make_record: Callable[..., dict[str, Any]]
) -> None:
    one = shard("one")
    one.crawl("site1", [page(make_record, TEXT_A, 1)])
    writer = sqlite3.connect(one.path)
    writer.execute("BEGIN IMMEDIATE")  # a worker's write in flight, not committed
    writer.execute("update crawl_runs set status = 'running'")
    try:
        (report,) = merge_shards(str(tmp_path / "archive.db"), [str(one.path)])
    finally:
        writer.rollback()
        writer.close()
    assert report.new == 1
    runs_here = sqlite_utils.Database(tmp_path / "archive.db")["crawl_runs"].rows
    assert [r["status"] for r in runs_here] == ["finished"]


def test_a_run_whose_process_died_on_this_host_is_merged_as_killed(
    tmp_path: Path, shard: Callable[[str], Shard], make_record: Callable[..., dict[str, Any]]
) -> None:
    one = shard("one")
    run_id = one.crawl("site1", [page(make_record, TEXT_A, 1)], finish=False)
    one.db.execute("update crawl_runs set pid = ? where id = ?", [2**22 + 7919, run_id])  # no such process
    one.db.conn.commit()
    merge_shards(str(tmp_path / "archive.db"), [str(one.path)])
    (run,) = sqlite_utils.Database(tmp_path / "archive.db")["crawl_runs"].rows
    assert run["status"] == "killed"
    # The shard itself is only read.
    assert one.db.table("crawl_runs").get(run_id)["status"] == "running"


def test_a_missing_shard_is_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MergeError, match=r"no-such\.db: no such shard archive"):
        merge_shards(str(tmp_path / "archive.db"), [str(tmp_path / "no-such.db")])
    with pytest.raises(MergeError, match="cannot be merged into itself"):
        merge_shards(str(tmp_path / "archive.db"), [str(tmp_path / "archive.db")])


def test_a_shards_warc_file_is_listed_once_its_writer_closed_it(
    tmp_path: Path, shard: Callable[[str], Shard], make_record: Callable[..., dict[str, Any]]
) -> None:
    one = shard("one")
    run_id = one.crawl("site1", [page(make_record, TEXT_A, 1)])
    store.warc_file_opened(one.db, f"newsarchive-{run_id}.warc.gz", run_id)
    into = tmp_path / "archive.db"
    merge_shards(str(into), [str(one.path)])
    # Still being written: not listed here, where a crawl's WARC repair would check (and cut) its tail.
    assert sqlite_utils.Database(into)["warc_files"].count == 0
    store.warc_file_closed(one.db, f"newsarchive-{run_id}.warc.gz", 900)
    merge_shards(str(into), [str(one.path)])
    (row,) = sqlite_utils.Database(into)["warc_files"].rows
    assert row["name"] == str(default_warc_dir(one.path) / f"newsarchive-{run_id}.warc.gz")
    assert row["closed"] and row["size"] == 900


def test_skipped_pages_are_merged_unless_another_shard_stores_the_page_as_an_article(
    tmp_path: Path, shard: Callable[[str], Shard], make_record: Callable[..., dict[str, Any]]
) -> None:
    from pipelines.archive.skipped import SkippedPage, record_skipped

    one, two = shard("one"), shard("two")
    one.crawl("site1", [page(make_record, TEXT_A, 1)])
    gallery = "https://news.example.cn/news/9.html"
    record_skipped(one.db, SkippedPage(gallery, "not an article: no text", source="site1"), now="2024-03-01")
    record_skipped(
        two.db, SkippedPage(gallery, "not an article: a list page", source="site1"), now="2024-03-02"
    )
    # Skipped by one shard, stored as an article by the other (it changed since): the article wins.
    record_skipped(one.db, SkippedPage(f"https://news.example.cn/news/{3}.html", "no text", source="site1"))
    two.crawl("site1", [page(make_record, TEXT_C, 3)])
    into = tmp_path / "archive.db"

    merge_shards(str(into), [str(one.path), str(two.path)])

    merged = sqlite_utils.Database(into)
    rows = list(merged.query("select canonical_url, reason, first_seen, last_seen from skipped_pages"))
    assert rows == [
        {
            "canonical_url": gallery,
            "reason": "not an article: a list page",  # the newer sighting's
            "first_seen": "2024-03-01",
            "last_seen": "2024-03-02",
        }
    ]
    health = merged.execute("select skipped_pages from source_health where source = 'site1'").fetchone()
    assert health == (1,)
    merged.close()
    before = dump(into)
    merge_shards(str(into), [str(one.path), str(two.path)])
    assert dump(into) == before
