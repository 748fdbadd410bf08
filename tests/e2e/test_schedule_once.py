"""``newsarchive schedule --once`` crawls what is due and nothing else, and records each crawl."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from pipelines.archive.schema import open_archive
from tests.support.local_site import LocalNewsSite, serve_site, sources_toml


def schedule_once(cwd: Path, env: dict[str, str], command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_once_runs_only_the_due_sources(
    tmp_path: Path, cli_env: dict[str, str], schedule_command: Callable[..., list[str]]
) -> None:
    command = schedule_command("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8", "--max-parallel", "1", once=True)
    site = LocalNewsSite(article_count=6, slow_seconds=0.05, oversized_bytes=100_000)
    with serve_site(site) as base_url:
        definitions = "".join(
            sources_toml(base_url, key).replace('"30m"', f'"{every}"')
            for key, every in (("fresh", "1h"), ("stale", "1h"), ("never", "1h"))
        )
        (tmp_path / "sources.toml").write_text(definitions, encoding="utf-8")
        db = open_archive(str(tmp_path / "a.db"))
        now = datetime.now(UTC)
        for key, age in (("fresh", timedelta(minutes=10)), ("stale", timedelta(hours=3))):
            started = (now - age).isoformat(timespec="seconds")
            db.table("crawl_runs").insert(
                {"kind": "crawl", "source": key, "started": started, "status": "finished"}
            )
        db.close()

        first = schedule_once(tmp_path, cli_env, command)
        assert first.returncode == 0, first.stderr
        assert "due: stale, never" in first.stderr  # the longest overdue first
        runs = list(sqlite_utils.Database(tmp_path / "a.db").query("select * from crawl_runs where id > 2"))
        assert sorted(r["source"] for r in runs) == ["never", "stale"]
        assert all(r["status"] == "finished" and r["pid"] for r in runs), [
            (r["source"], r["status"], r["finish_reason"], r["pid"]) for r in runs
        ]
        stored = {
            row["url"].removeprefix(base_url)
            for row in sqlite_utils.Database(tmp_path / "a.db")["articles"].rows
        }
        assert site.article_paths() <= stored

        site.clear_log()
        second = schedule_once(tmp_path, cli_env, command)  # right after: nothing is due any more
        assert second.returncode == 0 and "nothing is due" in second.stderr
        assert sqlite_utils.Database(tmp_path / "a.db")["crawl_runs"].count == 4
        assert site.requested_paths() == []
