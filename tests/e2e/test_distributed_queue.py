"""The Redis side of several machines, against a real redis-server: the queue, the leases, lapsed claims,
what ``schedule --redis`` queues, and one clear line when Redis cannot be reached."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from pipelines.archive.schema import open_archive
from pipelines.distributed.dispatch import dispatch_due, frontier_keys
from pipelines.distributed.keys import RedisKeys
from pipelines.distributed.queue import SourceQueue
from pipelines.distributed.worker import connect
from pipelines.sources import load_sources
from tests.support.distributed import run
from tests.support.redis_server import redis_server

SOURCES = """
[sources.alpha]
name = "Alpha"
start_urls = ["https://alpha.example.cn/"]
schedule = "1h"

[sources.beta]
name = "Beta"
start_urls = ["https://beta.example.cn/"]
schedule = "1h"
"""


@pytest.fixture
def redis() -> Iterator[Any]:
    with redis_server() as url:
        client = connect(url)
        yield client
        client.close()


def test_an_entry_is_queued_once_and_claimed_by_one_worker(redis: Any) -> None:
    queue = SourceQueue(redis)
    assert queue.add({"alpha": 1.0, "beta": 2.0}) == ["alpha", "beta"]
    assert queue.add({"alpha": 0.5}) == []  # already waiting: not twice
    first = queue.claim("w1", ttl_ms=5000)
    second = queue.claim("w2", ttl_ms=5000)
    assert (first and first.entry, second and second.entry) == ("alpha", "beta")  # oldest due first
    assert queue.claim("w3", ttl_ms=5000) is None
    assert queue.claimed() == {"alpha": "w1", "beta": "w2"}
    # An entry queued again while it is being crawled is dropped when met: its lease is held.
    queue.add({"alpha": 3.0})
    assert queue.claim("w3", ttl_ms=5000) is None and queue.waiting() == []
    assert first is not None and queue.release(first)
    assert queue.claimed() == {"beta": "w2"}


def test_a_lease_is_renewed_and_released_only_by_its_holder(redis: Any) -> None:
    queue = SourceQueue(redis)
    queue.add({"alpha": 1.0})
    claim = queue.claim("w1", ttl_ms=300)
    assert claim is not None and claim.lease.renew()
    redis.set(RedisKeys().lease("alpha"), "someone-else", px=5000)  # it lapsed and was taken meanwhile
    assert not claim.lease.renew()
    assert not queue.release(claim)  # never frees what another worker holds now
    assert redis.get(RedisKeys().lease("alpha")) == "someone-else"


def test_a_lapsed_claim_goes_back_to_the_front_of_the_queue(redis: Any) -> None:
    queue = SourceQueue(redis)
    queue.add({"alpha": 1.0})
    assert queue.claim("dead-worker", ttl_ms=200) is not None
    queue.add({"beta": 0.5})
    assert queue.requeue_lapsed() == []  # its lease still runs
    time.sleep(0.3)
    assert queue.requeue_lapsed() == ["alpha"]
    assert queue.claimed() == {}
    claim = queue.claim("w2", ttl_ms=5000)
    assert claim is not None and claim.entry == "alpha"  # before beta: it was due first


def test_dispatch_queues_what_is_due_except_what_is_busy_or_crawled_since_the_last_merge(
    tmp_path: Path, redis: Any
) -> None:
    (tmp_path / "sources.toml").write_text(SOURCES, encoding="utf-8")
    sources = load_sources(str(tmp_path / "sources.toml"))
    db = open_archive(str(tmp_path / "archive.db"))
    queue = SourceQueue(redis)
    now = datetime.now(UTC)
    try:
        first = dispatch_due(db, sources, queue, now=now)
        assert first.queued == ["alpha", "beta"]
        again = dispatch_due(db, sources, queue, now=now)
        assert (again.queued, again.busy) == ([], ["alpha", "beta"])  # waiting already
        # Workers crawled both (claimed, finished, released); the merged archive does not show it yet.
        for worker in ("w1", "w2"):
            claim = queue.claim(worker, ttl_ms=5000)
            assert claim is not None
            queue.note_claimed(claim.source, now.isoformat(timespec="seconds"))
            queue.release(claim)
        later = dispatch_due(db, sources, queue, now=now + timedelta(minutes=10))
        assert (later.queued, later.unmerged) == ([], ["alpha", "beta"])
        # An hour after those crawls they are due again, merged or not.
        assert dispatch_due(db, sources, queue, now=now + timedelta(hours=1, minutes=1)).queued == [
            "alpha",
            "beta",
        ]
    finally:
        db.close()


def test_the_scheduler_queues_a_dead_workers_source_again(tmp_path: Path, redis: Any) -> None:
    (tmp_path / "sources.toml").write_text(SOURCES, encoding="utf-8")
    sources = load_sources(str(tmp_path / "sources.toml"))
    queue = SourceQueue(redis)
    queue.add({"alpha": 1.0})
    assert queue.claim("dead-worker", ttl_ms=200) is not None
    time.sleep(0.3)
    db = open_archive(str(tmp_path / "archive.db"))
    try:
        done = dispatch_due(db, {"alpha": sources["alpha"]}, queue)
    finally:
        db.close()
    assert done.requeued == ["alpha"] and queue.waiting() == ["alpha"] and queue.claimed() == {}


def test_a_shared_source_is_queued_in_parts_after_its_old_frontier_is_cleared(
    tmp_path: Path, redis: Any
) -> None:
    (tmp_path / "sources.toml").write_text(SOURCES, encoding="utf-8")
    sources = load_sources(str(tmp_path / "sources.toml"))
    queue = SourceQueue(redis)
    requests, fingerprints = frontier_keys(queue, "alpha")
    redis.sadd(fingerprints, "fingerprint-of-last-round")
    db = open_archive(str(tmp_path / "archive.db"))
    try:
        done = dispatch_due(db, {"alpha": sources["alpha"]}, queue, shared={"alpha": 3})
    finally:
        db.close()
    assert done.queued == ["alpha#1", "alpha#2", "alpha#3"]
    assert not redis.exists(fingerprints) and not redis.exists(requests)


def test_redis_that_cannot_be_reached_is_one_line_and_exit_status_3(tmp_path: Path) -> None:
    with redis_server() as url:
        pass  # started and stopped: nothing listens on its port now
    worker = run(tmp_path, "worker", "--redis", url, "--db", "shard.db", timeout=120)
    assert worker.returncode == 3
    assert worker.stderr.strip().count("\n") == 0 and f"Redis at {url} cannot be used" in worker.stderr
    (tmp_path / "sources.toml").write_text(SOURCES, encoding="utf-8")
    schedule = run(tmp_path, "schedule", "--redis", url, "--once", "--db", "archive.db", timeout=120)
    assert schedule.returncode == 3, schedule.stderr
    assert f"Redis at {url} cannot be used" in schedule.stderr
