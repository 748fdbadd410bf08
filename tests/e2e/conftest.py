"""End-to-end tests: real crawls against local sites, CLI subprocesses, servers, process pools, the browser.
Every test here is marked ``e2e`` (``pytest -m "not e2e"`` leaves them out); the fixtures only they use."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


@pytest.hookimpl(tryfirst=True)  # before -m selects by marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.e2e)


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
