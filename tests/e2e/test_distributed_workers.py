"""``newsarchive worker`` on Redis: several workers crawl every article of the local sites exactly once, a
worker killed mid-crawl (``kill -9``) has its source taken over and finished, and several workers crawl one
large source together through scrapy-redis' shared frontier. A real redis-server on a loopback port."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlite_utils

from pipelines.distributed.keys import RedisKeys
from pipelines.distributed.worker import connect
from tests.support.distributed import article_fetches, distinct_sites, run, start_worker
from tests.support.redis_server import redis_server


@pytest.fixture
def redis_url() -> Iterator[str]:
    with redis_server() as url:
        yield url


def stored_paths(db: sqlite_utils.Database, source: str) -> list[str]:
    """The URL paths of a source's articles, one per article (a repeated one would be a duplicate)."""
    rows = db.execute("select url from articles where source = ? order by url", [source]).fetchall()
    return ["/" + url.split("/", 3)[3] for (url,) in rows]


def finish(worker: object, timeout: float = 300) -> str:
    out, _ = worker.communicate(timeout=timeout)  # type: ignore[attr-defined]
    assert worker.returncode == 0, out  # type: ignore[attr-defined]
    return str(out)


@pytest.mark.parametrize("workers", [2, 3])
def test_workers_crawl_every_article_of_every_source_exactly_once(
    tmp_path: Path, redis_url: str, workers: int
) -> None:
    with distinct_sites(5, articles=6) as (sites, definitions):
        (tmp_path / "sources.toml").write_text(definitions, encoding="utf-8")
        queued = run(tmp_path, "schedule", "--redis", redis_url, "--once", "--db", "archive.db")
        assert queued.returncode == 0, queued.stderr
        assert "queued: site0, site1, site2, site3, site4" in queued.stderr

        procs = [start_worker(tmp_path, redis_url, f"shard{i}.db") for i in range(workers)]
        outputs = [finish(p) for p in procs]

        for site in sites:  # every article page fetched once, by one worker or another
            fetches = article_fetches(site)
            assert set(fetches) == site.article_paths()
            assert set(fetches.values()) == {1}, fetches
        shards = [str(tmp_path / f"shard{i}.db") for i in range(workers)]
        merged = run(tmp_path, "merge", *shards, "--into", "archive.db")
        assert merged.returncode == 0, merged.stderr

    db = sqlite_utils.Database(tmp_path / "archive.db")
    for i, site in enumerate(sites):
        assert stored_paths(db, f"site{i}") == sorted(site.article_paths())
    runs = db.execute("select source, status from crawl_runs order by source").fetchall()
    assert runs == [(f"site{i}", "finished") for i in range(5)]  # each source crawled once
    busy = [s for s in shards if sqlite_utils.Database(s)["crawl_runs"].count]
    assert len(busy) >= 2, outputs  # the work was shared
    # Crawled, merged: nothing is due again, and nothing is queued.
    again = run(tmp_path, "schedule", "--redis", redis_url, "--once", "--db", "archive.db")
    assert again.returncode == 0 and "nothing is due" in again.stderr, again.stderr


def _process_gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return True
    return state in ("Z", "X")  # a zombie does nothing; its reaper may be slow in a container


