"""The bigram search index is ``articles_bigrams``, not ``articles_fts``: sqlite-utils' search, enable-fts and
rebuild-fts took an index of that name for one of their own kind and failed (issue 15). Archives made with
the old name are renamed on open, their index rows kept."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from pipelines.archive.schema import (
    FTS_TABLE,
    OLD_FTS_TABLE,
    SEARCH_IDS_SQL,
    TABLES,
    TRIGGERS,
    ensure_db_shape,
    ensure_table,
)
from pipelines.archive.search_text import match_query
from pipelines.archive.store import save_article
from pipelines.documents.records import build_record

# The index and its trigger as the schema declared them until this change (commit 5d04663).
OLD_FTS_SQL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS [articles_fts] USING fts5("
    "title, text, tokenize = 'unicode61 remove_diacritics 2')"
)
OLD_TRIGGER_SQL = (
    "CREATE TRIGGER IF NOT EXISTS [articles_fts_delete] AFTER DELETE ON [articles] BEGIN "
    "DELETE FROM [articles_fts] WHERE rowid = old.id; END"
)
TEXT = "青岛市南区今天召开会议，部署海洋经济发展工作。\nQingdao port news in English as well."


def store(db: sqlite_utils.Database, url: str, text: str = TEXT) -> int:
    record = build_record(
        {"title": "市南区部署海洋经济", "text": text, "language": "zh"},
        url=url,
        fetched_at="2024-03-15T10:00:00+00:00",
        source="example",
    )
    return save_article(db, record).article_id


def found(db: sqlite_utils.Database, query: str, table: str = FTS_TABLE) -> list[int]:
    """The ids of the articles matching (the old index's row ids were the ids)."""
    sql = SEARCH_IDS_SQL if table == FTS_TABLE else f"select rowid from [{table}] where [{table}] match ?"
    return [row[0] for row in db.execute(sql, [match_query(query)]).fetchall()]


def old_archive(path: Path) -> sqlite_utils.Database:
    """An archive as the schema before this change made it, with one article indexed."""
    db = sqlite_utils.Database(path)
    with db.conn:
        for table in TABLES:
            ensure_table(db, table)
        db.execute(OLD_FTS_SQL)
        db.execute(OLD_TRIGGER_SQL)
    record = build_record(
        {"title": "市南区部署海洋经济", "text": TEXT, "language": "zh"},
        url="https://news.example.cn/1.html",
        fetched_at="2024-03-15T10:00:00+00:00",
        source="example",
    )
    db.table("articles").insert(
        {**{k: v for k, v in record.items() if k != "keys"}, "id": 1, "first_seen": "x"}
    )
    db.execute(
        "insert into articles_fts (rowid, title, text) values (1, ?, ?)",
        ["市南 南区 区", "青岛 岛市 市南 南区 区 今天"],
    )
    db.conn.commit()
    return db


def test_sqlite_utils_finds_no_index_of_its_own_and_can_make_one(tmp_path: Path) -> None:
    db = sqlite_utils.Database(tmp_path / "a.db")
    ensure_db_shape(db)
    article = store(db, "https://news.example.cn/1.html")
    assert FTS_TABLE != OLD_FTS_TABLE and db[FTS_TABLE].exists()
    # Nothing claims to be the articles table's own index: `sqlite-utils search` says so plainly.
    assert db.table("articles").detect_fts() is None
    # What `sqlite-utils enable-fts` / `rebuild-fts` / `search` do works, and leaves the bigram index alone.
    db.table("articles").enable_fts(["title", "text"], create_triggers=True)
    db.table("articles").rebuild_fts()
    assert db.table("articles").detect_fts() == "articles_fts"
    assert [row["id"] for row in db.table("articles").search("Qingdao")] == [article]
    ensure_db_shape(db)  # re-opened: sqlite-utils' own index (it has content=) is not taken for the old one
    assert db[FTS_TABLE].exists() and db["articles_fts"].exists()
    assert found(db, "市南区") == [article]


def test_an_archive_with_the_old_name_is_renamed_with_its_rows(tmp_path: Path) -> None:
    db = old_archive(tmp_path / "old.db")
    assert found(db, "市南区", table=OLD_FTS_TABLE) == [1]
    ensure_db_shape(db)
    names = set(db.table_names())
    assert FTS_TABLE in names and OLD_FTS_TABLE not in names
    assert found(db, "市南区") == [1]  # the rows came along
    triggers = {name for (name,) in db.execute("select name from sqlite_master where type = 'trigger'")}
    assert {t for t in triggers if not t.startswith("articles_facet_counts_")} == set(TRIGGERS)
    ensure_db_shape(db)  # and again: nothing left to rename
    # New writes and the delete trigger use the new name.
    second = store(db, "https://news.example.cn/2.html", TEXT + "\n崂山风景区游客众多。")
    assert found(db, "崂山风景区") == [second]
    db.execute("delete from articles where id = 1")
    db.conn.commit()
    assert found(db, "市南区") == [second]
