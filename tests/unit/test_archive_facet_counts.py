"""Facet counts kept on write (pipelines/archive/facet_counts.py): after any write to articles, by any writer,
the kept counts are a fresh ``group by`` over the articles; ensure_db_shape creates and fills them in an
archive made before them, and rebuilds them when they are damaged."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from pipelines.archive import facet_counts
from pipelines.archive.facet_counts import (
    FACET_COLUMNS,
    FACET_COUNTS_TABLE,
    TRIGGERS,
    count_differences,
    facet_counts_are_current,
)
from pipelines.archive.schema import ensure_db_shape, open_archive
from pipelines.archive.store import save_article, save_reextraction, save_source
from pipelines.saving import ArticleSaver
from pipelines.sources import Source
from tests.support.publish_fixtures import build_archive

COLUMNS = ", ".join(FACET_COLUMNS)
# Written out here, not taken from the module: what the kept counts must equal.
GROUP_BY = f"select {COLUMNS}, count(*) from articles group by {COLUMNS} order by {COLUMNS}"
KEPT = f"select {COLUMNS}, n from {FACET_COUNTS_TABLE} order by {COLUMNS}"
VALUES = {
    "source": ["qingdao-news", "dzwww", "english-news", None],
    "region": ["青岛", "山东", None],
    "section": ["社会", "财经", "Business", "", None],
    "language": ["zh", "en", None],
}


def kept(db: sqlite_utils.Database | sqlite3.Connection) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in db.execute(KEPT).fetchall()]


def fresh(db: sqlite_utils.Database | sqlite3.Connection) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in db.execute(GROUP_BY).fetchall()]


def assert_exact(db: sqlite_utils.Database | sqlite3.Connection) -> None:
    assert kept(db) == fresh(db)
    assert count_differences(db) == []


def random_values(rng: random.Random) -> dict[str, Any]:
    return {column: rng.choice(choices) for column, choices in VALUES.items()}


def test_inserts_updates_and_deletes_by_plain_sql_keep_the_counts_exact(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    open_archive(str(path)).close()
    shell = sqlite3.connect(path)  # a sqlite3 shell: no function of the archive's code registered
    rng = random.Random(16)
    next_id = 1
    for _ in range(12):
        for _ in range(25):
            values = random_values(rng)
            shell.execute(
                f"insert into articles (id, text, content_hash, first_seen, {COLUMNS}) "
                "values (:id, 'text', 'hash', 't', :source, :region, :section, :language)",
                {**values, "id": next_id},
            )
            next_id += 1
        ids = [row[0] for row in shell.execute("select id from articles")]
        for article_id in rng.sample(ids, 8):  # one or several facet columns changed, or none
            changed = {c: v for c, v in random_values(rng).items() if rng.random() < 0.5}
            if changed:
                sets = ", ".join(f"{column} = :{column}" for column in changed)
                shell.execute(f"update articles set {sets} where id = :id", {**changed, "id": article_id})
        shell.execute("update articles set title = 'other', section = section")  # no facet value changes
        for article_id in rng.sample(ids, 6):
            shell.execute("delete from articles where id = ?", [article_id])
        shell.commit()
        assert_exact(shell)
    # A whole group moved at once, then every article deleted: no combination is left behind.
    shell.execute("update articles set region = '青岛' where source = 'dzwww'")
    assert_exact(shell)
    shell.execute("delete from articles")
    shell.commit()
    assert kept(shell) == [] == fresh(shell)
    shell.close()


def test_a_write_rolled_back_counts_nothing(db: sqlite_utils.Database) -> None:
    db.execute(
        "insert into articles (id, text, content_hash, first_seen, source) values (1, 't', 'h', 't', 'a')"
    )
    with pytest.raises(sqlite3.IntegrityError):  # the same id again: the statement fails, trigger and all
        db.execute(
            "insert into articles (id, text, content_hash, first_seen, source) values (1, 't', 'h', 't', 'b')"
        )
    assert kept(db) == [("a", None, None, None, 1)]
    db.conn.execute("begin")
    db.conn.execute("update articles set source = 'b'")
    db.conn.execute("rollback")
    assert_exact(db)


def test_articles_saved_through_the_store_and_reextracted_are_counted(
    db: sqlite_utils.Database, make_record: Callable[..., dict[str, Any]]
) -> None:
    saver = ArticleSaver(db)
    saver.open()
    first = saver.save(make_record(section="社会", source="qingdao-news")).article_id
    saver.save(make_record("An English article about the port.", url="https://e.example/1", source="port"))
    saver.save(
        make_record(
            "另一篇文章，讲的是崂山的游客。" * 3,
            url="https://qingdao.example.com/news/2.html",
            section="旅游",
        )
    )
    saver.close()
    assert_exact(db)
    assert sum(row[-1] for row in kept(db)) == 3
    # A later fetch of the first page, in another section: a new version of the article.
    changed = make_record(
        "青岛市南区今天召开会议，部署海洋经济发展工作。版本二。", section="财经", source="qingdao-news"
    )
    assert save_article(db, changed).outcome == "updated"
    assert_exact(db)
    # Declaring the source gives its articles the source's region (one update of many rows).
    save_source(
        db, Source(key="qingdao-news", name="青岛新闻", start_urls=(), allowed_domains=(), region="青岛")
    )
    assert_exact(db)
    assert ("qingdao-news", "青岛", "财经", "zh", 1) in kept(db)
    # Re-extraction rewrites the columns in place (sqlite-utils' update sets each column it is given).
    save_reextraction(db, first, {"section": "要闻", "language": "zh", "title": "新标题"}, [], ["section"])
    db.conn.commit()
    assert_exact(db)
    assert ("qingdao-news", "青岛", "要闻", "zh", 1) in kept(db)


def test_an_archive_made_before_the_counts_is_filled_on_opening(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    build_archive(path)
    shell = sqlite3.connect(path)
    for name in TRIGGERS:
        shell.execute(f"drop trigger {name}")
    shell.execute(f"drop table {FACET_COUNTS_TABLE}")
    shell.execute("update articles set region = '山东' where source = 'dzwww'")  # written without the counts
    shell.commit()
    assert not facet_counts_are_current(shell)
    shell.close()
    db = open_archive(str(path))
    assert facet_counts_are_current(db)
    assert_exact(db)
    assert ("dzwww", "山东", "山东", "zh", 1) in kept(db)
    db.close()


def damage_dropped_trigger(shell: sqlite3.Connection) -> None:
    shell.execute(f"drop trigger {FACET_COUNTS_TABLE}_delete")
    shell.execute("delete from articles where source = 'dzwww'")  # not counted


def damage_rows(shell: sqlite3.Connection) -> None:
    shell.execute(f"delete from {FACET_COUNTS_TABLE} where source = 'evil-site'")


def damage_replace(shell: sqlite3.Connection) -> None:
    # INSERT OR REPLACE deletes the row it replaces without a delete trigger: counted twice until reopened.
    shell.execute("insert or replace into articles select * from articles where source = 'dzwww'")


def damage_shape(shell: sqlite3.Connection) -> None:
    shell.execute(f"alter table {FACET_COUNTS_TABLE} add column extra text")


def damage_changed_trigger(shell: sqlite3.Connection) -> None:
    shell.execute(f"drop trigger {FACET_COUNTS_TABLE}_update")
    shell.execute(f"create trigger {FACET_COUNTS_TABLE}_update after update on articles begin select 1; end")
    shell.execute("update articles set section = '别的' where source = 'dzwww'")  # not counted


@pytest.mark.parametrize(
    "damage", [damage_dropped_trigger, damage_rows, damage_replace, damage_shape, damage_changed_trigger]
)
def test_damaged_counts_are_rebuilt_on_opening(
    tmp_path: Path, damage: Callable[[sqlite3.Connection], None]
) -> None:
    path = tmp_path / "a.db"
    build_archive(path)
    shell = sqlite3.connect(path)
    damage(shell)
    shell.commit()
    assert count_differences(shell) != [] or not facet_counts_are_current(shell)
    shell.close()
    db = open_archive(str(path))
    assert facet_counts_are_current(db)
    assert_exact(db)
    db.close()


def test_shaping_again_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "a.db"
    build_archive(path)
    db = sqlite_utils.Database(path)
    before = kept(db)
    rebuilt: list[int] = []
    monkeypatch.setattr(facet_counts, "rebuild_facet_counts", lambda db: rebuilt.append(1))
    ensure_db_shape(db)
    ensure_db_shape(db)
    assert rebuilt == [] and kept(db) == before
    assert_exact(db)
    db.close()


def test_a_merge_of_shards_is_counted(tmp_path: Path, make_record: Callable[..., dict[str, Any]]) -> None:
    from pipelines.archive.merge import merge_shards

    pages = {
        "one": [
            make_record(url="https://q.example/1.html", section="社会", source="qingdao-news"),
            make_record(
                "崂山景区今天开放，游客可通过官方平台预约入园。" * 3,
                url="https://q.example/2.html",
                source="dz",
            ),
        ],
        # The first page again, edited into another section, and a page of its own.
        "two": [
            make_record(
                "青岛市南区今天召开会议，部署海洋经济发展工作。后来改了。",
                url="https://q.example/1.html",
                section="财经",
                source="qingdao-news",
                fetched_at="2024-03-02T10:00:00+08:00",
            ),
            make_record(
                "黄岛区中小学新学期增加学位三千个。" * 4, url="https://q.example/3.html", language="en"
            ),
        ],
    }
    shards = []
    for name, records in pages.items():
        shard = open_archive(str(tmp_path / f"{name}.db"))
        saver = ArticleSaver(shard)
        saver.open()
        for record in records:
            saver.save(record)
        saver.close()
        assert_exact(shard)
        shard.close()
        shards.append(str(tmp_path / f"{name}.db"))
    merge_shards(str(tmp_path / "main.db"), shards)
    db = open_archive(str(tmp_path / "main.db"))
    assert_exact(db)
    # Three articles; the first in the section its later fetch (from the second shard) gave it.
    assert kept(db) == [
        ("dz", None, None, "zh", 1),
        ("example", None, None, "en", 1),
        ("qingdao-news", None, "财经", "zh", 1),
    ]
    db.close()
