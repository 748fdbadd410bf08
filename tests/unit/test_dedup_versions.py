"""Versions: a known URL fetched again with changed text is version 2, the old text kept and shown."""

from __future__ import annotations

from pipelines.archive.store import save_article
from pipelines.dedup.clusters import assign_cluster

OLD = "崂山景区今天开放，游客可通过官方平台预约入园。景区各游览线路运行正常，请游客注意安全。" * 2
NEW = "崂山景区今天因大风临时关闭，已预约游客可免费改期。景区恢复开放时间将另行通知。" * 2


def test_refetch_with_changed_text_is_a_new_version_with_the_old_text_kept(db, make_record) -> None:
    first = save_article(
        db, make_record(OLD, published="2024-03-01T08:00:00+08:00", fetched_at="2024-03-01T09:00:00+08:00")
    )
    assign_cluster(db, first.article_id)
    again = save_article(
        db, make_record(NEW, published="2024-03-01T08:00:00+08:00", fetched_at="2024-03-02T09:00:00+08:00")
    )
    assert (again.outcome, again.article_id) == ("updated", first.article_id)
    assign_cluster(db, again.article_id)
    article = db["articles"].get(first.article_id)
    assert (article["version"], article["text"]) == (2, NEW)
    (old,) = db["article_versions"].rows_where("article_id = ?", [first.article_id])
    assert (old["version"], old["text"], old["fetched_at"]) == (1, OLD, "2024-03-01T09:00:00+08:00")
    # A story keeps its cluster through its versions.
    assert article["cluster_id"] == first.article_id


def test_article_changes_view_shows_what_changed_and_when(db, make_record) -> None:
    first = save_article(db, make_record(OLD, published="2024-03-01T08:00:00+08:00"))
    save_article(db, make_record(NEW, published="2024-03-01T08:00:00+08:00"))
    save_article(db, make_record(NEW + "（更新）", published="2024-03-01T08:00:00+08:00"))
    rows = list(
        db.query(
            "select * from article_changes where article_id = ? order by old_version", [first.article_id]
        )
    )
    assert [(r["old_version"], r["new_version"]) for r in rows] == [(1, 2), (2, 3)]
    assert (rows[0]["old_text"], rows[0]["new_text"]) == (OLD, NEW)
    assert rows[1]["new_text"] == NEW + "（更新）"
    assert all(r["text_changed"] == 1 and r["changed_after_publication"] == 1 for r in rows)


def test_a_change_before_publication_is_not_a_change_after_it(db, make_record) -> None:
    first = save_article(db, make_record(OLD, published="2099-01-01T08:00:00+08:00"))
    save_article(db, make_record(NEW, published="2099-01-01T08:00:00+08:00"))
    (row,) = db.query("select * from article_changes where article_id = ?", [first.article_id])
    assert row["changed_after_publication"] == 0
