"""`reextract` runs a small job inline: a process pool costs more to start than a few articles take."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pipelines.archive.schema import open_archive
from pipelines.warc import reextract as module
from tests.support.publish_fixtures import build_archive


@pytest.mark.parametrize(("workers", "expected"), [(None, 0), (0, 0), (3, 3)])
def test_small_jobs_run_inline_unless_told(
    workers: int | None, expected: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[int] = []

    def fake_executor(count: int) -> Any:
        asked.append(count)
        return None  # inline, whatever was asked: no process in a unit test

    monkeypatch.setattr(module, "_executor", fake_executor)
    build_archive(tmp_path / "a.db")
    db = open_archive(str(tmp_path / "a.db"))
    try:
        summary = module.reextract(db, tmp_path / "warc", dry_run=True, workers=workers)
    finally:
        db.close()
    assert summary.selected == 5 < module.INLINE_BELOW
    assert asked == [expected]


def test_large_jobs_get_a_pool(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    asked: list[int] = []
    monkeypatch.setattr(module, "_executor", lambda count: asked.append(count))
    monkeypatch.setattr(module, "INLINE_BELOW", 2)
    monkeypatch.setattr(module.os, "cpu_count", lambda: 6)
    build_archive(tmp_path / "a.db")
    db = open_archive(str(tmp_path / "a.db"))
    try:
        module.reextract(db, tmp_path / "warc", dry_run=True)
    finally:
        db.close()
    assert asked == [6]
