"""When each source is due, how starts are spread out, and the per-source lock. No Scrapy here.

"Due" is computed from the archive alone (the last ``crawl_runs`` row of kind 'crawl' of the source), so
``newsarchive schedule --once`` from cron needs no state of its own, and a long-running scheduler that
restarts after downtime runs an overdue source once, not once per missed run (coalescing for free).
"""

from __future__ import annotations

import fcntl
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO
from zoneinfo import ZoneInfo

import sqlite_utils
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from pipelines.archive import runs
from pipelines.sources import Source, is_cron, parse_interval

# A run counts as "the last run" when it got going; an interrupted or killed one is incomplete, so the
# source is due again at once rather than a whole interval later.
COUNTED_STATUSES = runs.COUNTED_STATUSES
# cron from crontab starts us on the minute, but crawl_runs.started is written a second or two later: a
# "*/30" crontab and a "30m" source would otherwise skip every other tick. So a source is due slightly early.
EARLY_FRACTION = 0.1
EARLY_MAX_SECONDS = 300.0
JITTER_FRACTION = 0.1  # jitter never exceeds this share of a source's interval
_DOW_NAMES = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def parse_time(value: str) -> datetime:
    """A stored ISO 8601 time; one without an offset is UTC (as every time the archive writes)."""
    parsed = datetime.fromisoformat(value)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _crontab_weekdays(field: str) -> str:
    """Crontab's day-of-week field in APScheduler 3's terms: crontab counts 0 (and 7) as Sunday,
    APScheduler 3 as Monday (its issue 286), so numbers are expanded and written as names."""
    items = []
    for item in field.lower().split(","):
        spec, _, step_text = item.partition("/")
        if any(c.isalpha() for c in spec):
            items.append(item)  # names ("mon-fri") mean the same in both
            continue
        step = int(step_text) if step_text else 1
        if spec == "*":
            first, last = 0, 6
        elif "-" in spec:
            start, end = spec.split("-", 1)
            first, last = int(start), int(end)
        else:
            first = last = int(spec)
            if step_text:
                last = 6  # "1/2" means from Monday on, every other day
        if not (0 <= first <= 7 and 0 <= last <= 7 and step > 0):
            raise ValueError(f"day of week {item!r} is out of range 0-7")
        items.extend(_DOW_NAMES[day % 7] for day in range(first, last + 1, step))
    return ",".join(dict.fromkeys(items))


def cron_trigger(expression: str, timezone: str) -> BaseTrigger:
    """A trigger for a five-field crontab expression in the source's time zone (ValueError if invalid).

    Crontab's rule for the two day fields: when both are restricted (neither starts with ``*``), a day
    matches when *either* does (``0 9 1 * mon``: the 1st of the month and every Monday); otherwise the
    restricted one decides. APScheduler's CronTrigger requires both, so that case is two triggers, OR-ed.
    """
    minute, hour, day, month, weekday = expression.split()
    zone = ZoneInfo(timezone)

    def trigger(day: str, weekday: str) -> CronTrigger:
        return CronTrigger(
            minute=minute,
            hour=hour,
            day=day,
            month=month,
            day_of_week=_crontab_weekdays(weekday),
            timezone=zone,
        )

    if day.startswith("*") or weekday.startswith("*"):
        return trigger(day, weekday)
    return OrTrigger([trigger(day, "*"), trigger("*", weekday)])


class OffsetTrigger(BaseTrigger):
    """A trigger firing a fixed number of seconds after another: cron sources sharing an expression
    ("*/30 * * * *") start spread out, each at its own offset, the same way on every run and restart."""

    def __init__(self, inner: BaseTrigger, seconds: float) -> None:
        self.inner = inner
        self.offset = timedelta(seconds=seconds)

    def get_next_fire_time(self, previous_fire_time: datetime | None, now: datetime) -> datetime | None:
        previous = previous_fire_time - self.offset if previous_fire_time else None
        fire = self.inner.get_next_fire_time(previous, now - self.offset)
        return fire + self.offset if fire else None

    def __str__(self) -> str:
        return f"{self.inner} + {self.offset.total_seconds():.0f}s"


def make_trigger(source: Source, *, start: datetime, offset: float = 0.0) -> BaseTrigger:
    """The APScheduler trigger of a source's schedule: an interval counted from ``start``, or its cron
    times (in the source's time zone) shifted by ``offset`` seconds."""
    if is_cron(source.schedule):
        return OffsetTrigger(cron_trigger(source.schedule, source.timezone), offset)
    return IntervalTrigger(seconds=parse_interval(source.schedule), start_date=start, timezone=UTC)


