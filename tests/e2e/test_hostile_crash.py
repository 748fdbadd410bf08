"""Crash test: crawls, ingests and re-extractions of one archive killed (SIGKILL) at random moments, then run
to the end; the archive must have lost nothing, stored nothing twice, indexed every article for search,
kept every capture readable, passed SQLite's integrity check, and no worker may outlive its killed parent.

Bounded: KILLS kills in all (crawl, ingest and reextract in turn), each after a random 0.3-2.5 s, about a
minute and a half on two cores. The figures are printed (``-s`` shows them)."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlite_utils

from pipelines.archive.schema import open_archive
from pipelines.warc.reader import read_record
from pipelines.warc.records import default_warc_dir
from tests.support.hostile_processes import alive, children, wait_gone
from tests.support.local_site import LocalNewsSite, serve_site, sources_toml

REPO_ROOT = Path(__file__).resolve().parents[2]
KILLS = 21
FAST = [
    "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4",
    "-s", "DOWNLOAD_MAXSIZE=1000000", "-s", "ARCHIVE_RETRY_BACKOFF_BASE=0.05", "-s", "DOWNLOAD_TIMEOUT=5",
    "-s", "RETRY_TIMES=0",
]  # fmt: skip


def _check(db_path: Path) -> dict[str, int]:
    # Opened as the next command opens it: a run killed while it created the archive leaves a file without
    # (all of) its tables, which that open completes (ensure_db_shape is additive); nothing was stored yet.
    db = open_archive(str(db_path))
    assert db.execute("pragma integrity_check").fetchone()[0] == "ok"
    twice = db.execute(
        "select url from articles where url is not null group by url having count(*) > 1"
    ).fetchall()
    assert twice == [], f"stored twice: {twice}"
    unindexed = db.execute(
        "select id from articles a where not exists "
        "(select 1 from articles_bigrams_docsize f where f.id = a.search_rowid)"
    ).fetchall()
    assert unindexed == [], f"missing from search: {unindexed}"
    assert db["articles_bigrams"].count == db["articles"].count
    orphans = db.execute(
        "select k.key from article_keys k left join articles a on a.id = k.article_id where a.id is null"
    ).fetchall()
    assert orphans == []
    folder = default_warc_dir(str(db_path))
    captures = list(
        db.query("select warc_file, warc_offset, warc_length from captures where warc_file is not null")
    )
    for row in captures:
        read_record(folder, row["warc_file"], row["warc_offset"], row["warc_length"])
    counts = {"articles": db["articles"].count, "captures": len(captures)}
    db.close()
    return counts


def test_random_kills_lose_nothing_and_leave_nothing_behind(tmp_path: Path) -> None:
    rng = random.Random(14)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    shutil.copytree(REPO_ROOT / "seeds", tmp_path / "seeds")
    site = LocalNewsSite(article_count=30, article_delay=0.05)
    commands = {
        "crawl": ["crawl", "testsite", "--sources", "sources.toml", *FAST],
        "ingest": ["ingest", "seeds"],
        "reextract": ["reextract"],
    }
    already = set(children(os.getpid()))  # e.g. multiprocessing's resource tracker of an earlier test
    started = time.monotonic()
    kills, orphans_seen, survived = {"crawl": 0, "ingest": 0, "reextract": 0}, 0, 0
    with serve_site(site) as base_url:
        (tmp_path / "sources.toml").write_text(sources_toml(base_url), encoding="utf-8")

        def run(kind: str, *, kill_after: float | None) -> subprocess.Popen[bytes]:
            command = [sys.executable, "-m", "crawler", *commands[kind], "--db", "a.db", "--workers", "2"]
            process = subprocess.Popen(
                command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            if kill_after is None:
                process.wait(timeout=300)
                return process
            deadline = time.monotonic() + kill_after
            workers: list[int] = []
            while process.poll() is None and time.monotonic() < deadline:
                workers = children(process.pid) or workers
                time.sleep(0.02)
            workers = children(process.pid) or workers
            process.kill()
            process.wait()
            nonlocal orphans_seen
            left = wait_gone(workers)
            orphans_seen += len(left)
            return process

        order = ["crawl", "ingest", "crawl", "reextract"]
        attempts = 0
        while sum(kills.values()) < KILLS and attempts < KILLS + 10:
            kind = order[attempts % len(order)]
            attempts += 1
            if kind == "reextract" and not (tmp_path / "a.db").exists():
                kind = "crawl"
            process = run(kind, kill_after=rng.uniform(0.3, 2.5 if kind == "crawl" else 1.5))
            if process.returncode == -signal.SIGKILL:
                kills[kind] += 1
            else:
                survived += 1  # it finished before its kill: a run to the end, which is fine too
            if (tmp_path / "a.db").exists():
                _check(tmp_path / "a.db")
        for kind in ("crawl", "ingest", "reextract"):
            assert run(kind, kill_after=None).returncode >= 0, kind
    counts = _check(tmp_path / "a.db")

    db = sqlite_utils.Database(tmp_path / "a.db")
    urls = {row["url"] for row in db["articles"].rows if row["url"]}
    assert {base_url + path for path in site.article_paths()} <= urls  # every article of the site
    ingest = next(db.query("select * from crawl_runs where kind = 'ingest' order by id desc limit 1"))
    assert ingest["status"] == "finished" and ingest["failed"] == 0
    # Every seed file is there: stored now, or known from a killed run (unchanged, or a duplicate of one).
    assert ingest["new"] + ingest["updated"] + ingest["unchanged"] + ingest["duplicates"] == ingest["inputs"]
    assert db.execute("select count(*) from article_keys where key like 'file:seeds/%'").fetchone()[0] > 0
    assert orphans_seen == 0
    assert not [p for p in children(os.getpid()) if p not in already and alive(p)]
    took = time.monotonic() - started
    print(
        f"crash test: {sum(kills.values())} kills {kills}, {survived} runs ended first, {counts}, {took:.0f} s"
    )
    assert sum(kills.values()) >= 20
