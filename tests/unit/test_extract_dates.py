"""parse_datetime_text: Chinese, numeric, ISO, English and relative forms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from pipelines.extract import parse_datetime_text

CST = timezone(timedelta(hours=8))
NOW = datetime(2024, 5, 20, 12, 0, tzinfo=CST)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2019-02-24 22:16", datetime(2019, 2, 24, 22, 16, tzinfo=CST)),
        ("2019-02-24- 22:16", datetime(2019, 2, 24, 22, 16, tzinfo=CST)),
        ("2019年02月24日 22:16", datetime(2019, 2, 24, 22, 16, tzinfo=CST)),
        ("2019/2/24", datetime(2019, 2, 24, tzinfo=CST)),
        ("发布时间：2019-02-24 22:16:00", datetime(2019, 2, 24, 22, 16, tzinfo=CST)),
        ("时间：2024.05.11 来源：光明日报", datetime(2024, 5, 11, tzinfo=CST)),
        ("2019-02-24T22:16:00+08:00", datetime(2019, 2, 24, 22, 16, tzinfo=CST)),
        ("2024-05-10T10:20:00Z", datetime(2024, 5, 10, 10, 20, tzinfo=UTC)),
        ("February 24, 2019 10:20 PM", datetime(2019, 2, 24, 22, 20, tzinfo=CST)),
        ("Mon, 13 May 2024 08:00:00 GMT", datetime(2024, 5, 13, 8, 0, tzinfo=UTC)),
        ("3小时前", NOW - timedelta(hours=3)),
        ("昨天 10:20", datetime(2024, 5, 19, 10, 20, tzinfo=CST)),
        ("刚刚", NOW),
        ("2 days ago", NOW - timedelta(days=2)),
        ("5月9日 10:00", datetime(2024, 5, 9, 10, 0, tzinfo=CST)),
    ],
)
def test_forms(text: str, expected: datetime) -> None:
    parsed = parse_datetime_text(text, now=NOW)
    assert parsed == expected
    assert parsed is not None and parsed.tzinfo is not None


def test_default_tz_applies_to_naive_input() -> None:
    parsed = parse_datetime_text("2019-02-24 22:16", default_tz="Europe/Berlin")
    assert parsed is not None and parsed.utcoffset() == timedelta(hours=1)


def test_no_date() -> None:
    assert parse_datetime_text("没有日期的句子") is None
    assert parse_datetime_text("") is None


def test_year_less_date_in_the_future_is_last_year() -> None:
    parsed = parse_datetime_text("12月30日", now=datetime(2024, 1, 3, tzinfo=CST))
    assert parsed is not None and parsed.year == 2023
