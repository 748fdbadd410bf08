"""Shards of two workers merged with ``newsarchive merge``: merging twice gives the same archive, a merge taken
while the workers write and finished afterwards gives what one merge at the end gives, and search, facets and
health over the merged archive equal those of one machine's crawl of the same sites."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from pipelines.archive.schema import FTS_TABLE
from pipelines.archive.search_text import match_query
from pipelines.schedule.health import Thresholds, source_health
from pipelines.sources import load_sources
from tests.support.distributed import FAST, distinct_sites, run, start_worker
from tests.support.redis_server import redis_server

TABLES = (
    "articles", "article_keys", "article_versions", "captures", "crawl_runs", "crawl_errors", "sources",
    "redirects", "warc_files", "story_clusters", "merged_ids", FTS_TABLE,
)  # fmt: skip
QUERIES = ("地铁", "崂山", "教育", "签约", "项目审批")
FACETS = ("source", "region", "section", "language")
# What a source's health says, without the moments (the two crawls ran at different times).
HEALTH = (
    "source", "last_outcome", "consecutive_failures", "new_1d", "new_7d", "dated_share", "author_share",
    "body_share", "flags",
)  # fmt: skip


def dump(path: Path) -> dict[str, list[Any]]:
    db = sqlite_utils.Database(path)
    tables = {t: sorted(db.execute(f"select * from [{t}]").fetchall(), key=repr) for t in TABLES}
    tables["merge_state"] = sorted(
        db.execute("select shard, run_floor, last_capture, changed_mark from merge_state")
    )
    return tables


def articles(path: Path) -> list[tuple[Any, ...]]:
    db = sqlite_utils.Database(path)
    return sorted(
        db.execute(
            "select id, url, source, title, content_hash, version, first_seen, published from articles"
        ).fetchall()
    )


def search(path: Path) -> dict[str, list[tuple[str, str]]]:
    db = sqlite_utils.Database(path)
    found = {}
    for query in QUERIES:
        rows = db.execute(
            f"select a.url, a.title from [{FTS_TABLE}] f join articles a on a.search_rowid = f.rowid "
            f"where [{FTS_TABLE}] match ? order by a.url",
            [match_query(query)],
        ).fetchall()
        found[query] = rows
    return found


def facets(path: Path) -> dict[str, list[tuple[Any, int]]]:
    db = sqlite_utils.Database(path)
    return {
        column: db.execute(f"select [{column}], count(*) from articles group by 1 order by 1").fetchall()
        for column in FACETS
    }


def health(path: Path, sources_file: Path) -> list[dict[str, Any]]:
    db = sqlite_utils.Database(path)
    rows = source_health(db, Thresholds(), load_sources(str(sources_file)), datetime.now(UTC))
    return sorted(({k: row[k] for k in HEALTH} for row in rows), key=lambda r: r["source"])


def stored_some(shard: Path) -> bool:
    try:
        return shard.exists() and sqlite_utils.Database(shard)["articles"].count > 0
    except Exception:  # the worker is creating its schema
        return False


def test_merged_shards_equal_one_machines_crawl_and_merging_again_changes_nothing(tmp_path: Path) -> None:
    with redis_server() as redis_url, distinct_sites(3, articles=8, article_delay=0.1) as (_, definitions):
        (tmp_path / "sources.toml").write_text(definitions, encoding="utf-8")
        queued = run(tmp_path, "schedule", "--redis", redis_url, "--once", "--db", "archive.db")
        assert queued.returncode == 0, queued.stderr
        procs = [start_worker(tmp_path, redis_url, f"shard{i}.db") for i in range(2)]

        # A merge while the workers write (from snapshots), into its own archive, finished after they end.
        deadline = time.monotonic() + 120
        while not any(stored_some(tmp_path / f"shard{i}.db") for i in range(2)):
            assert time.monotonic() < deadline, "no worker stored an article"
            time.sleep(0.2)
        during = run(tmp_path, "merge", "shard0.db", "shard1.db", "--into", "incremental.db")
        assert during.returncode == 0, during.stderr
        for proc in procs:
            out, _ = proc.communicate(timeout=300)
            assert proc.returncode == 0, out

        first = run(tmp_path, "merge", "shard0.db", "shard1.db", "--into", "archive.db")
        assert first.returncode == 0, first.stderr
        once = dump(tmp_path / "archive.db")
        second = run(tmp_path, "merge", "shard0.db", "shard1.db", "--into", "archive.db")
        assert second.returncode == 0, second.stderr
        assert " 0 new articles, 0 updated" in second.stdout, second.stdout
        assert dump(tmp_path / "archive.db") == once  # idempotent

        finished = run(tmp_path, "merge", "shard0.db", "shard1.db", "--into", "incremental.db")
        assert finished.returncode == 0, finished.stderr

        single = run(tmp_path, "crawl", "--db", "single.db", "--sources", "sources.toml", *FAST)
        assert single.returncode == 0, single.stderr

    merged, alone = tmp_path / "archive.db", tmp_path / "single.db"
    # Merged in two steps, the second while nothing was new for most of it: the same articles.
    assert articles(tmp_path / "incremental.db") == articles(merged)
    assert sqlite_utils.Database(tmp_path / "incremental.db")["captures"].count == (
        sqlite_utils.Database(merged)["captures"].count
    )
    # One machine's crawl of the same sites: the same articles (by id, URL and text), search, facets, health.
    assert [a[:5] for a in articles(merged)] == [a[:5] for a in articles(alone)]
    assert search(merged) == search(alone)
    assert all(search(merged).values())  # the queries find something
    assert facets(merged) == facets(alone)
    assert health(merged, tmp_path / "sources.toml") == health(alone, tmp_path / "sources.toml")
    status = run(tmp_path, "status", "--db", "archive.db", "--sources", "sources.toml")
    assert status.returncode == 0, status.stdout
    assert "all sources healthy" in status.stdout
