"""The contentless search index (``articles_bigrams``, row ids = ``articles.search_rowid``) stays exact through
every write: new articles, new versions, re-extraction, merges, and deletes or updates by another writer (a
sqlite3 shell), and an archive of the earlier layout (content stored, row ids = ``articles.id``) is upgraded
in one transaction, with the same search results, idempotently."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from pipelines.archive import schema, store
from pipelines.archive.schema import (
    FTS_TABLE,
    SEARCH_IDS_SQL,
    SEARCH_PENDING,
    TABLES,
    TRIGGERS,
    ensure_db_shape,
    ensure_table,
    open_archive,
    search_index_is_current,
)
from pipelines.archive.search_text import index_text, match_query
from pipelines.archive.store import save_article, save_reextraction, stored_form

TEXTS = {
    1: "青岛市南区今天召开会议，部署海洋经济发展工作。",
    2: "崂山风景区游客众多，景区加强管理。Tourists crowd Laoshan.",
    3: "黄岛区地铁建设加快推进，市民出行更方便。",
    4: "The port of Qingdao handled more containers this year.",
}


def record(make_record: Callable[..., dict[str, Any]], n: int, text: str | None = None) -> dict[str, Any]:
    return make_record(text or TEXTS[n] * 3, url=f"https://news.example.cn/{n}.html", title=f"稿件{n}号")


def ids(db: sqlite_utils.Database | sqlite3.Connection, query: str) -> list[int]:
    return sorted(row[0] for row in db.execute(SEARCH_IDS_SQL, [match_query(query)]).fetchall())


def index_differences(db: sqlite_utils.Database) -> list[Any]:
    """Every (term, row id, column, offset) of the archive's index that an index freshly built from the
    articles' current titles and texts lacks, or has and the archive's lacks: [] when the index is exact."""
    conn = db.conn
    conn.execute("drop table if exists temp.reference")
    conn.execute(
        "create virtual table temp.reference using fts5(title, text, content='', "
        "tokenize = 'unicode61 remove_diacritics 2')"
    )
    for rowid, title, text in conn.execute("select search_rowid, title, text from articles").fetchall():
        conn.execute(
            "insert into temp.reference (rowid, title, text) values (?, ?, ?)",
            [rowid, index_text(title), index_text(text)],
        )
    conn.execute(f"create virtual table if not exists temp.ours using fts5vocab(main, {FTS_TABLE}, instance)")
    conn.execute("create virtual table if not exists temp.theirs using fts5vocab(temp, reference, instance)")
    ours = set(conn.execute("select term, doc, col, offset from temp.ours").fetchall())
    theirs = set(conn.execute("select term, doc, col, offset from temp.theirs").fetchall())
    conn.execute("drop table temp.ours")
    conn.execute("drop table temp.theirs")
    conn.execute("drop table temp.reference")
    return sorted(ours ^ theirs)


def integrity_check(db: sqlite_utils.Database) -> None:
    db.execute(f"insert into [{FTS_TABLE}] ([{FTS_TABLE}]) values ('integrity-check')")


def test_row_ids_are_dense_and_in_the_order_articles_were_stored(db, make_record) -> None:
    stored = [save_article(db, record(make_record, n)).article_id for n in (1, 2, 3)]
    rows = db.execute("select id, search_rowid from articles order by search_rowid").fetchall()
    assert rows == [(article_id, n) for n, article_id in enumerate(stored, start=1)]
    assert ids(db, "崂山") == [stored[1]]
    assert index_differences(db) == []
    # Nothing of the text is stored by the index: no content table.
    assert not db[f"{FTS_TABLE}_content"].exists()


def test_a_new_version_replaces_its_entry_exactly(db, make_record) -> None:
    first = save_article(db, record(make_record, 1)).article_id
    other = save_article(db, record(make_record, 2)).article_id
    result = save_article(db, record(make_record, 1, "市北区今天部署地铁建设工作，会议要求加快推进。" * 3))
    assert (result.outcome, result.article_id) == ("updated", first)
    assert ids(db, "市南区") == [] and ids(db, "地铁建设") == [first] and ids(db, "崂山") == [other]
    # Same row id, no second entry, no entry left to remove.
    assert db.execute("select search_rowid from articles where id = ?", [first]).fetchone() == (1,)
    assert db.execute(f"select count(*) from {FTS_TABLE}_docsize").fetchone() == (2,)
    assert db[SEARCH_PENDING.name].count == 0
    assert index_differences(db) == []
    integrity_check(db)


def test_reextraction_of_a_changed_title_and_text_is_reindexed(db, make_record) -> None:
    article = save_article(db, record(make_record, 3)).article_id
    values = {"title": "黄岛新闻", "text": stored_form("黄岛区举办啤酒节，游客众多。" * 3)}
    save_reextraction(db, article, values, [], changed=["title", "text"])
    assert ids(db, "地铁") == [] and ids(db, "啤酒节") == [article]
    assert index_differences(db) == []


def test_an_unchanged_refetch_leaves_the_entry_alone(db, make_record) -> None:
    article = save_article(db, record(make_record, 4)).article_id
    assert save_article(db, record(make_record, 4)).outcome == "unchanged"
    store.index_article(db, article)  # again: nothing to do
    assert db.execute(f"select count(*) from {FTS_TABLE}_docsize").fetchone() == (1,)
    assert index_differences(db) == []


def test_a_shell_delete_never_shows_the_article_and_the_next_opening_removes_its_entry(
    tmp_path: Path, make_record
) -> None:
    path = tmp_path / "a.db"
    db = open_archive(str(path))
    gone = save_article(db, record(make_record, 1)).article_id
    kept = save_article(db, record(make_record, 2)).article_id
    db.close()
    shell = sqlite3.connect(path)  # no function of ours registered: the trigger is plain SQL
    shell.execute("delete from articles where id = ?", [gone])
    shell.commit()
    assert ids(shell, "市南区") == [] and ids(shell, "崂山") == [kept]
    assert shell.execute(f"select count(*) from {SEARCH_PENDING.name}").fetchone() == (1,)
    shell.close()
    db = open_archive(str(path))
    assert db[SEARCH_PENDING.name].count == 0
    assert db.execute(f"select count(*) from {FTS_TABLE}_docsize").fetchone() == (1,)
    assert index_differences(db) == []
    integrity_check(db)
    # The deleted article's row id is not given again while the article was in the index or since.
    assert store.next_search_rowid(db) == 3


def test_a_shell_update_is_reindexed_at_the_next_opening_and_store_writes_stay_exact(
    tmp_path: Path, make_record
) -> None:
    path = tmp_path / "a.db"
    db = open_archive(str(path))
    article = save_article(db, record(make_record, 1)).article_id
    db.close()
    shell = sqlite3.connect(path)
    shell.execute("update articles set text = ? where id = ?", ["即墨古城游客众多。", article])
    shell.execute("update articles set text = ? where id = ?", ["即墨古城今天开放。", article])
    shell.commit()
    # The values it was indexed with are kept (the first change's old values, not the second's).
    kept = shell.execute(f"select text from {SEARCH_PENDING.name}").fetchall()
    assert kept == [(TEXTS[1] * 3,)]
    shell.close()
    db = open_archive(str(path))
    assert ids(db, "市南区") == [] and ids(db, "即墨古城") == [article]
    assert index_differences(db) == []
    # A crawl's new version after that: still exact.
    save_article(db, record(make_record, 1, "即墨古城举办庙会。" * 3))
    assert ids(db, "庙会") == [article] and ids(db, "开放") == []
    assert index_differences(db) == []
    integrity_check(db)


def test_a_merge_gives_shard_articles_row_ids_of_this_archive(tmp_path: Path, make_record) -> None:
    from pipelines.archive.merge import merge_shards

    shard = open_archive(str(tmp_path / "shard.db"))
    in_shard = save_article(shard, record(make_record, 3)).article_id
    shard.close()
    db = open_archive(str(tmp_path / "archive.db"))
    here = [save_article(db, record(make_record, n)).article_id for n in (1, 2)]
    db.close()
    merge_shards(str(tmp_path / "archive.db"), [str(tmp_path / "shard.db")])
    db = open_archive(str(tmp_path / "archive.db"))
    rows = dict(db.execute("select id, search_rowid from articles").fetchall())
    assert rows == {here[0]: 1, here[1]: 2, in_shard: 3}
    assert ids(db, "地铁") == [in_shard]
    assert index_differences(db) == []


# --- upgrading an archive of the earlier layout ------------------------------------------------------------

OLD_FTS_SQL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS [{FTS_TABLE}] USING fts5("
    "title, text, tokenize = 'unicode61 remove_diacritics 2')"
)
OLD_TRIGGER_SQL = (
    f"CREATE TRIGGER IF NOT EXISTS [{FTS_TABLE}_delete] AFTER DELETE ON [articles] BEGIN "
    f"DELETE FROM [{FTS_TABLE}] WHERE rowid = old.id; END"
)
QUERIES = ["青岛", "市南区", "崂山", "Laoshan", "游客", "地铁 黄岛", "containers", "港口", '"海洋经济"']


def old_archive(path: Path, make_record: Callable[..., dict[str, Any]]) -> sqlite_utils.Database:
    """An archive as the schema before this change made it: the index stores its content, row ids = ids."""
    db = sqlite_utils.Database(path)
    with db.conn:
        for table in TABLES:
            ensure_table(db, table)
        db.execute("drop index if exists idx_articles_search_rowid")
        db.execute(OLD_FTS_SQL)
        db.execute(OLD_TRIGGER_SQL)
    for n in (3, 1, 4, 2):
        row = {k: v for k, v in record(make_record, n).items() if k != "keys"}
        row["id"] = store.stable_id(row["url"])
        row["first_seen"] = f"2024-03-0{n}T00:00:00+00:00"
        db.table("articles").insert(row)
        db.execute(
            f"insert into [{FTS_TABLE}] (rowid, title, text) values (?, ?, ?)",
            [row["id"], index_text(row["title"]), index_text(row["text"])],
        )
    db.conn.commit()
    return db


def old_results(db: sqlite_utils.Database) -> dict[str, list[int]]:
    sql = f"select rowid from [{FTS_TABLE}] where [{FTS_TABLE}] match ?"
    return {q: sorted(row[0] for row in db.execute(sql, [match_query(q)]).fetchall()) for q in QUERIES}


def test_an_archive_of_the_earlier_layout_is_upgraded_with_the_same_results(
    tmp_path: Path, make_record, caplog: pytest.LogCaptureFixture
) -> None:
    db = old_archive(tmp_path / "old.db", make_record)
    before = old_results(db)
    assert any(before.values())
    assert not search_index_is_current(db)
    with caplog.at_level(logging.WARNING, logger="newsarchive.archive"):
        ensure_db_shape(db)
    # The one-time upgrade says what it does (it takes minutes on a large archive).
    assert [r.getMessage() for r in caplog.records if "search index of 4 articles" in r.getMessage()]
    assert search_index_is_current(db)
    assert {q: ids(db, q) for q in QUERIES} == before
    # Numbered in the order first seen; the content table is gone, the triggers are the new ones.
    order = [row[0] for row in db.execute("select id from articles order by first_seen")]
    assert [row[0] for row in db.execute("select id from articles order by search_rowid")] == order
    assert db.execute("select min(search_rowid), max(search_rowid) from articles").fetchone() == (1, 4)
    assert not db[f"{FTS_TABLE}_content"].exists()
    triggers = {name for (name,) in db.execute("select name from sqlite_master where type = 'trigger'")}
    assert {t for t in triggers if not t.startswith("articles_facet_counts_")} == set(TRIGGERS)
    assert index_differences(db) == []
    integrity_check(db)
    # Idempotent: a second shaping changes nothing, not even the schema version.
    version = db.execute("PRAGMA schema_version").fetchone()[0]
    ensure_db_shape(db)
    assert db.execute("PRAGMA schema_version").fetchone()[0] == version
    assert {q: ids(db, q) for q in QUERIES} == before
    # And the archive goes on: a new article gets the next row id.
    new = save_article(db, make_record("即墨古城游客众多。" * 3, url="https://news.example.cn/9.html"))
    assert db.execute("select search_rowid from articles where id = ?", [new.article_id]).fetchone() == (5,)
    assert index_differences(db) == []


def test_an_upgrade_killed_midway_leaves_the_archive_as_it_was(
    tmp_path: Path, make_record, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = old_archive(tmp_path / "old.db", make_record)
    before = old_results(db)

    def killed(db: sqlite_utils.Database, **options: Any) -> None:
        db.execute(
            "update articles set search_rowid = 1 where search_rowid is null and rowid in "
            "(select rowid from articles limit 1)"
        )
        db.execute(f"drop table [{FTS_TABLE}]")
        raise KeyboardInterrupt  # as a signal would, after part of the work

    monkeypatch.setattr(store, "rebuild_search_index", killed)
    with pytest.raises(KeyboardInterrupt):
        ensure_db_shape(db)
    monkeypatch.undo()
    assert old_results(db) == before  # the old index, whole
    assert db.execute("select count(*) from articles where search_rowid is not null").fetchone() == (0,)
    assert not search_index_is_current(db)
    ensure_db_shape(db)  # the next opening does it
    assert {q: ids(db, q) for q in QUERIES} == before
    assert index_differences(db) == []


def test_the_upgrade_takes_no_write_lock_when_there_is_nothing_to_do(tmp_path: Path) -> None:
    db = open_archive(str(tmp_path / "a.db"))
    calls: list[str] = []
    db.conn.set_trace_callback(calls.append)
    schema.ensure_search_index(db)
    db.conn.set_trace_callback(None)
    assert not any(call.upper().startswith(("BEGIN", "INSERT", "UPDATE", "DELETE")) for call in calls)
