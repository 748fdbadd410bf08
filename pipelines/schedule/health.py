"""Source health from the ``source_health`` view, and the flags that make ``newsarchive status`` fail.

The view (pipelines.archive.schema) holds the numbers and flags computed with the default thresholds, for
Datasette; this module evaluates the same flag expressions (schema.HEALTH_FLAGS) with thresholds the user
chose, and adds "overdue" (the scheduler seems to have stopped), which needs the schedules of the sources
file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlite_utils

from pipelines.archive.schema import (
    DEFAULT_MAX_FAILURES,
    DEFAULT_USUAL_WEEKLY_NEW,
    LOCAL_SOURCES_SQL,
    health_flags,
)
from pipelines.schedule.due import interval_seconds, next_due, parse_time
from pipelines.sources import Source

OVERDUE_PERIODS = 3  # a source is overdue once its next run is this many periods late (and an hour at least)


@dataclass(frozen=True)
class Thresholds:
    max_failures: int = DEFAULT_MAX_FAILURES
    usual_weekly_new: int = DEFAULT_USUAL_WEEKLY_NEW


def flags(row: dict[str, Any], thresholds: Thresholds = Thresholds()) -> list[str]:
    """Why a source needs attention (empty when it is fine): the view's ``flags`` column as a list, under
    these thresholds (the same SQL expressions, pipelines.archive.schema.HEALTH_FLAGS)."""
    return health_flags(row, thresholds.max_failures, thresholds.usual_weekly_new)


def overdue(row: dict[str, Any], source: Source, now: datetime) -> str | None:
    """A flag when the source has not run for several of its periods: the scheduler is not running."""
    if not row.get("last_run"):
        return None
    last = parse_time(row["last_run"])
    period = interval_seconds(source.schedule, source.timezone, now=now)
    late = now - next_due(source, last, now)
    if late > max(timedelta(seconds=OVERDUE_PERIODS * period), timedelta(hours=1)):
        return f"no crawl since {last:%Y-%m-%d %H:%M} UTC (schedule {source.schedule}): is the scheduler up?"
    return None


def source_health(
    db: sqlite_utils.Database,
    thresholds: Thresholds = Thresholds(),
    sources: dict[str, Source] | None = None,
    now: datetime | None = None,
) -> list[dict[str, Any]]:
    """One dict per source with the view's columns, ``flags`` as a list, sources never run included."""
    now = now or datetime.now(UTC)
    rows = {row["source"]: dict(row) for row in db.query("select * from source_health")}
    local: set[str] = set()
    for row in db.query(LOCAL_SOURCES_SQL):
        if row["source"] not in rows:
            rows[row["source"]] = {**dict(row), "flags": "", "last_error": None}
            local.add(row["source"])
    for key, source in (sources or {}).items():
        rows.setdefault(key, _never_run(key, source))
    result = []
    for key, row in rows.items():
        found = [] if key in local else flags(row, thresholds)
        if sources and key in sources:
            row["name"] = row.get("name") or sources[key].name
            late = overdue(row, sources[key], now)
            if late:
                found.append(late)
        row["flags"] = found
        result.append(row)
    return sorted(result, key=lambda r: (not r["flags"], r["source"]))


def _never_run(key: str, source: Source) -> dict[str, Any]:
    return {
        "source": key,
        "name": source.name,
        "last_run": None,
        "last_outcome": None,
        "last_success": None,
        "consecutive_failures": 0,
        "new_1d": 0,
        "new_7d": 0,
        "new_prev_7d": 0,
        "dated_share": None,
        "author_share": None,
        "body_share": None,
        "skipped_pages": 0,
        "last_problem": None,
        "last_error": None,
    }
