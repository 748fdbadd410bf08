"""Tolerant date/time parsing for the forms news pages print next to a headline."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from datetime import timezone as dt_timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "DATE_LINE_WORDS",
    "MONTHS",
    "PRECISIONS",
    "StatedDate",
    "find_date_in_text",
    "find_relative_date",
    "find_stated_date",
    "format_datetime",
    "parse_datetime_text",
    "parse_partial_date",
    "precision_of",
    "zone",
]

# How much of a date a page states, coarsest first: "2004", "2004-05", "2004-05-20", "… 10:20", "… 10:20:33".
PRECISIONS = ("year", "month", "day", "minute", "second")

_OFFSET = r"(?P<tz>Z|UTC|GMT|[+-]\d{2}:?\d{2})?"
# (a slash may stand between day and time: qq.com prints "2020 / 07/08 / 16:37" in three elements)
_TIME = (
    r"(?:(?:T|\s*[-－/]?\s*)(?P<hour>\d{1,2})\s*[:：时點点]\s*(?P<minute>\d{1,2})"
    r"(?:\s*[:：分]\s*(?P<second>\d{1,2})(?:\.\d+)?)?\s*(?P<ampm>[AaPp]\.?[Mm]\.?)?\s*" + _OFFSET + ")?"
)
# 2019-02-24 22:16, 2019/2/24, 2019.02.24, 2019年02月24日 22:16, "2019-02-24- 22:16" (a real
# seed writes a dash between date and time).  Digits must not continue before/after (ids, URLs).
_NUMERIC = re.compile(
    r"(?<![\d/.])(?P<year>(?:19|20)\d{2})\s*[-/.年]\s*(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})(?!\d)\s*[日号]?"
    + _TIME
)
# 5月20日 10:30 (year from the reference time)
_MONTH_DAY = re.compile(r"(?<!\d)(?P<month>\d{1,2})\s*月\s*(?P<day>\d{1,2})\s*[日号]" + _TIME)
MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january", "jän", "januar", "janvier", "enero"),
            ("feb", "february", "februar", "février", "febrero"),
            ("mar", "march", "märz", "mars", "marzo"),
            ("apr", "april", "avril", "abril"),
            ("may", "mai", "mayo"),
            ("jun", "june", "juni", "juin", "junio"),
            ("jul", "july", "juli", "juillet", "julio"),
            ("aug", "august", "août", "agosto"),
            ("sep", "sept", "september", "septembre", "septiembre"),
            ("oct", "october", "okt", "oktober", "octobre", "octubre"),
            ("nov", "november", "novembre", "noviembre"),
            ("dec", "december", "dez", "dezember", "décembre", "diciembre"),
        ],
        start=1,
    )
    for m in names
}
_MONTH_NAME = r"(?P<mname>[A-Za-zäéû]{3,9})\.?"
# "February 24, 2019 10:20 AM", "24 Feb 2019", "Sunday, 24. Februar 2019"
_EN_MDY = re.compile(
    _MONTH_NAME
    + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>(?:19|20)\d{2})"
    + r"(?:,|\s+at)?"
    + _TIME
)
_EN_DMY = re.compile(
    r"(?<!\d)(?P<day>\d{1,2})(?:st|nd|rd|th)?\.?\s+" + _MONTH_NAME + r",?\s+(?P<year>(?:19|20)\d{2})" + _TIME
)
_RELATIVE = re.compile(
    r"(?P<n>\d+|半|一|两|几)\s*(?P<unit>秒|分钟|分鐘|小时|小時|天|日|周|週|星期|个月|個月"
    r"|seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?)\s*(?:前|ago)",
    re.I,
)
_DAY_WORD = re.compile(
    r"(?P<word>今天|今日|昨天|昨日|前天|today|yesterday)\s*(?P<hour>\d{1,2})?\s*[:：]?\s*(?P<minute>\d{2})?",
    re.I,
)
_JUST_NOW = re.compile(r"刚刚|剛剛|just now", re.I)

_UNIT_SECONDS = {
    "秒": 1, "sec": 1, "分": 60, "min": 60, "小": 3600, "hou": 3600, "hr": 3600,
    "天": 86400, "日": 86400, "day": 86400, "周": 604800, "週": 604800, "星": 604800, "wee": 604800,
    "个": 2592000, "個": 2592000,
}  # fmt: skip


def zone(name: str | None, fallback: str = "UTC") -> tzinfo:
    """ZoneInfo for an IANA name, falling back rather than failing on a bad source config."""
    for candidate in (name, fallback):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return UTC


def _offset(value: str | None, default: tzinfo) -> tzinfo:
    if not value:
        return default
    if value in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if value[0] == "-" else 1
    digits = value[1:].replace(":", "")
    return dt_timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:4])))


def _build(m: re.Match[str], year: int, month: int, day: int, default: tzinfo) -> datetime | None:
    groups = m.groupdict()
    hour = int(groups["hour"]) if groups.get("hour") else 0
    minute = int(groups["minute"]) if groups.get("minute") else 0
    second = int(groups["second"]) if groups.get("second") else 0
    ampm = (groups.get("ampm") or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=_offset(groups.get("tz"), default))
    except ValueError:
        return None


def _now(now: datetime | None, tz: tzinfo) -> datetime:
    if now is None:
        return datetime.now(tz)
    return now if now.tzinfo else now.replace(tzinfo=tz)


def parse_datetime_text(
    value: str, *, default_tz: str = "Asia/Shanghai", now: datetime | None = None
) -> datetime | None:
    """Parse the first date (with optional time) in ``value``; aware result or None."""
    if not value:
        return None
    text = unicodedata.normalize("NFKC", value).strip()
    tz = zone(default_tz)
    iso = _iso(text, tz)
    if iso is not None:
        return iso
    m = _NUMERIC.search(text)
    if m:
        return _build(m, int(m["year"]), int(m["month"]), int(m["day"]), tz)
    for pattern in (_EN_MDY, _EN_DMY):
        m = pattern.search(text)
        if m and m["mname"].lower() in MONTHS:
            return _build(m, int(m["year"]), MONTHS[m["mname"].lower()], int(m["day"]), tz)
    reference = _now(now, tz).astimezone(tz)
    if _JUST_NOW.search(text):
        return reference
    m = _RELATIVE.search(text)
    if m:
        n = {"半": 0.5, "一": 1, "两": 2, "几": 3}.get(m["n"]) or float(m["n"])
        unit = m["unit"].lower()
        seconds = next(v for k, v in _UNIT_SECONDS.items() if unit.startswith(k))
        return reference - timedelta(seconds=n * seconds)
    m = _DAY_WORD.search(text)
    if m:
        back = {"今": 0, "to": 0, "昨": 1, "ye": 1, "前": 2}[
            m["word"][:2].lower() if m["word"][0] in "ty" else m["word"][0]
        ]
        day = reference - timedelta(days=back)
        hour, minute = int(m["hour"] or 0), int(m["minute"] or 0)
        if hour > 23 or minute > 59:
            return None
        return day.replace(hour=hour, minute=minute, second=0, microsecond=0)
    m = _MONTH_DAY.search(text)
    if m:
        parsed = _build(m, reference.year, int(m["month"]), int(m["day"]), tz)
        # A year-less date later than "now" belongs to last year (pages show "12月30日" in January).
        if parsed is not None and parsed - reference > timedelta(days=2):
            parsed = parsed.replace(year=parsed.year - 1)
        return parsed
    return None


def _iso(text: str, tz: tzinfo) -> datetime | None:
    if not (len(text) >= 10 and text[4] == "-" and text[:4].isdigit()):
        return None
    candidate = text.replace("Z", "+00:00") if text.endswith("Z") else text
    try:
        parsed = datetime.fromisoformat(candidate)
    except ValueError:
        return None
    if parsed.year < 1900:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)


def find_date_in_text(text: str, *, default_tz: str, now: datetime | None = None) -> datetime | None:
    """A full calendar date in free text (no relative forms: too easy to hit in prose)."""
    text = unicodedata.normalize("NFKC", text)
    m = _NUMERIC.search(text)
    if m:
        return _build(m, int(m["year"]), int(m["month"]), int(m["day"]), zone(default_tz))
    return None


def format_datetime(value: datetime | date | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(microsecond=0).isoformat()
    return value.isoformat()


@dataclass(frozen=True)
class StatedDate:
    """A date as a page states it: the moment (aware; the start of the period when only a year, month or
    day is stated), how much of it the page states, and the page's own wording."""

    value: datetime
    precision: str  # one of PRECISIONS
    text: str | None = None

    def iso(self) -> str:
        """ "2004", "2004-05", "2004-05-20" or ISO 8601 with seconds and offset: what the page says."""
        if self.precision == "year":
            return f"{self.value.year:04d}"
        if self.precision == "month":
            return f"{self.value.year:04d}-{self.value.month:02d}"
        if self.precision == "day":
            return self.value.date().isoformat()
        return self.value.replace(microsecond=0).isoformat()

    def utc(self) -> str:
        """The moment in UTC ("2023-08-09T23:15:00Z"): text that sorts in time order across offsets."""
        return self.value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def coarser(self, precision: str) -> StatedDate:
        """The same date stated only to ``precision`` (never finer than it is)."""
        if PRECISIONS.index(precision) >= PRECISIONS.index(self.precision):
            return self
        value = self.value.replace(hour=0, minute=0, second=0, microsecond=0)
        if precision in ("year", "month"):
            value = value.replace(day=1)
        if precision == "year":
            value = value.replace(month=1)
        return StatedDate(value, precision, self.text)


