"""Source health: what counts as a failed crawl, failure streaks, new-article counts and shares, and the
flags (the ``source_health`` view and ``health.flags``). ``newsarchive status`` itself: tests/e2e/test_health.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import sqlite_utils

from pipelines.schedule.health import Thresholds, flags, source_health
from pipelines.sources import source_from_dict

NOW = datetime.now(UTC)


def ago(**delta: float) -> str:
    return (NOW - timedelta(**delta)).isoformat(timespec="seconds")


def run(
    db: sqlite_utils.Database, source: str, minutes_ago: float, status: str = "finished", **counts
) -> None:
    values = {"new": 0, "unchanged": 0, "failed": 0, "responses_by_status": '{"200": 3}', **counts}
    db.table("crawl_runs").insert(
        {"kind": "crawl", "source": source, "started": ago(minutes=minutes_ago), "status": status, **values}
    )


def article(db: sqlite_utils.Database, n: int, source: str, days_ago: float, **fields) -> None:
    db.table("articles").insert(
        {
            "id": n,
            "source": source,
            "text": "x",
            "content_hash": str(n),
            "first_seen": ago(days=days_ago),
            **fields,
        }
    )


def health(db: sqlite_utils.Database) -> dict[str, dict]:
    return {row["source"]: dict(row) for row in db.query("select * from source_health")}


def test_what_counts_as_a_failed_crawl(db: sqlite_utils.Database) -> None:
    run(db, "ok", 60, new=3)
    run(db, "known", 60, skipped_known=12, failed=2)  # nothing new, but the site answered
    run(db, "all500", 60, responses_by_status='{"500": 16}')  # start pages failing count nowhere else
    run(db, "broken", 60, failed=4)  # pages answered but every article failed
    run(db, "dead", 60, status="killed")
    run(db, "down", 60, responses_by_status="{}")  # connection refused: no response at all
    run(db, "stopped", 60, status="interrupted")
    outcomes = {r["source"]: (r["outcome"], r["problem"]) for r in db.query("select * from crawl_outcomes")}
    assert outcomes == {
        "ok": ("success", None),
        "known": ("success", None),
        "all500": ("failure", 'no page fetched successfully (responses: {"500": 16})'),
        "broken": ("failure", "4 pages failed and nothing was stored"),
        "dead": ("failure", "the crawl process died"),
        "down": ("failure", "no page fetched successfully (responses: none)"),
        "stopped": ("interrupted", None),
    }


def test_a_failure_streak_ends_with_a_success_and_is_not_broken_by_an_interruption(
    db: sqlite_utils.Database,
) -> None:
    run(db, "a", 50, responses_by_status='{"500": 1}')
    run(db, "a", 40, new=2)
    run(db, "a", 30, responses_by_status='{"500": 1}')
    run(db, "a", 20, status="interrupted")
    run(db, "a", 10, status="killed")
    run(db, "a", 5, responses_by_status='{"503": 4}')
    db.table("crawl_errors").insert(
        {"run_id": 6, "input": "http://a/1", "stage": "fetch", "reason": "HTTP 503", "at": ago(minutes=4)}
    )
    row = health(db)["a"]
    assert row["consecutive_failures"] == 3
    assert row["last_success"] == ago(minutes=40) and row["last_run"] == ago(minutes=5)
    assert row["last_outcome"] == "failure" and row["last_problem"].startswith("no page fetched")
    assert row["last_error"].endswith("http://a/1: HTTP 503")
    assert row["flags"] == "3 failed crawls in a row"


def test_new_articles_and_the_quality_shares_of_the_last_week(db: sqlite_utils.Database) -> None:
    run(db, "s", 5, new=1)
    article(db, 1, "s", 0.5, published="2024-03-01", authors='["王明"]', char_count=500)
    article(db, 2, "s", 3, published=None, authors="[]", char_count=120)
    article(db, 3, "s", 6, published="2024-03-01", authors=None, char_count=800)
    article(db, 4, "s", 6.5, published="2024-03-01", authors='["李华"]', char_count=201)
    article(db, 5, "s", 30, published=None, authors="[]", char_count=10)  # older than a week: not counted
    article(db, 6, "other", 1.5, char_count=900)
    row = health(db)["s"]
    assert (row["new_1d"], row["new_7d"], row["new_prev_7d"]) == (1, 4, 3)
    assert (row["dated_share"], row["author_share"], row["body_share"]) == (0.75, 0.5, 0.75)
    assert row["flags"] == ""


def test_a_source_that_usually_has_news_is_flagged_when_none_came_in_a_day(db: sqlite_utils.Database) -> None:
    run(db, "quiet", 5)
    run(db, "busy", 5)
    run(db, "stalled", 5)
    for n in range(7):
        article(db, 100 + n, "stalled", 1.5 + n * 0.5)  # 7 in the week before the last day, none since
        article(db, 200 + n, "busy", 0.1 + n * 0.5)
    article(db, 300, "quiet", 2)  # a quiet source is not "usually" busy
    rows = health(db)
    assert rows["stalled"]["flags"] == "no new article in the last day (7 in the week before)"
    assert rows["busy"]["flags"] == rows["quiet"]["flags"] == ""
    # The view's flags (default thresholds) and the Python flags agree; thresholds can be changed.
    for row in rows.values():
        assert "; ".join(flags(row)) == row["flags"]
    assert flags(rows["stalled"], Thresholds(usual_weekly_new=8)) == []
    assert flags(rows["busy"], Thresholds(max_failures=0)) == ["0 failed crawls in a row"]


def test_a_source_not_crawled_for_several_periods_is_overdue(db: sqlite_utils.Database) -> None:
    raw = {"name": "s", "start_urls": ["http://127.0.0.1:9/"], "schedule": "30m"}
    sources = {key: source_from_dict(key, raw) for key in ("late", "fine", "never")}
    run(db, "late", 60 * 5, new=1)
    run(db, "fine", 20, new=1)
    rows = {r["source"]: r for r in source_health(db, sources=sources, now=NOW)}
    assert (
        rows["late"]["flags"][0].startswith("no crawl since")
        and "is the scheduler up?" in rows["late"]["flags"][0]
    )
    assert rows["fine"]["flags"] == [] and rows["never"]["flags"] == [] and rows["never"]["last_run"] is None
