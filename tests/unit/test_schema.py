"""The schema is declared as data and ensure_db_shape() is safe to re-run and to run on older archives."""

from __future__ import annotations

from pathlib import Path

import sqlite_utils

from pipelines.archive.schema import (
    ARTICLES,
    FTS_TABLE,
    SEARCH_IDS_SQL,
    TABLES,
    VIEWS,
    ensure_db_shape,
    open_archive,
)


def test_every_declared_table_view_and_fts_exists(db: sqlite_utils.Database) -> None:
    names = set(db.table_names())
    assert {t.name for t in TABLES} <= names
    assert FTS_TABLE in names
    assert set(VIEWS) <= set(db.view_names())
    assert set(ARTICLES.columns) == set(db["articles"].columns_dict)


def test_ensure_db_shape_is_idempotent_and_keeps_rows(db: sqlite_utils.Database, make_record) -> None:
    from pipelines.archive.store import save_article

    save_article(db, make_record())
    ensure_db_shape(db)
    ensure_db_shape(db)
    assert db["articles"].count == 1


def test_older_archive_gains_new_columns_without_losing_data(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite_utils.Database(path)
    old["articles"].insert(
        {"id": 7, "title": "旧文章", "text": "正文", "content_hash": "x", "first_seen": "t"}, pk="id"
    )
    old.close()
    db = open_archive(str(path))
    assert db["articles"].get(7)["title"] == "旧文章"
    assert "cluster_id" in db["articles"].columns_dict
    assert db.journal_mode == "wal"


def test_archive_is_readable_by_plain_sqlite3(tmp_path: Path, make_record) -> None:
    import sqlite3

    from pipelines.archive.store import save_article

    path = tmp_path / "a.db"
    db = open_archive(str(path))
    save_article(db, make_record())
    db.close()
    # No custom tokenizer or function is needed to read the archive, its search index included.
    conn = sqlite3.connect(path)
    assert conn.execute(
        f"select count(*) from {FTS_TABLE} where {FTS_TABLE} match '\"青岛\"'"
    ).fetchone() == (1,)
    conn.execute("delete from articles")  # triggers use plain SQL only
    conn.commit()
    # The entry is kept for removal at the next opening; no search finds the deleted article meanwhile.
    assert conn.execute(SEARCH_IDS_SQL, ['"青岛"']).fetchall() == []
    conn.close()
    db = open_archive(str(path))
    assert db.execute(f"select count(*) from {FTS_TABLE}").fetchone() == (0,)