def interval_seconds(schedule: str, timezone: str = "UTC", *, now: datetime | None = None) -> float:
    """A schedule's period: the interval, or for cron the gap between its next two times from ``now``."""
    if not is_cron(schedule):
        return float(parse_interval(schedule))
    now = now or datetime.now(UTC)
    trigger = cron_trigger(schedule, timezone)
    first = trigger.get_next_fire_time(None, now)
    second = trigger.get_next_fire_time(first, first + timedelta(seconds=1)) if first else None
    if first is None or second is None:
        raise ValueError(f"cron expression {schedule!r} never fires")
    return (second - first).total_seconds()


def next_due(source: Source, last_started: datetime | None, now: datetime) -> datetime:
    """When the source is next due: now if it never ran, else the first scheduled time after its last run.

    Only the *first* time after the last run counts, so however many were missed, it runs once.
    """
    if last_started is None:
        return now
    if not is_cron(source.schedule):
        return last_started + timedelta(seconds=parse_interval(source.schedule))
    trigger = cron_trigger(source.schedule, source.timezone)
    # Strictly after the last start: a run started on the minute must not count that minute again.
    due = trigger.get_next_fire_time(None, last_started + timedelta(seconds=1))
    if due is None:
        raise ValueError(f"cron expression {source.schedule!r} never fires")
    return due.astimezone(UTC)


def early_tolerance(source: Source, now: datetime) -> timedelta:
    period = interval_seconds(source.schedule, source.timezone, now=now)
    return timedelta(seconds=min(period * EARLY_FRACTION, EARLY_MAX_SECONDS))


def jitter_window(source: Source, max_jitter: float, now: datetime | None = None) -> float:
    """Seconds over which a source's start may be spread: at most ``max_jitter``, and at most a tenth of
    its interval so a one-minute source is not delayed by a minute."""
    if max_jitter <= 0:
        return 0.0
    period = interval_seconds(source.schedule, source.timezone, now=now)
    return min(max_jitter, period * JITTER_FRACTION)


def spread_offset(key: str, window: float) -> float:
    """A fixed offset in [0, window) from the source key: after downtime, overdue sources start spread out
    the same way every time instead of all at once (and the spread survives restarts)."""
    if window <= 0:
        return 0.0
    fraction = int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) / 0x1_0000_0000
    return fraction * window


def last_started(db: sqlite_utils.Database, key: str) -> datetime | None:
    started = runs.last_started(db, key)
    return parse_time(started) if started else None


@dataclass(frozen=True)
class Due:
    key: str
    due_at: datetime
    last_started: datetime | None


def due_sources(
    db: sqlite_utils.Database, sources: dict[str, Source], now: datetime | None = None
) -> list[Due]:
    """The sources due now (allowing a little early), longest overdue first."""
    now = now or datetime.now(UTC)
    result = []
    for key, source in sources.items():
        last = last_started(db, key)
        due = next_due(source, last, now)
        if due <= now + early_tolerance(source, now):
            result.append(Due(key, due, last))
    return sorted(result, key=lambda d: (d.due_at, d.key))


def lock_dir(db_path: str | Path) -> Path:
    """Per-source lock files live beside the database, so every process using that archive sees them."""
    path = Path(db_path).resolve()
    return path.with_name(path.name + ".locks")


class SourceLock:
    """An exclusive, non-blocking ``flock`` on ``<db>.locks/<key>.lock``.

    The kernel drops an flock when the last descriptor of it closes, so a process killed with SIGKILL
    never leaves a source locked. Handing the descriptor to the crawl process (``pass_fds``) keeps the
    source locked for as long as the crawl runs, even if the scheduler that started it dies first.
    """

    def __init__(self, directory: Path, key: str) -> None:
        self.path = directory / f"{key}.lock"
        self._file: IO[bytes] | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+b")  # noqa: SIM115 - held until release()
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        self._file = handle
        return True

    def fileno(self) -> int:
        assert self._file is not None, "not acquired"
        return self._file.fileno()

    def release(self) -> None:
        if self._file is not None:
            self._file.close()  # closing our descriptor; a crawl process holding a copy keeps the lock
            self._file = None

    def __enter__(self) -> SourceLock:
        if not self.acquire():
            raise BlockingIOError(f"{self.path} is held by another process")
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
