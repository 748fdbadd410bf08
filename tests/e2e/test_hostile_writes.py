"""Each article's write is one transaction: a real process is killed (SIGKILL) at every SQL statement of
the write of a new article and of a changed one (captures row, article row, keys, version, search index,
clusters), and the archive is checked after the kill and after the write is run again: the old state or
the new one, never a URL stored twice or an article missing from the search index."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines.archive.schema import open_archive
from pipelines.saving import ArticleSaver
from tests.support import hostile_write as hw

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run(db: Path, scenario: str, kill_at: int) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "tests.support.hostile_write", str(db), scenario, str(kill_at)]
    return subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=60)


def _copy(base: Path, to: Path) -> Path:
    for suffix in ("", "-wal", "-shm"):
        if Path(f"{base}{suffix}").exists():
            shutil.copyfile(f"{base}{suffix}", f"{to}{suffix}")
    return to


def _state(path: Path) -> dict[str, object]:
    db = open_archive(str(path))
    try:
        return hw.state(db)
    finally:
        db.close()


def _without_captures(state: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in state.items() if k != "captures"}


@pytest.mark.parametrize("scenario", hw.SCENARIOS)
def test_a_write_killed_at_any_statement_leaves_old_or_new(tmp_path: Path, scenario: str) -> None:
    base = tmp_path / "base.db"
    db = open_archive(str(base))
    saver = ArticleSaver(db)
    saver.open()
    saver.save(hw.base_record())
    saver.close()
    db.close()
    old = _state(base)

    clean = _run(_copy(base, tmp_path / "clean.db"), scenario, 0)
    assert clean.returncode == 0, clean.stderr
    statements = clean.stdout.splitlines()
    points = hw.kill_points(statements)
    new = _state(tmp_path / "clean.db")
    assert new != old and len(points) > 10

    started = time.monotonic()
    outcomes = {"old": 0, "new": 0}
    for kill_at in points:
        path = _copy(base, tmp_path / f"kill{kill_at}.db")
        killed = _run(path, scenario, kill_at)
        assert killed.returncode == -signal.SIGKILL, (kill_at, killed.stderr)
        after = _state(path)
        assert after in (old, new), f"killed at statement {kill_at}: neither the old state nor the new one"
        outcomes["old" if after == old else "new"] += 1

        db = open_archive(str(path))  # the write again, as the next run would
        hw.write(db, hw.opened_saver(db), scenario)
        final = hw.state(db)
        assert _without_captures(final) == _without_captures(new), f"re-run after a kill at {kill_at}"
        assert not db.execute("select id from articles where cluster_id is null").fetchall()
        assert not db.execute(
            "select a.id from articles a left join captures c on c.id = a.capture_id "
            "where a.capture_id is not null and c.id is null"
        ).fetchall()
        db.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    took = time.monotonic() - started
    print(f"{scenario}: {len(points)} kills (of {len(statements)} statements) in {took:.1f} s, {outcomes}")
    assert outcomes["old"]
    if scenario == "new":  # its story cluster is a transaction of its own, after the article's
        assert outcomes["new"]