def _wait_for(predicate: object, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_killed_workers_source_is_taken_over_and_finished_with_nothing_lost_or_duplicated(
    tmp_path: Path, redis_url: str
) -> None:
    lease = 3.0
    with distinct_sites(1, articles=20, article_delay=1.0) as (sites, definitions):
        site = sites[0]
        (tmp_path / "sources.toml").write_text(definitions, encoding="utf-8")
        assert run(tmp_path, "schedule", "--redis", redis_url, "--once", "--db", "archive.db").returncode == 0
        first = start_worker(tmp_path, redis_url, "a.db", "--lease", str(lease))
        shared = connect(redis_url)
        # Killed once it has stored and shared a few articles, long before its crawl is done.
        _wait_for(
            lambda: shared.scard(RedisKeys().known) >= 4, 120, "the first worker to share a few articles"
        )
        (crawl_pid,) = [
            r[0] for r in sqlite_utils.Database(tmp_path / "a.db").execute("select pid from crawl_runs")
        ]
        os.kill(first.pid, signal.SIGKILL)
        killed_at = datetime.now(UTC)
        shared_at_kill = {"/" + key.split("/", 3)[3] for key in shared.smembers(RedisKeys().known)}
        first.communicate(timeout=30)
        _wait_for(lambda: _process_gone(crawl_pid), 10, "the killed worker's crawl to die with it")
        stored_by_a = sqlite_utils.Database(tmp_path / "a.db")["articles"].count
        assert stored_by_a < len(site.articles)  # killed mid-crawl

        second = start_worker(tmp_path, redis_url, "b.db", "--lease", str(lease))
        finish(second)
        assert (
            sqlite_utils.Database(tmp_path / "a.db")["articles"].count == stored_by_a
        )  # nothing wrote it after the kill
        fetches = article_fetches(site)
        merged = run(tmp_path, "merge", "a.db", "b.db", "--into", "archive.db")
        assert merged.returncode == 0, merged.stderr

    b_run = (
        sqlite_utils.Database(tmp_path / "b.db")
        .execute("select started, skipped_known from crawl_runs")
        .fetchone()
    )
    took_over = (datetime.fromisoformat(b_run[0]) - killed_at).total_seconds()
    assert took_over <= lease + 10, took_over  # the lease lapsed, an idle worker queued it again at once
    # What the first worker had stored and shared was not fetched again.
    assert b_run[1] > 0
    assert set(fetches) == site.article_paths()
    # Fetched twice: only pages the first worker had in hand, or stored but not yet shared, when it died.
    refetched = {path for path, n in fetches.items() if n > 1}
    assert not refetched & shared_at_kill, (refetched, shared_at_kill)
    assert max(fetches.values()) <= 2
    db = sqlite_utils.Database(tmp_path / "archive.db")
    assert stored_paths(db, "site0") == sorted(site.article_paths())  # nothing lost, nothing twice
    statuses = db.execute("select status from crawl_runs order by id").fetchall()
    assert statuses == [("killed",), ("finished",)]
    status = run(tmp_path, "status", "--db", "archive.db", "--sources", "sources.toml")
    assert status.returncode == 0, status.stdout  # the killed run is followed by a success: healthy


def test_workers_crawl_one_large_source_together_through_a_shared_frontier(
    tmp_path: Path, redis_url: str
) -> None:
    with distinct_sites(1, articles=40, article_delay=0.5) as (sites, definitions):
        site = sites[0]
        (tmp_path / "sources.toml").write_text(definitions, encoding="utf-8")
        queued = run(
            tmp_path, "schedule", "--redis", redis_url, "--once", "--db", "archive.db", "--shared", "site0=2"
        )
        assert queued.returncode == 0 and "queued: site0#1, site0#2" in queued.stderr, queued.stderr
        procs = [start_worker(tmp_path, redis_url, f"shard{i}.db") for i in range(2)]
        outputs = [finish(p) for p in procs]
        fetches = article_fetches(site)
        merged = run(tmp_path, "merge", "shard0.db", "shard1.db", "--into", "archive.db")
        assert merged.returncode == 0, merged.stderr

    assert set(fetches) == site.article_paths()
    assert set(fetches.values()) == {1}, fetches  # one frontier, one fingerprint set: no page twice
    per_shard = [sqlite_utils.Database(tmp_path / f"shard{i}.db")["articles"].count for i in range(2)]
    assert all(n > 0 for n in per_shard), (per_shard, outputs)  # both workers crawled the source
    db = sqlite_utils.Database(tmp_path / "archive.db")
    assert stored_paths(db, "site0") == sorted(site.article_paths())
    assert db.execute("select count(*) from crawl_runs where source = 'site0'").fetchone()[0] == 2
