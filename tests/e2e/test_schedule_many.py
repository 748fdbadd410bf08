"""Many sources at once in one long-lived crawl process: each crawled once per due time with its own
crawl_runs row, and nothing left behind when the scheduler is killed."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path

import sqlite_utils

from tests.support.hostile_processes import alive, children
from tests.support.local_site import LocalNewsSite, serve_site, sources_toml

SITES = 12


@contextmanager
def sites(count: int, **options: float) -> Iterator[list[tuple[LocalNewsSite, str]]]:
    """``count`` local sites, each its own server (its own port: Scrapy's politeness is per site)."""
    with ExitStack() as stack:
        served = []
        for _ in range(count):
            site = LocalNewsSite(
                article_count=int(options.get("article_count", 6)),
                slow_seconds=0.05,
                oversized_bytes=50_000,
                article_delay=options.get("article_delay", 0.0),
            )
            served.append((site, stack.enter_context(serve_site(site))))
        yield served


def write_sources(tmp_path: Path, served: list[tuple[LocalNewsSite, str]], every: str) -> list[str]:
    keys = [f"site{i:02d}" for i in range(len(served))]
    text = "".join(
        sources_toml(url, key).replace('"30m"', f'"{every}"')
        for key, (_, url) in zip(keys, served, strict=True)
    )
    (tmp_path / "sources.toml").write_text(text, encoding="utf-8")
    return keys


def runs(db_path: Path) -> list[dict]:
    try:
        return list(sqlite_utils.Database(db_path).query("select * from crawl_runs order by id"))
    except Exception:  # the schema may still be in the making
        return []


def wait_for(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children(current))
    return found


def test_once_runs_a_dozen_due_sources_at_once_in_one_crawl_process(
    tmp_path: Path, cli_env: dict[str, str], schedule_command: Callable[..., list[str]]
) -> None:
    with sites(SITES) as served:
        keys = write_sources(tmp_path, served, "1h")
        result = subprocess.run(
            schedule_command("--max-parallel", str(SITES), once=True),
            cwd=tmp_path,
            env=cli_env,
            capture_output=True,
            text=True,
            timeout=240,
        )
        assert result.returncode == 0, result.stderr[-4000:]
        recorded = runs(tmp_path / "a.db")
        assert sorted(r["source"] for r in recorded) == keys  # one run per source
        assert all(r["status"] == "finished" for r in recorded), [
            (r["source"], r["status"]) for r in recorded
        ]
        assert len({r["pid"] for r in recorded}) == 1  # all in one crawl process
        assert result.stderr.count("crawl process ") == 1 and " started" in result.stderr
        # At once: the last crawl started before the first one finished.
        assert max(r["started"] for r in recorded) <= min(r["finished"] for r in recorded)
        for site, _ in served:
            assert site.article_paths() & set(site.requested_paths())  # every site was crawled
        # Each summary line, as `newsarchive crawl` prints it.
        assert (
            sum(
                line.startswith("site") and "article pages read" in line
                for line in result.stdout.splitlines()
            )
            == SITES
        )

        again = subprocess.run(
            schedule_command(once=True),
            cwd=tmp_path,
            env=cli_env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert again.returncode == 0 and "nothing is due" in again.stderr
        assert len(runs(tmp_path / "a.db")) == SITES


def test_the_scheduler_crawls_each_source_once_per_due_time(
    tmp_path: Path, cli_env: dict[str, str], schedule_command: Callable[..., list[str]]
) -> None:
    every = 8.0
    with sites(SITES) as served:
        keys = write_sources(tmp_path, served, f"{every:g}s")
        process = subprocess.Popen(
            schedule_command("--max-parallel", str(SITES)),
            cwd=tmp_path,
            env=cli_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        db_path = tmp_path / "a.db"
        try:

            def two_each() -> bool:
                assert process.poll() is None, "the scheduler exited"
                finished = [r["source"] for r in runs(db_path) if r["status"] == "finished"]
                return all(finished.count(key) >= 2 for key in keys)

            wait_for(two_each, 180, "two crawls of every source")
            process.send_signal(signal.SIGTERM)
            _, stderr = process.communicate(timeout=120)
        finally:
            process.kill()
        assert process.returncode == 0, stderr[-4000:]
    recorded = runs(db_path)
    assert len({r["pid"] for r in recorded}) == 1  # one crawl process, all the time
    for key in keys:
        mine = [r for r in recorded if r["source"] == key]
        for before, after in itertools.pairwise(mine):
            assert before["finished"] <= after["started"]  # never two at once
            gap = _seconds(after["started"]) - _seconds(before["started"])
            # Once per due time: the due times are the schedule's grid from the scheduler's start, and a
            # first crawl may start a few seconds late (the crawl process's start-up), the next one on
            # time, so a gap can be shorter than the interval, but two crawls in one period cannot be.
            assert gap > every / 2, (key, gap)
        span = _seconds(mine[-1]["started"]) - _seconds(mine[0]["started"])
        assert len(mine) <= span // every + 2, (key, len(mine), span)
    assert not [r for r in recorded if r["status"] == "running"]


def test_a_scheduler_killed_with_sigkill_leaves_no_crawl_process_and_the_next_one_marks_its_runs(
    tmp_path: Path, cli_env: dict[str, str], schedule_command: Callable[..., list[str]]
) -> None:
    with sites(3, article_count=12, article_delay=0.5) as served:
        keys = write_sources(tmp_path, served, "1h")
        db_path = tmp_path / "a.db"
        scheduler = subprocess.Popen(
            schedule_command("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"),
            cwd=tmp_path,
            env=cli_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(lambda: len([r for r in runs(db_path) if r["status"] == "running"]) == 3, 90, "3 crawls")
            wait_for(
                lambda: any("/art_" in p for s, _ in served for p in s.requested_paths()), 60, "articles"
            )
            processes = [pid for pid in tree(scheduler.pid) if pid != scheduler.pid]
            assert len(processes) >= 2  # the crawl process and its extraction workers
            scheduler.kill()
            scheduler.wait()
            deadline = time.monotonic() + 20  # a graceful stop, forced after crawl_host.FORCE_AFTER
            while any(alive(pid) for pid in processes) and time.monotonic() < deadline:
                time.sleep(0.1)
            left = [pid for pid in processes if alive(pid)]
            assert left == [], "crawl processes outlived their scheduler"
        finally:
            scheduler.kill()
        # The crawl process stopped its crawls as it went: interrupted, none left 'running'.
        assert {r["status"] for r in runs(db_path)} == {"interrupted"}

        # A crawl process killed with its scheduler (both SIGKILL) leaves its runs 'running': the next
        # scheduler marks them and crawls those sources again.
        scheduler = subprocess.Popen(
            schedule_command("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"),
            cwd=tmp_path,
            env=cli_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            wait_for(lambda: len([r for r in runs(db_path) if r["status"] == "running"]) == 3, 90, "3 crawls")
            processes = tree(scheduler.pid)
            for pid in reversed(processes):  # the workers, the crawl process, the scheduler: all at once
                with_signal(pid, signal.SIGKILL)
            scheduler.wait()
            wait_for(lambda: not any(alive(pid) for pid in processes), 20, "every process to end")
        finally:
            scheduler.kill()
        assert [r["status"] for r in runs(db_path)].count("running") == 3
        result = subprocess.run(
            schedule_command("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", once=True),
            cwd=tmp_path,
            env=cli_env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stderr[-4000:]
        assert "3 crawl run(s) of a process that is gone marked as killed" in result.stderr
        recorded = runs(db_path)
        assert [r["status"] for r in recorded].count("killed") == 3
        assert sorted(r["source"] for r in recorded[-3:]) == keys  # due again at once, crawled again
        assert all(r["status"] == "finished" for r in recorded[-3:])


def with_signal(pid: int, signum: int) -> None:
    with suppress(ProcessLookupError):
        os.kill(pid, signum)


def _seconds(stamp: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(stamp).timestamp()