_HAS_SECONDS = re.compile(r"\d{1,2}\s*[:：时點点]\s*\d{1,2}\s*[:：分]\s*\d{1,2}")
_HAS_MINUTES = re.compile(r"\d{1,2}\s*[:：时點点]\s*\d{1,2}")


def precision_of(text: str) -> str:
    """How precise a date text is that parsed to a full date: "second", "minute" or "day"."""
    text = unicodedata.normalize("NFKC", text)
    if _HAS_SECONDS.search(text):
        return "second"
    return "minute" if _HAS_MINUTES.search(text) else "day"


# "2004", "2004-05", "2004/5", "2004年5月", "2004年": a value that states only a year or a month.
_PARTIAL = re.compile(r"^\s*(?P<year>(?:19|20)\d{2})\s*(?:年|(?:[-/.年]\s*(?P<month>\d{1,2})\s*月?))?\s*$")


def parse_partial_date(value: str, *, default_tz: str = "Asia/Shanghai") -> StatedDate | None:
    """A value that is only a year or a year and month, kept at that precision; None for anything else."""
    m = _PARTIAL.match(unicodedata.normalize("NFKC", value or ""))
    if m is None:
        return None
    month = int(m["month"]) if m["month"] else None
    if month is not None and not 1 <= month <= 12:
        return None
    start = datetime(int(m["year"]), month or 1, 1, tzinfo=zone(default_tz))
    return StatedDate(start, "month" if month else "year", value.strip())


