"""The foreground scheduler over a few seconds: the expected crawls in the expected order, never two of one
source at once, each in crawl_runs, and a clean stop on SIGTERM (the running crawl says 'interrupted')."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from pipelines.archive.schema import open_archive
from tests.support.local_site import LocalNewsSite, serve_site, sources_toml


def runs(db_path: Path) -> list[dict]:
    try:
        return list(
            sqlite_utils.Database(db_path).query("select * from crawl_runs where pid is not null order by id")
        )
    except Exception:  # the schema may still be in the making
        return []


def test_scheduler_starts_due_crawls_in_order_never_overlaps_and_stops_on_sigterm(
    tmp_path: Path, cli_env: dict[str, str], schedule_command: Callable[..., list[str]]
) -> None:
    # alpha's crawls take several seconds (20 articles at 0.5 s, re-checked every time): longer than its 2 s
    # interval, so the scheduler must skip a start to keep from overlapping.
    slow = LocalNewsSite(article_count=20, article_delay=0.5, slow_seconds=0.05, oversized_bytes=100_000)
    fast = LocalNewsSite(article_count=6, slow_seconds=0.05, oversized_bytes=100_000)
    with serve_site(slow) as slow_url, serve_site(fast) as fast_url:
        (tmp_path / "sources.toml").write_text(
            sources_toml(slow_url, "alpha").replace('"30m"', '"2s"')
            + sources_toml(fast_url, "beta").replace('"30m"', '"1h"')
            + sources_toml(fast_url, "gamma").replace('"30m"', '"1h"'),
            encoding="utf-8",
        )
        db_path = tmp_path / "a.db"
        db = open_archive(str(db_path))
        now = datetime.now(UTC)
        # beta is due in 5 s (its last crawl was almost an hour ago); gamma not for 50 minutes.
        for key, age in (("beta", timedelta(minutes=59, seconds=55)), ("gamma", timedelta(minutes=10))):
            started = (now - age).isoformat(timespec="seconds")
            db.table("crawl_runs").insert(
                {"kind": "crawl", "source": key, "started": started, "status": "finished"}
            )
        db.close()

        process = subprocess.Popen(
            schedule_command("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", "-s", "ARCHIVE_RECHECK_AFTER=0s"),
            cwd=tmp_path,
            env=cli_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            deadline = time.monotonic() + 40
            # Wait for alpha's second crawl to be under way, then stop the scheduler.
            while (
                sum(r["source"] == "alpha" for r in runs(db_path)) < 2
                or runs(db_path)[-1]["status"] != "running"
            ):
                assert time.monotonic() < deadline and process.poll() is None, "no second crawl of alpha"
                time.sleep(0.05)
            time.sleep(1.0)  # let it fetch a few pages: a signal during Scrapy's start-up is another story
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=60)
        finally:
            process.kill()
        assert process.returncode == 0, stderr
        assert "scheduler stopped" in stderr

    recorded = runs(db_path)
    starts = [line.split()[3] for line in stderr.splitlines() if line.endswith(": starting crawl")]
    assert starts == ["alpha:", "beta:", "alpha:"]  # in this order; gamma was not due
    assert [r["source"] for r in recorded] == ["alpha", "beta", "alpha"]  # each recorded
    alpha = [r for r in recorded if r["source"] == "alpha"]
    assert alpha[0]["finished"] <= alpha[1]["started"]  # one crawl of a source at a time
    assert "maximum number of running instances reached" in stderr  # a start was skipped, not queued
    assert [r["status"] for r in recorded] == ["finished", "finished", "interrupted"], stderr[-6000:]
    assert recorded[-1]["finish_reason"] == "shutdown"  # Scrapy's own graceful stop, not our fallback
    assert all(r["finished"] for r in recorded)
    # Nothing stored was lost: every article of the first crawl is still known (beta's site has copies of
    # some, so those are keys of beta's articles, as exact duplicates).
    db = sqlite_utils.Database(db_path)
    stored = {r["key"].removeprefix(slow_url) for r in db.table("article_keys").rows}
    assert {a.path for a in slow.articles} <= stored, (recorded, list(db.table("crawl_errors").rows), stderr)
    assert not list(db.query("select 1 from crawl_runs where status = 'running'"))
