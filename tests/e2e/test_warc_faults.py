"""Faults: a crawl killed while writing WARC, and missing or damaged WARC files at re-extraction."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from bench.warc import FAST, REPO, newsarchive
from pipelines.warc.reader import read_record
from pipelines.warc.repair import check_tail
from tests.support.local_site import LocalNewsSite, serve_site, sources_toml
from tests.support.warc import warcio_check


def wait_for_articles(db_path: Path, count: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if db_path.exists():
            try:
                if sqlite_utils.Database(db_path)["articles"].count >= count:
                    return
            except Exception:  # the schema may still be in the making
                pass
        time.sleep(0.1)


@pytest.fixture(scope="module")
def recovered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str, int]]:
    """A crawl killed (SIGKILL) mid-way, whose open WARC file then ends in half a record, and the next crawl."""
    workdir = tmp_path_factory.mktemp("warc_faults")
    site = LocalNewsSite(article_count=40, article_delay=0.2)
    with serve_site(site) as base_url:
        (workdir / "sources.toml").write_text(sources_toml(base_url), encoding="utf-8")
        command = [
            sys.executable, "-m", "crawler", "crawl", "testsite", "--sources", "sources.toml", "--db", "a.db",
            *FAST, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2", "-s", "ARCHIVE_WARC_MAX_SIZE=20000",
        ]  # fmt: skip
        env = {**os.environ, "PYTHONPATH": str(REPO)}
        process = subprocess.Popen(
            command, cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        wait_for_articles(workdir / "a.db", 4)
        process.kill()
        process.communicate(timeout=60)

        db = sqlite_utils.Database(workdir / "a.db")
        (open_file,) = [r["name"] for r in db.query("select name from warc_files where closed is null")]
        folder = workdir / "archive" / "warc"
        last = next(db.query("select * from captures order by id desc limit 1"))
        end = db.execute(
            "select max(warc_offset + warc_group_length) from captures where warc_file = ?", [open_file]
        ).fetchone()[0]
        torn = check_tail(folder, open_file, end or 0, repair=False).cut
        if not torn:  # the kill came between two records: make it come while the next was being written
            source = (folder / last["warc_file"]).read_bytes()
            record = source[last["warc_offset"] : last["warc_offset"] + last["warc_length"]]
            with (folder / open_file).open("ab") as handle:
                handle.write(record[: len(record) // 2])
            torn = len(record) // 2
        assert check_tail(folder, open_file, end or 0, repair=False).cut == torn

        subprocess.run(command, cwd=workdir, env=env, capture_output=True, timeout=180, check=False)
        yield workdir, open_file, torn


def test_the_next_run_cuts_the_half_written_record_and_every_row_is_readable(
    recovered: tuple[Path, str, int],
) -> None:
    workdir, open_file, torn = recovered
    db = sqlite_utils.Database(workdir / "a.db")
    folder = workdir / "archive" / "warc"
    runs = [r["status"] for r in db.query("select status from crawl_runs order by id")]
    assert runs == ["killed", "finished"]
    repaired = db["warc_files"].get(open_file)
    assert repaired["cut"] == torn and repaired["problem"] is None
    assert repaired["size"] == (folder / open_file).stat().st_size
    files = sorted(folder.glob("*.warc.gz"))
    assert len(files) > 2 and warcio_check(files) == 0  # every file valid, the repaired one included
    captures = list(db.query("select * from captures where warc_file is not null"))
    for capture in captures:  # no row points at a record that is not there
        read_record(folder, capture["warc_file"], capture["warc_offset"], capture["warc_length"])
    assert not list(db.query("select * from warc_files where closed is null"))


def test_reextract_reports_articles_of_missing_or_damaged_files_and_carries_on(
    recovered: tuple[Path, str, int], tmp_path: Path
) -> None:
    workdir = tmp_path / "copy"
    shutil.copytree(recovered[0], workdir)
    db = sqlite_utils.Database(workdir / "a.db")
    folder = workdir / "archive" / "warc"
    placed = list(
        db.query(
            "select a.id, c.warc_file, c.warc_offset from articles a "
            "join captures c on c.id = coalesce((select revisit_of from captures where id = a.capture_id), "
            "a.capture_id) order by c.warc_file, c.warc_offset"
        )
    )
    by_file: dict[str, list[int]] = {}
    for row in placed:
        by_file.setdefault(row["warc_file"], []).append(row["id"])
    deleted, damaged = [name for name in by_file if len(by_file[name]) >= 1][:2]
    (folder / deleted).unlink()
    victim = next(row for row in placed if row["warc_file"] == damaged)
    data = bytearray((folder / damaged).read_bytes())
    data[victim["warc_offset"] + 40 : victim["warc_offset"] + 44] = b"\xff\xff\xff\xff"
    (folder / damaged).write_bytes(bytes(data))

    result = newsarchive(workdir, "reextract", "--db", "a.db", "--workers", "0")
    assert result.returncode == 1
    failed = {
        int(line.split()[2].rstrip(":")): line
        for line in result.stderr.splitlines()
        if line.startswith("failed:")
    }
    assert set(by_file[deleted]) | {victim["id"]} == set(failed)
    assert all("is missing" in failed[i] for i in by_file[deleted])
    assert "corrupt" in failed[victim["id"]]
    rest = len(placed) - len(failed)
    assert f"0 changed, {rest} unchanged, {len(failed)} failed" in result.stdout
    errors = list(db.query("select input from crawl_errors where stage = 'reextract'"))
    assert {e["input"] for e in errors} == {f"article {i}" for i in failed}
