"""The crawl benchmark runs end to end on a tiny synthetic site and reports what it promises."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest


def test_crawl_benchmark_on_a_tiny_site(tmp_path: Path, repo_root: Path, cli_env: dict[str, str]) -> None:
    out = tmp_path / "bench.json"
    # --synthetic: the same run with or without ../shared/datasets; one worker keeps it light.
    command = [sys.executable, str(repo_root / "bench" / "crawl.py"), "--pages", "20", "--synthetic",
               "--workers", "1", "--json", str(out), "--keep", str(tmp_path / "work")]  # fmt: skip
    result = subprocess.run(
        command,
        cwd=tmp_path,
        env=cli_env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    for prefix in (
        "site: 20 article pages (synthetic",
        "crawl start-up (empty site): ",
        "crawl end-to-end: 20 pages in ",
        "crawl_runs: 20 stored, 0 unchanged, 0 duplicates, 0 dropped, 0 failed",
        "plain bare_extraction loop: 20 pages in ",
        "ratio: ",
    ):
        assert any(line.startswith(prefix) for line in lines), (prefix, result.stdout)
    assert "pages/s (workers=1" in result.stdout

    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["pages"] == 20 and report["workers"] == 1
    crawl = report["crawl"]
    assert crawl["processed"] == 20 and crawl["stored"] == 20 and crawl["returncode"] == 0
    assert crawl["pages_per_second"] > 0 and report["plain"]["pages_per_second"] > 0
    expected = crawl["pages_per_second"] / report["plain"]["pages_per_second"]
    assert report["ratio"] == pytest.approx(expected, rel=0.02)  # both rates are rounded
    # The site was served by its own process and saw every article fetched once.
    assert report["server"]["requests"] >= 20 + 1 and report["server"]["cpu_seconds"] >= 0
    assert report["startup_seconds"] > 0
