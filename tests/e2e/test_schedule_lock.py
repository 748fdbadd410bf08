"""The per-source lock: another process cannot take it, a SIGKILLed holder does not keep it, and the crawl
process keeps it even when the scheduler that started it is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlite_utils

from pipelines.schedule.due import SourceLock, lock_dir
from tests.support.hostile_processes import children, wait_gone
from tests.support.local_site import LocalNewsSite, serve_site, sources_toml

HOLD = """
import sys, time
from pathlib import Path
from pipelines.schedule.due import SourceLock
lock = SourceLock(Path(sys.argv[1]), "alpha")
print("held" if lock.acquire() else "busy", flush=True)
time.sleep(60)
"""


def wait_for(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.fixture
def holder(tmp_path: Path, cli_env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(tmp_path / "locks")], env=cli_env, stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    yield process
    process.kill()
    process.wait()
    process.stdout.close()


def test_another_process_cannot_take_a_held_lock_until_its_holder_is_killed(
    holder: subprocess.Popen[str], tmp_path: Path
) -> None:
    lock = SourceLock(tmp_path / "locks", "alpha")
    assert not lock.acquire()
    other = SourceLock(tmp_path / "locks", "beta")
    assert other.acquire()  # one lock per source
    other.release()
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    assert lock.acquire()  # the kernel dropped the dead holder's lock: no stale lock file to clean up
    lock.release()


def test_schedule_once_skips_a_source_locked_by_another_process(
    tmp_path: Path, cli_env: dict[str, str], schedule_command: Callable[..., list[str]]
) -> None:
    (tmp_path / "sources.toml").write_text(sources_toml("http://127.0.0.1:9", "alpha"), encoding="utf-8")
    with SourceLock(lock_dir(tmp_path / "a.db"), "alpha"):
        result = subprocess.run(
            schedule_command(once=True), cwd=tmp_path, env=cli_env, capture_output=True, text=True, timeout=60
        )
    assert result.returncode == 0, result.stderr
    assert "alpha: skipped, a crawl of it is running" in result.stderr
    assert sqlite_utils.Database(tmp_path / "a.db")["crawl_runs"].count == 0


def test_a_killed_schedulers_crawl_stops_with_it_and_keeps_the_lock_until_it_has(
    tmp_path: Path, cli_env: dict[str, str], schedule_command: Callable[..., list[str]]
) -> None:
    """Since crawls run in the scheduler's long-lived crawl process, a SIGKILLed scheduler no longer leaves
    its crawl running to the end (issue 14): the crawl process stops the crawl gracefully ('interrupted'),
    holding the source's lock until it has, then exits with its workers."""
    site = LocalNewsSite(article_count=10, article_delay=0.4, slow_seconds=0.1, oversized_bytes=200_000)
    with serve_site(site) as base_url:
        (tmp_path / "sources.toml").write_text(sources_toml(base_url, "alpha"), encoding="utf-8")
        scheduler = subprocess.Popen(
            schedule_command("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1", once=True),
            cwd=tmp_path,
            env=cli_env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        db_path = tmp_path / "a.db"

        def crawl_started() -> bool:
            try:
                return sqlite_utils.Database(db_path)["crawl_runs"].count > 0
            except Exception:  # the schema may still be in the making
                return False

        wait_for(crawl_started)
        # Under way (an article page asked for), not starting: a stop during start-up is another story.
        wait_for(lambda: any("/art_" in path for path in site.requested_paths()))
        run = next(sqlite_utils.Database(db_path).query("select pid, status from crawl_runs"))
        assert run["status"] == "running" and run["pid"] != scheduler.pid  # run by the crawl process
        workers = children(run["pid"])
        assert workers  # its extraction workers
        scheduler.kill()
        scheduler.wait()
        lock = SourceLock(lock_dir(db_path), "alpha")
        assert not lock.acquire()  # the crawl process still holds it while it stops
        wait_for(lambda: not _alive(run["pid"]), timeout=30)
        assert lock.acquire()
        lock.release()
        (status, reason) = next(
            sqlite_utils.Database(db_path).query("select status, finish_reason from crawl_runs")
        ).values()
        assert (status, reason) == ("interrupted", "shutdown")
        assert wait_gone(workers) == []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie (exited, not yet reaped by init) still answers: look at its state.
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(")")[-1].split()[0] != "Z"
