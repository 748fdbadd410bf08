"""Cron schedules follow crontab's day rule: when day-of-month and day-of-week are both restricted, a day
matching either runs (APScheduler alone requires both); when one starts with ``*`` the other decides."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from pipelines.schedule.due import cron_trigger, interval_seconds, next_due
from pipelines.sources import source_from_dict


def fire_times(expression: str, start: datetime, count: int, timezone: str = "UTC") -> list[datetime]:
    trigger = cron_trigger(expression, timezone)
    times: list[datetime] = []
    previous = None
    now = start
    for _ in range(count):
        fire = trigger.get_next_fire_time(previous, now)
        assert fire is not None
        times.append(fire.astimezone(UTC))
        previous, now = fire, fire + timedelta(seconds=1)
    return times


def test_both_day_fields_restricted_means_either() -> None:
    # The 1st of the month or a Monday, at 09:00. March 2024: Fri 1st, Mon 4th, 11th, 18th, 25th; Apr 1st.
    times = fire_times("0 9 1 * mon", datetime(2024, 2, 29, tzinfo=UTC), 6)
    assert [t.day for t in times] == [1, 4, 11, 18, 25, 1]
    assert all(t.hour == 9 and t.minute == 0 for t in times)


def test_numeric_weekday_with_a_day_of_month_is_either_too() -> None:
    # "13th or Friday" (5): March 2024 has Fri 1, 8, 13 (Wed), 15, 22, 29.
    times = fire_times("0 0 13 3 5", datetime(2024, 3, 1, tzinfo=UTC) - timedelta(seconds=1), 6)
    assert [t.day for t in times] == [1, 8, 13, 15, 22, 29]


@pytest.mark.parametrize(
    ("expression", "days"),
    [
        ("0 9 * * mon", [4, 11, 18]),  # only the weekday restricted: Mondays
        ("0 9 1,15 * *", [1, 15, 1]),  # only the day of month restricted
        ("0 9 */10 * mon", [11]),  # "*/10" starts with *: crontab treats it as unrestricted, so both apply
    ],
)
def test_one_restricted_field_decides(expression: str, days: list[int]) -> None:
    times = fire_times(expression, datetime(2024, 2, 29, tzinfo=UTC), len(days))
    assert [t.day for t in times] == days


def test_next_due_and_period_use_the_same_rule() -> None:
    source = source_from_dict(
        "alpha",
        {
            "name": "alpha",
            "start_urls": ["http://127.0.0.1:9/"],
            "schedule": "0 9 1 * mon",
            "timezone": "UTC",
        },
    )
    # Last run on Monday 4 March 09:00: next is Monday the 11th, not the 1st of April.
    last = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
    assert next_due(source, last, last + timedelta(hours=1)) == datetime(2024, 3, 11, 9, 0, tzinfo=UTC)
    # From Thursday 28 March the next two times are Monday 1 April (both rules) and Monday 8 April.
    assert interval_seconds("0 9 1 * mon", "UTC", now=datetime(2024, 3, 28, tzinfo=UTC)) == 7 * 86400
