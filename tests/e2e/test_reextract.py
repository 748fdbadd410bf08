"""``newsarchive reextract``: today's extractor over the WARC archive, offline, updating what changed."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

from bench.warc import newsarchive
from tests.support.warc import ingest_shipped_seeds


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    ingest_shipped_seeds(tmp_path)
    return tmp_path


def test_an_unchanged_extractor_reproduces_every_article(archive: Path) -> None:
    db = sqlite_utils.Database(archive / "a.db")
    before = {row["id"]: row for row in db["articles"].rows}
    result = newsarchive(archive, "reextract", "--db", "a.db", "--workers", "0")
    assert result.returncode == 0, result.stderr
    assert f"{len(before)} articles re-extracted" in result.stdout
    assert f": 0 changed, {len(before)} unchanged, 0 failed" in result.stdout
    after = {row["id"]: row for row in db["articles"].rows}
    assert after == before


def test_changed_fields_are_updated_counted_and_stamped(archive: Path) -> None:
    db = sqlite_utils.Database(archive / "a.db")
    rows = list(db.query("select id, title, text from articles order by id"))
    first, second = rows[0], rows[1]
    # As if an older extractor had produced these.
    with db.conn:
        db.execute(
            "update articles set title = '旧标题', extractor_version = '0.9' where id = ?", [first["id"]]
        )
        db.execute(
            "update articles set text = '旧正文', extractor_version = '0.9' where id = ?", [second["id"]]
        )
        db.execute("update articles set extractor = null, extractor_version = null")

    dry = newsarchive(archive, "reextract", "--db", "a.db", "--dry-run", "--workers", "0")
    assert ": 2 changed" in dry.stdout and "dry run: nothing written" in dry.stdout, dry.stdout + dry.stderr
    assert "changed fields: " in dry.stdout and "title 1" in dry.stdout and "text 1" in dry.stdout
    assert f"article {first['id']}: title: '旧标题' -> " in dry.stdout
    assert db["articles"].get(first["id"])["title"] == "旧标题"  # nothing written
    assert db.execute("select count(*) from crawl_runs where kind = 'reextract'").fetchone()[0] == 0

    result = newsarchive(archive, "reextract", "--db", "a.db", "--workers", "1")
    assert result.returncode == 0 and ": 2 changed" in result.stdout, result.stdout + result.stderr
    assert db["articles"].get(first["id"])["title"] == first["title"]
    assert db["articles"].get(second["id"])["text"] == second["text"]
    stamps = set(db.execute("select extractor, extractor_version from articles").fetchall())
    assert len(stamps) == 1 and next(iter(stamps))[0] == "newsarchive"
    assert db["article_versions"].count == 0  # the page did not change: no new version
    # The search index follows the restored title.
    hits = db.execute(
        "select id from articles where search_rowid in "
        "(select rowid from articles_bigrams where articles_bigrams match ?)",
        [f'"{first["title"][:2]}"'],
    )
    assert first["id"] in {r[0] for r in hits.fetchall()}
    run = next(db.query("select * from crawl_runs where kind = 'reextract'"))
    assert (run["status"], run["updated"], run["failed"]) == ("finished", 2, 0)


def test_source_and_since_select_what_is_reextracted(archive: Path) -> None:
    db = sqlite_utils.Database(archive / "a.db")
    ifeng = db.execute("select count(*) from articles where source = 'ifeng-qingdao'").fetchone()[0]
    assert 0 < ifeng < db["articles"].count
    result = newsarchive(archive, "reextract", "--db", "a.db", "--source", "ifeng-qingdao", "--dry-run")
    assert f"{ifeng} articles re-extracted" in result.stdout, result.stdout + result.stderr
    later = newsarchive(archive, "reextract", "--db", "a.db", "--since", "2999-01-01", "--dry-run")
    assert "0 articles re-extracted" in later.stdout
    bad = newsarchive(archive, "reextract", "--db", "a.db", "--since", "yesterday")
    assert bad.returncode == 2 and "--since" in bad.stderr
