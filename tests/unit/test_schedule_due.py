"""When a source is due, coalescing of missed runs, cron weekdays, jitter: pure functions, no crawling."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime, timedelta

import sqlite_utils

from pipelines.archive.runs import record_exit, running_here
from pipelines.schedule.due import (
    OffsetTrigger,
    cron_trigger,
    due_sources,
    early_tolerance,
    jitter_window,
    next_due,
    spread_offset,
)
from pipelines.schedule.scheduler import CrawlOptions, Scheduler
from pipelines.sources import Source, source_from_dict

NOW = datetime(2024, 3, 2, 12, 0, tzinfo=UTC)  # a Saturday


def make_source(key: str = "alpha", schedule: str = "30m", timezone: str = "Asia/Shanghai") -> Source:
    raw = {"name": key, "start_urls": ["http://127.0.0.1:9/"], "schedule": schedule, "timezone": timezone}
    return source_from_dict(key, raw)


def add_run(db: sqlite_utils.Database, source: str, started: datetime, status: str = "finished") -> None:
    db.table("crawl_runs").insert(
        {
            "kind": "crawl",
            "source": source,
            "started": started.isoformat(timespec="seconds"),
            "status": status,
        }
    )


def test_a_source_never_crawled_is_due_now_and_an_interval_counts_from_the_last_start() -> None:
    source = make_source(schedule="30m")
    assert next_due(source, None, NOW) == NOW
    assert next_due(source, NOW - timedelta(minutes=10), NOW) == NOW + timedelta(minutes=20)


def test_missed_runs_coalesce_into_one(db: sqlite_utils.Database) -> None:
    add_run(db, "alpha", NOW - timedelta(hours=5))  # ten 30-minute runs missed while the machine was off
    (due,) = due_sources(db, {"alpha": make_source()}, NOW)
    assert (due.key, due.due_at) == ("alpha", NOW - timedelta(hours=4, minutes=30))


def test_only_due_sources_are_listed_longest_overdue_first(db: sqlite_utils.Database) -> None:
    sources = {k: make_source(k, "1h") for k in ("fresh", "late", "later", "never")}
    add_run(db, "fresh", NOW - timedelta(minutes=20))
    add_run(db, "late", NOW - timedelta(hours=2))
    add_run(db, "later", NOW - timedelta(hours=3))
    assert [d.key for d in due_sources(db, sources, NOW)] == ["later", "late", "never"]


def test_interrupted_and_killed_runs_do_not_postpone_the_next_one(db: sqlite_utils.Database) -> None:
    add_run(db, "alpha", NOW - timedelta(hours=2))
    add_run(db, "alpha", NOW - timedelta(minutes=5), status="interrupted")
    add_run(db, "alpha", NOW - timedelta(minutes=2), status="killed")
    assert [d.key for d in due_sources(db, {"alpha": make_source()}, NOW)] == ["alpha"]
    add_run(db, "alpha", NOW - timedelta(minutes=1), status="running")
    assert due_sources(db, {"alpha": make_source()}, NOW) == []


def test_a_source_is_due_a_little_early_so_cron_ticks_are_not_skipped(db: sqlite_utils.Database) -> None:
    # crontab starts us at :30:00; the last run's row says it started at :00:02.
    add_run(db, "alpha", NOW - timedelta(minutes=29, seconds=58))
    assert [d.key for d in due_sources(db, {"alpha": make_source()}, NOW)] == ["alpha"]
    assert early_tolerance(make_source(schedule="30m"), NOW) == timedelta(minutes=3)
    assert early_tolerance(make_source(schedule="1d"), NOW) == timedelta(minutes=5)


def test_cron_counts_0_and_7_as_sunday_in_the_sources_time_zone() -> None:
    sunday_9 = datetime(2024, 3, 3, 9, 0, tzinfo=UTC)
    for expression in ("0 9 * * 0", "0 9 * * 7", "0 9 * * sun"):
        assert next_due(make_source(schedule=expression, timezone="UTC"), NOW, NOW) == sunday_9
    # 9:00 in Shanghai is 01:00 UTC; "1-5" is Monday to Friday.
    weekday = make_source(schedule="0 9 * * 1-5")
    assert next_due(weekday, NOW, NOW) == datetime(2024, 3, 4, 1, 0, tzinfo=UTC)
    # "*/2" is every other day from Sunday: Sunday, Tuesday, Thursday, Saturday.
    every_other = make_source(schedule="0 0 * * */2", timezone="UTC")
    days, when = [], NOW
    for _ in range(4):
        when = next_due(every_other, when, NOW)
        days.append(f"{when:%a}")
    assert days == ["Sun", "Tue", "Thu", "Sat"]


def test_a_cron_run_started_on_the_minute_does_not_count_that_minute_again() -> None:
    source = make_source(schedule="*/15 * * * *", timezone="UTC")
    assert next_due(source, NOW, NOW) == NOW + timedelta(minutes=15)


def test_jitter_is_capped_by_the_interval_and_spreads_sources_the_same_way_each_time() -> None:
    assert jitter_window(make_source(schedule="1m"), 60) == 6
    assert jitter_window(make_source(schedule="6h"), 60) == 60
    assert jitter_window(make_source(schedule="6h"), 0) == 0
    offsets = [spread_offset(f"source-{n}", 60) for n in range(20)]
    assert all(0 <= o < 60 for o in offsets) and len({round(o, 3) for o in offsets}) == 20
    assert max(offsets) - min(offsets) > 30  # spread over the window, not bunched
    assert spread_offset("source-1", 60) == offsets[1]  # the same after a restart
    assert spread_offset("source-1", 0) == 0


def test_offset_trigger_shifts_every_cron_time() -> None:
    trigger = OffsetTrigger(cron_trigger("*/30 * * * *", "UTC"), 42)
    first = trigger.get_next_fire_time(None, NOW)
    assert first == NOW + timedelta(seconds=42)
    assert trigger.get_next_fire_time(first, first) == NOW + timedelta(minutes=30, seconds=42)


def test_an_overdue_source_first_runs_now_plus_its_offset_and_a_fresh_one_when_due() -> None:
    scheduler = Scheduler(CrawlOptions("a.db", "s.toml"), {}, max_jitter=60)
    source = make_source("alpha", "1h")
    offset = spread_offset("alpha", 60)
    assert scheduler.first_run(source, NOW - timedelta(hours=9), NOW) == NOW + timedelta(seconds=offset)
    fresh = scheduler.first_run(source, NOW - timedelta(minutes=20), NOW)
    assert fresh == NOW + timedelta(minutes=40, seconds=offset)


def test_the_crawl_process_command_passes_settings_through() -> None:
    options = CrawlOptions("a.db", "s.toml", ("DOWNLOAD_DELAY=0", "AUTOTHROTTLE_ENABLED=False"), workers=1)
    argv = options.argv()
    assert argv[1:] == [
        "-m", "crawler.crawl_host", "--db", "a.db", "--sources", "s.toml",
        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "--workers", "1",
    ]  # fmt: skip


def test_a_crawl_running_on_this_host_blocks_the_source_until_its_process_is_gone(
    db: sqlite_utils.Database,
) -> None:
    host = socket.gethostname()
    db.table("crawl_runs").insert(
        {
            "kind": "crawl",
            "source": "alpha",
            "started": "2024-01-01",
            "status": "running",
            "pid": os.getpid(),
            "host": host,
        }
    )
    assert running_here(db, "alpha") and not running_here(db, "beta")
    db.table("crawl_runs").update(1, {"pid": 2**22 + 12345})  # above any pid_max: no such process
    assert not running_here(db, "alpha")
    assert db.table("crawl_runs").get(1)["status"] == "killed"


def test_a_crawl_process_that_dies_before_its_run_begins_is_recorded_as_killed(
    db: sqlite_utils.Database,
) -> None:
    record_exit(db, "alpha", 4242, "2024-03-02T12:00:00+00:00", 2)
    (run,) = db.table("crawl_runs").rows
    assert (run["source"], run["status"], run["kind"]) == ("alpha", "killed", "crawl")
    assert "status 2" in run["finish_reason"]
    db.table("crawl_runs").insert({"kind": "crawl", "source": "beta", "started": "2024-03-02T12:00:01+00:00",
                             "status": "finished", "pid": 4343, "host": socket.gethostname()})  # fmt: skip
    record_exit(db, "beta", 4343, "2024-03-02T12:00:00+00:00", 1)  # it ran: nothing to add
    assert db.table("crawl_runs").count == 2


def test_a_crawl_stopped_during_its_start_up_is_recorded_as_interrupted(db: sqlite_utils.Database) -> None:
    db.table("crawl_runs").insert(
        {
            "kind": "crawl",
            "source": "alpha",
            "started": "2024-03-02T12:00:01+00:00",
            "status": "running",
            "pid": 2**22 + 4545,  # gone
            "host": socket.gethostname(),
        }
    )
    record_exit(db, "alpha", 2**22 + 4545, "2024-03-02T12:00:00+00:00", 0, stopped=True)
    (run,) = db.table("crawl_runs").rows
    assert (run["status"], run["finish_reason"]) == ("interrupted", "stopped by the scheduler")
    assert run["finished"]
