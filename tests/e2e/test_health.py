"""``newsarchive status`` against a site whose every page answers 500, then recovers. What the health numbers
and flags are: tests/unit/test_schedule_health.py."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.local_site import LocalNewsSite, serve_site, sources_toml

REPO_ROOT = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "COLUMNS": "250"}
FAST = [
    "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "-s", "DOWNLOAD_MAXSIZE=1000000", "-s", "ARCHIVE_RETRY_BACKOFF_BASE=0.05", "-s", "DOWNLOAD_TIMEOUT=5",
    "--workers", "1", "--jitter", "0",
]  # fmt: skip


def newsarchive(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "crawler", *args]
    return subprocess.run(command, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=120)


def test_status_flags_a_source_whose_site_answers_500(tmp_path: Path) -> None:
    site = LocalNewsSite(article_count=6, slow_seconds=0.05, oversized_bytes=100_000)
    site.fail_status = 500
    with serve_site(site) as base_url:
        (tmp_path / "sources.toml").write_text(sources_toml(base_url, "broken").replace('"30m"', '"1s"'))
        schedule = (
            "schedule",
            "--once",
            "--db",
            "a.db",
            "--sources",
            "sources.toml",
            *FAST,
            "-s",
            "RETRY_TIMES=1",
        )
        for _ in range(2):
            assert newsarchive(tmp_path, *schedule).returncode == 0
        failing = newsarchive(
            tmp_path, "status", "--db", "a.db", "--sources", "sources.toml", "--max-failures", "2"
        )
        assert failing.returncode == 1, failing.stdout + failing.stderr
        assert "2 failed crawls in a row" in failing.stdout and "flagged: broken" in failing.stdout
        (row,) = json.loads(
            newsarchive(tmp_path, "status", "--db", "a.db", "--json", "--max-failures", "2").stdout
        )
        assert (row["source"], row["consecutive_failures"], row["last_outcome"]) == ("broken", 2, "failure")
        assert (
            row["last_problem"].startswith("no page fetched successfully") and '"500"' in row["last_problem"]
        )

        site.fail_status = None  # the site recovers: the next crawl succeeds and ends the streak
        assert newsarchive(tmp_path, *schedule).returncode == 0
        healthy = newsarchive(tmp_path, "status", "--db", "a.db", "--max-failures", "2")
        assert healthy.returncode == 0 and "all sources healthy" in healthy.stdout, healthy.stdout
