"""The command line's errors: one clear line and a documented exit status (README, "Exit statuses"), before
any work starts; `status` in a pipe keeps every source name whole and lists local documents (`seeds`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner

from crawler.cli import cli
from crawler.cli.options import EXIT_ARCHIVE, EXIT_FAILURES, EXIT_USAGE
from pipelines.archive.schema import ArchiveUnavailable, check_archive, ensure_db_shape
from tests.support.publish_fixtures import build_archive


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ["crawl", "--start-url", "http://127.0.0.1:9/"],
        ["ingest", "seeds/"],
        ["status"],
        ["reextract"],
        ["export-warc", "--out", "x"],
    ],
)
def test_a_database_in_a_missing_folder_is_one_line_and_status_3(command: list[str], tmp_path: Path) -> None:
    db = tmp_path / "nonexistent" / "dir" / "a.db"
    code, out, err = run(*command, "--db", str(db))
    assert code == EXIT_ARCHIVE, (out, err)
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    assert str(db) in lines[0] and ("does not exist" in lines[0])
    assert not db.parent.exists()


def test_a_file_that_is_not_a_database_is_status_3(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    code, _, err = run("crawl", "--start-url", "http://127.0.0.1:9/", "--db", str(junk))
    assert (
        code == EXIT_ARCHIVE and "cannot use it as the archive" in err and len(err.strip().splitlines()) == 1
    )
    with pytest.raises(ArchiveUnavailable):
        check_archive(str(junk))


def test_an_unknown_crawl_source_names_the_known_ones(tmp_path: Path, repo_root: Path) -> None:
    code, _, err = run(
        "crawl", "nosuch", "--db", str(tmp_path / "a.db"), "--sources", str(repo_root / "sources.toml")
    )
    assert code == EXIT_USAGE and "unknown source(s): nosuch" in err and "ifeng-qingdao" in err
    assert not (tmp_path / "a.db").exists()  # nothing was started


@pytest.mark.parametrize("command", [["reextract"], ["export-warc", "--out", "exported"]])
def test_a_misspelled_source_is_an_error_naming_the_known_sources(command: list[str], tmp_path: Path) -> None:
    db = tmp_path / "archive.db"
    build_archive(db)
    code, out, err = run(*command, "--db", str(db), "--source", "qingdao-new")
    assert code == EXIT_USAGE, (out, err)
    assert "unknown source 'qingdao-new'" in err
    assert "qingdao-news" in err and "dzwww" in err and "evil-site" in err
    assert not (tmp_path / "exported").exists()


def test_status_in_a_pipe_keeps_names_whole_and_lists_seeds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # no sources.toml here: only what the archive knows
    db_path = tmp_path / "a.db"
    db = sqlite_utils.Database(db_path)
    ensure_db_shape(db)
    long_key = "a-source-with-a-really-long-key-that-a-narrow-table-would-cut-short"
    now = datetime.now(UTC)
    db.table("sources").insert_all(
        [
            {"key": long_key, "name": "长长的名字", "kind": "site"},
            {"key": "seeds", "name": "seeds", "kind": "local"},
        ]
    )
    db.table("crawl_runs").insert_all(
        [
            {"kind": "crawl", "source": long_key, "status": "finished", "started": now.isoformat(),
             "responses_by_status": '{"200": 3}', "new": 3},
            {"kind": "ingest", "source": None, "status": "finished",
             "started": (now - timedelta(hours=2)).isoformat()},
        ]
    )  # fmt: skip
    db.close()
    code, out, _ = run("status", "--db", str(db_path))
    lines = out.splitlines()
    assert lines[0].split()[:3] == ["source", "last", "run"]
    rows = {line.split()[0]: line for line in lines[1:-1]}
    assert set(rows) == {long_key, "seeds"}, out
    assert "ingest finished" in rows["seeds"] and "2h ago" in rows["seeds"]
    assert "…" not in out and "│" not in out and "\x1b" not in out  # plain: no box, no ellipsis, no colour
    assert lines[-1] == "all sources healthy" and code == 0


def test_ingest_source_must_not_be_empty(tmp_path: Path) -> None:
    code, _, err = run("ingest", "x.txt", "--db", str(tmp_path / "a.db"), "--source", " ")
    assert code == EXIT_USAGE and "--source" in err


def test_exit_statuses_are_documented(repo_root: Path) -> None:
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Exit statuses", 1)[1].split("\n#", 1)[0]
    for code in (0, EXIT_FAILURES, EXIT_USAGE, EXIT_ARCHIVE, 4):
        assert f"\n| {code} |" in section
