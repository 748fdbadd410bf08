"""``newsarchive upgrade`` (pipelines/archive/upgrade.py): what an archive of an earlier version needs is
listed without changing the file, done on purpose, each step timed, and then nothing is left to do."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from crawler.cli import cli
from crawler.cli.options import EXIT_ARCHIVE, EXIT_FAILURES
from pipelines.archive.facet_counts import FACET_COUNTS_TABLE, TRIGGERS
from pipelines.archive.schema import FTS_TABLE, ArchiveUnavailable, open_archive
from pipelines.archive.search_text import match_query
from pipelines.archive.upgrade import STEPS, pending_upgrades, upgrade_archive
from pipelines.dedup.clusters import ensure_clusters
from pipelines.dedup.near import set_state
from tests.unit.test_archive_compact_layout import title_first_archive


def digest(path: Path) -> str:
    """The database file and its WAL, if any."""
    files = [Path(f"{path}{suffix}") for suffix in ("", "-wal")]
    return hashlib.sha256(b"".join(f.read_bytes() for f in files if f.exists())).hexdigest()


def old_archive(path: Path, make_record: Any) -> None:
    """An archive as earlier versions left it: the search index title first, no facet count triggers, a
    capture's document whole, the near-duplicate index of other parameters."""
    db = title_first_archive(path, make_record)
    ensure_clusters(db)
    with db.conn:
        for name in TRIGGERS:
            db.execute(f"drop trigger [{name}]")
        db.execute(f"delete from [{FACET_COUNTS_TABLE}]")
        document = json.dumps({"name": "https://news.example.cn/0.html", "headers": {}})
        db.execute(
            "insert into captures (url, fetched_at, document) values (?, ?, ?)",
            ["https://news.example.cn/0.html", "2024-01-01T00:00:00+00:00", document],
        )
        set_state(db, "index_signature", "an earlier layout")
    db.close()


def matches(path: Path, word: str) -> list[int]:
    db = open_archive(str(path))
    try:
        sql = (
            f"select a.id from [{FTS_TABLE}] join articles a on a.search_rowid = [{FTS_TABLE}].rowid "
            f"where [{FTS_TABLE}] match ? order by a.id"
        )
        return [row[0] for row in db.execute(sql, [match_query(word)]).fetchall()]
    finally:
        db.close()


def test_an_archive_of_this_version_needs_nothing(tmp_path: Path, make_record: Any) -> None:
    path = tmp_path / "a.db"
    db = open_archive(str(path))
    ensure_clusters(db)
    db.close()
    assert pending_upgrades(str(path)) == []
    result = upgrade_archive(str(path))
    assert result.steps == () and result.lines() == ["already up to date (0 articles); nothing to do"]


def test_an_earlier_archive_lists_its_steps_without_changing_the_file(
    tmp_path: Path, make_record: Any
) -> None:
    path = tmp_path / "a.db"
    old_archive(path, make_record)
    before = digest(path)
    assert pending_upgrades(str(path)) == list(STEPS)  # every step, in the order they run
    assert digest(path) == before  # read only


def test_the_upgrade_does_each_step_once_and_keeps_what_a_reader_finds(
    tmp_path: Path, make_record: Any
) -> None:
    path = tmp_path / "a.db"
    old_archive(path, make_record)
    result = upgrade_archive(str(path))
    done = " + ".join(step for step, _ in result.steps)
    assert all(step in done for step in STEPS), result.steps
    assert result.lines()[-1].startswith("upgraded 4 articles in ")
    assert pending_upgrades(str(path)) == []
    assert matches(path, "青岛") and matches(path, "崂山") and matches(path, "port")
    counts = open_archive(str(path)).execute(f"select sum(n) from [{FACET_COUNTS_TABLE}]").fetchone()[0]
    assert counts == 4
    assert upgrade_archive(str(path)).steps == ()


def test_a_missing_file_or_one_that_is_no_database_is_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ArchiveUnavailable, match="does not exist"):
        pending_upgrades(str(tmp_path / "none.db"))
    with pytest.raises(ArchiveUnavailable, match="does not exist"):
        upgrade_archive(str(tmp_path / "none.db"))
    assert not (tmp_path / "none.db").exists()  # never created
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database " * 100)
    for call in (pending_upgrades, upgrade_archive):
        with pytest.raises(ArchiveUnavailable, match="cannot use it as the archive"):
            call(str(junk))


def test_the_command_checks_then_upgrades(tmp_path: Path, make_record: Any) -> None:
    path = tmp_path / "a.db"
    old_archive(path, make_record)
    runner = CliRunner()
    checked = runner.invoke(cli, ["upgrade", "--check", "--db", str(path)])
    assert checked.exit_code == EXIT_FAILURES
    assert checked.stdout.splitlines() == [f"needed: {step}: {what}" for step, what in STEPS.items()]
    done = runner.invoke(cli, ["upgrade", "--db", str(path)])
    assert done.exit_code == 0 and done.stdout.splitlines()[-1].startswith("upgraded 4 articles in ")
    again = runner.invoke(cli, ["upgrade", "--check", "--db", str(path)])
    assert again.exit_code == 0 and again.stdout == "up to date: nothing to do\n"
    missing = runner.invoke(cli, ["upgrade", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == EXIT_ARCHIVE
    assert missing.stderr.strip().splitlines() == [f"Error: {tmp_path / 'none.db'} does not exist"]