def find_stated_date(text: str, *, default_tz: str) -> StatedDate | None:
    """A full calendar date in free text (as :func:`find_date_in_text`), with its precision and wording."""
    text = unicodedata.normalize("NFKC", text)
    m = _NUMERIC.search(text)
    if not m:
        return None
    found = _build(m, int(m["year"]), int(m["month"]), int(m["day"]), zone(default_tz))
    if found is None:
        return None
    precision = "second" if m["second"] else "minute" if m["hour"] else "day"
    return StatedDate(found, precision, m.group(0).strip())


DATE_LINE_WORDS = (
    "来源",
    "來源",
    "作者",
    "编辑",
    "編輯",
    "责任编辑",
    "记者",
    "記者",
    "发布",
    "發布",
    "发表",
    "發表",
)


def _standalone(text: str, m: re.Match[str]) -> bool:
    """The match stands as a date of its own ("3小时前 来源：…", "昨天 10:20"), not inside a sentence
    ("今天上午，…", "记者5月20日从…了解到")."""
    before = text[: m.start()].rstrip()
    after = text[m.end() :].lstrip()
    opens = not before or m.start() > len(before) or before[-1] in ":：|｜丨·•/"
    closes = (
        not after
        or m.end() < len(text) - len(after)
        or after[0] in "|｜丨·•/"
        or after.startswith(DATE_LINE_WORDS)
    )
    return opens and closes


_DAY_UNITS = ("天", "日", "周", "週", "星", "个", "個", "day", "wee")


def find_relative_date(text: str, *, default_tz: str, now: datetime) -> StatedDate | None:
    """A relative or year-less date ("3小时前", "昨天 10:20", "刚刚", "5月9日 10:00") standing on its own in
    ``text``, read against ``now`` (when the page was fetched). Prose that mentions "今天" or "5月20日"
    is not a date line: such a match must be set off by spaces, line ends or separators on both sides."""
    text = unicodedata.normalize("NFKC", text)
    for pattern in (_JUST_NOW, _RELATIVE, _DAY_WORD, _MONTH_DAY):
        for m in pattern.finditer(text):
            if not _standalone(text, m):
                continue
            found = parse_datetime_text(m.group(0), default_tz=default_tz, now=now)
            if found is None:
                continue
            groups = m.groupdict()
            if groups.get("hour"):
                precision = "minute"
            elif pattern is _RELATIVE:
                precision = "day" if groups["unit"].lower().startswith(_DAY_UNITS) else "minute"
            else:
                precision = "minute" if pattern is _JUST_NOW else "day"
            if precision == "day":
                found = found.replace(hour=0, minute=0, second=0, microsecond=0)
            return StatedDate(found, precision, m.group(0).strip())
    return None
