"""Shared fixtures. Tests never touch the internet; those needing ../shared skip cleanly without it."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from pipelines.archive.schema import ensure_db_shape
from pipelines.documents.records import build_record

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
USER_SEED = SHARED_DIR / "seeds" / "000_3badf844ec5c2e97.txt"


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def user_seed() -> Path:
    if not USER_SEED.exists():
        pytest.skip(f"the user's seed is not here ({USER_SEED}); the shipped seeds cover the same quirks")
    return USER_SEED


@pytest.fixture
def db() -> Iterator[sqlite_utils.Database]:
    database = sqlite_utils.Database(memory=True)
    ensure_db_shape(database)
    yield database
    database.close()


RecordFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def make_record() -> RecordFactory:
    """An article record as normalisation makes it, from a few plain fields."""

    def make(
        text: str = (
            "青岛市南区今天召开会议，部署海洋经济发展工作。会议要求各部门加快推进重点项目建设。"
            "\n与会人员表示，将把招商引资作为全年工作的重中之重。"
        ),
        *,
        url: str | None = "https://qingdao.example.com/news/1.html",
        path: str | None = None,
        source: str | None = "example",
        fetched_at: str = "2024-03-01T10:00:00+08:00",
        **fields: Any,
    ) -> dict[str, Any]:
        extracted = {"title": "青岛市南区部署海洋经济工作", "language": "zh", "text": text, **fields}
        return build_record(extracted, url=url, path=path, source=source, fetched_at=fetched_at)

    return make


@pytest.fixture
def run_cli() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run ``python -m crawler ARGS`` as a user would, in a separate process (Scrapy's reactor runs once)."""

    def run(
        *args: str, cwd: Path, timeout: float = 180, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT), "COLUMNS": "200", **(env or {})}
        return subprocess.run(
            [sys.executable, "-m", "crawler", *args],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run


# Crawl settings for scheduler tests against the local site: no politeness delays, small limits, one
# extraction worker, no start-time jitter.
FAST_SCHEDULE = [
    "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_MAXSIZE=1000000",
    "-s", "ARCHIVE_RETRY_BACKOFF_BASE=0.05", "-s", "DOWNLOAD_TIMEOUT=5", "--workers", "1", "--jitter", "0",
]  # fmt: skip


@pytest.fixture
def cli_env() -> dict[str, str]:
    """The environment a CLI subprocess needs to import this checkout."""
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT)}


@pytest.fixture
def schedule_command() -> Callable[..., list[str]]:
    """``newsarchive schedule`` on ``a.db`` and ``sources.toml`` in the working directory, fast settings."""

    def build(*extra: str, once: bool = False) -> list[str]:
        head = [sys.executable, "-m", "crawler", "schedule", *(["--once"] if once else [])]
        return [*head, "--db", "a.db", "--sources", "sources.toml", *FAST_SCHEDULE, *extra]

    return build
