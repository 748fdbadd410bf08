"""The health flags are defined once (pipelines.archive.schema.HEALTH_FLAGS): the source_health view's flags
column (default thresholds) and ``newsarchive status`` (the user's thresholds) evaluate the same SQL."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlite_utils

from pipelines.archive.schema import (
    DEFAULT_MAX_FAILURES,
    DEFAULT_USUAL_WEEKLY_NEW,
    HEALTH_FLAGS,
    VIEWS,
    ensure_db_shape,
)
from pipelines.schedule.health import Thresholds, flags

REPO_ROOT = Path(__file__).resolve().parents[2]


def _source_with(db: sqlite_utils.Database, key: str, failures: int, new_1d: int, new_prev_7d: int) -> None:
    """Crawl runs and articles that give ``key`` these numbers in source_health."""
    now = datetime.now(UTC)
    for n in range(failures):
        db.table("crawl_runs").insert(
            {
                "kind": "crawl",
                "source": key,
                "status": "killed",
                "started": (now - timedelta(minutes=60 - n)).isoformat(timespec="seconds"),
            }
        )
    ages = [0.5] * new_1d + [2.0] * new_prev_7d
    for n, days in enumerate(ages):
        db.table("articles").insert(
            {
                "source": key,
                "text": "x",
                "content_hash": f"{key}-{n}",
                "first_seen": (now - timedelta(days=days)).isoformat(timespec="seconds"),
            }
        )
    db.table("sources").insert({"key": key, "kind": "site"}, pk="key", replace=True)


def test_the_view_and_status_agree_on_every_side_of_each_threshold(db: sqlite_utils.Database) -> None:
    grid = list(itertools.product((0, 2, 3, 4), (0, 1), (0, 6, 7, 8)))
    for failures, new_1d, new_prev_7d in grid:
        _source_with(db, f"s{failures}-{new_1d}-{new_prev_7d}", failures, new_1d, new_prev_7d)
    rows = {row["source"]: dict(row) for row in db.query("select * from source_health")}
    assert len(rows) == len(grid)
    for key, row in rows.items():
        assert row["flags"] == "; ".join(flags(row)), key
        assert flags(row) == flags(row, Thresholds(DEFAULT_MAX_FAILURES, DEFAULT_USUAL_WEEKLY_NEW))
    assert rows["s3-0-7"]["flags"] == (
        "3 failed crawls in a row; no new article in the last day (7 in the week before)"
    )
    assert rows["s2-0-6"]["flags"] == "" and rows["s4-1-8"]["flags"] == "4 failed crawls in a row"
    assert flags(rows["s2-0-6"], Thresholds(max_failures=2, usual_weekly_new=6)) == [
        "2 failed crawls in a row",
        "no new article in the last day (6 in the week before)",
    ]
    assert flags(rows["s4-1-8"], Thresholds(max_failures=5)) == []


def test_ensure_db_shape_replaces_an_older_view(tmp_path: Path) -> None:
    db = sqlite_utils.Database(tmp_path / "old.db")
    ensure_db_shape(db)
    db.execute("drop view source_health")
    db.execute("create view source_health as select 'x' as source, 'old flags' as flags")
    ensure_db_shape(db)
    sql = db.execute(
        "select sql from sqlite_master where type = 'view' and name = 'source_health'"
    ).fetchone()[0]
    assert "old flags" not in sql and VIEWS["source_health"].strip() in sql
    assert list(db.query("select * from source_health")) == []


def test_the_flags_are_written_once() -> None:
    """Each message is built in HEALTH_FLAGS and nowhere else in the code (help texts may name them)."""
    assert len(HEALTH_FLAGS) == 2
    for message in (
        " failed crawls in a row'",
        ' failed crawls in a row"',
        "no new article in the last day (",
    ):
        holders = [
            str(path.relative_to(REPO_ROOT))
            for folder in ("crawler", "pipelines", "publish")
            for path in sorted((REPO_ROOT / folder).rglob("*.py"))
            if message in path.read_text(encoding="utf-8")
        ]
        assert holders == ([] if message.endswith('"') else ["pipelines/archive/schema.py"]), message
