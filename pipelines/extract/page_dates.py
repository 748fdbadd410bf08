"""The published and modified fields: the page's structured metadata first, then the date line by the
headline (Chinese pages), then htmldate. Parsing the texts themselves is :mod:`.dates`' job."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

from htmldate import find_date
from trafilatura.settings import Document, set_date_params

from .dates import (
    MONTHS,
    PRECISIONS,
    StatedDate,
    find_relative_date,
    find_stated_date,
    format_datetime,
    parse_datetime_text,
    parse_partial_date,
    precision_of,
    zone,
)
from .pagemeta import MODIFIED_KEYS, PUBLISHED_KEYS, PageMeta

__all__ = ["htmldate_may_be_needed", "modified", "published", "shown_text", "stated_precision", "zone_name"]

CHINA_TZ = "Asia/Shanghai"


def zone_name(given: str | None, *, chinese: bool) -> str:
    """The zone of times printed without an offset: the one given (the source's), else China time for a
    Chinese page, else UTC."""
    return given or (CHINA_TZ if chinese else "UTC")


def _jsonld_str(page: PageMeta, key: str) -> str | None:
    value = page.jsonld_value(key)
    return value if isinstance(value, str) else None


def _structured_published(page: PageMeta) -> str | None:
    """The publication time the page declares in its meta tags or JSON-LD, as written."""
    return page.first(PUBLISHED_KEYS) or _jsonld_str(page, "datePublished")


def htmldate_may_be_needed(page: PageMeta) -> bool:
    """Whether the published date may come from htmldate: only when the page has no parseable
    structured date (:func:`published` takes that one before anything else).

    Why: the metadata pass inside trafilatura runs htmldate anyway.  When its day may be used,
    that pass runs the extensive search (trafilatura's default), and its result *is* htmldate's
    day, with no second search of the page; otherwise the fast search, whose day is never read,
    as the extensive one (dateparser's locale matching) is the costliest part of the pass.
    """
    # Whether a text parses does not depend on the zone or the reference time.
    raw = _structured_published(page)
    return raw is None or parse_datetime_text(raw, default_tz="UTC") is None


def _htmldate(tree: Any, doc: Document, page: PageMeta, url: str | None) -> str | None:
    """htmldate's day with trafilatura's own default (extensive) parameters."""
    if htmldate_may_be_needed(page):
        return doc.date  # the metadata pass ran exactly this search (same tree, same URL)
    return find_date(tree, **{**set_date_params(extensive=True), "url": doc.url or url})


def _attribute_published(tree: Any) -> str | None:
    """A publication time some CMSs put in an attribute of the headline area (``ptime="2019-05-17 20:02:46"``
    on NetEase pages, ``data-publish-time`` elsewhere)."""
    for el in tree.xpath(_TIME_ATTRIBUTES_XPATH):
        for name in _TIME_ATTRIBUTES:
            value = (el.get(name) or "").strip()
            if value:
                return value
    return None


_TIME_ATTRIBUTES = ("ptime", "data-ptime", "pubtime", "data-pubtime", "data-publish-time", "data-pubdate")
_TIME_ATTRIBUTES_XPATH = "//*[" + " or ".join(f"@{name}" for name in _TIME_ATTRIBUTES) + "]"
_TIMED = re.compile(r"\d[:：]\d")


def _stated(raw: str | None, tz_name: str, fetched_at: datetime | None) -> StatedDate | None:
    parsed = parse_datetime_text(raw, default_tz=tz_name, now=fetched_at) if raw else None
    if raw is None or parsed is None:
        return None
    if _TIMED.search(raw):
        return StatedDate(parsed, precision_of(raw), raw)
    return StatedDate(parsed.replace(hour=0, minute=0, second=0, microsecond=0), "day", raw)


def _declared(tree: Any, page: PageMeta, tz_name: str, fetched_at: datetime | None) -> StatedDate | None:
    """The page's declared publication time: meta tags or JSON-LD, then a time attribute; a declared day
    gives way to a time attribute on the same day."""
    meta = _stated(_structured_published(page), tz_name, fetched_at)
    if meta is not None and meta.precision != "day":
        return meta
    # (The attribute search walks the whole tree: only when the metadata gave no time.)
    attribute = _stated(_attribute_published(tree), tz_name, fetched_at)
    same_day = meta is None or (attribute is not None and meta.value.date() == attribute.value.date())
    if attribute is not None and attribute.precision != "day" and same_day:
        return attribute
    return meta or attribute


def _month_names(month: int) -> str:
    return "|".join(re.escape(name) for name, number in MONTHS.items() if number == month)


_SPACE = r"(?:\s|&nbsp;|&#160;|\u00a0)+"  # the page's HTML: "Sep&nbsp;16, 2017"


def stated_precision(day: date, page_text: str) -> str | None:
    """How much of ``day`` the page states, for a day htmldate gave: htmldate turns a page that shows only a
    year into the 1st of January, and fills a day it cannot read from the current date ("2004-05" became
    2004-05-07 on the 7th). A day counts when the page writes it (2004-05-17, 2004年5月17日, 17 May 2004,
    May 17th, 2004, 17/05/2004, 20040517 or /04/0517/ in the URL …), a month when it writes the month."""
    y, m, d, yy, names = day.year, day.month, day.day, f"{day.year % 100:02d}", _month_names(day.month)
    full = (
        rf"{y}\s*[-/.年]\s*0?{m}\s*[-/.月]\s*0?{d}(?!\d)",
        rf"(?<!\d)0?{d}\s*[-/.]\s*0?{m}\s*[-/.]\s*(?:{y}|{yy}(?!\d))",
        rf"(?<!\d)0?{m}\s*[-/.]\s*0?{d}\s*[-/.]\s*(?:{y}|{yy}(?!\d))",
        rf"(?<!\d)(?:{y}|{yy})[-/_]?{m:02d}[-/_]?{d:02d}(?!\d)",
        rf"(?:{names})\.?{_SPACE}0?{d}(?:st|nd|rd|th)?,?{_SPACE}(?:{y}|{yy}(?!\d))",
        rf"(?<!\d)0?{d}(?:st|nd|rd|th)?\.?{_SPACE}(?:de{_SPACE})?(?:{names})\.?,?{_SPACE}(?:de{_SPACE})?(?:{y}|{yy}(?!\d))",
    )
    if re.search("|".join(full), page_text, re.I):
        return "day"
    month = (
        rf"{y}\s*[-/.年_]\s*0?{m}(?!\d)",
        rf"(?<![\d.])0?{m}\s*[-/]\s*{y}",
        rf"(?:{names})\.?,?{_SPACE}(?:de{_SPACE})?{y}",
        rf"(?<!\d){y}{m:02d}(?!\d)",
    )
    if re.search("|".join(month), page_text, re.I):
        return "month"
    # Not even the year written: htmldate's guess (a script's timestamp, a date in an attribute) is no date
    # the page shows.
    return "year" if re.search(rf"(?<!\d){y}(?!\d)", page_text) else None


def published(
    tree: Any,
    doc: Document,
    page: PageMeta,
    url: str | None,
    *,
    chinese: bool,
    tz_name: str,
    fetched_at: datetime | None,
    date_lines: list[str],
    page_text: str = "",
) -> StatedDate | None:
    """When the article was published, stated no more precisely than the page states it (a year, a month,
    a day or a time), with the page's wording; None when the page states no date.

    ``date_lines`` are the texts a Chinese page prints its date in (the info line by the headline, the
    first post's time), in the order they are tried; ``doc`` is trafilatura's result for the page;
    ``page_text`` is unused (kept for callers); a day htmldate gave is checked against the text the page
    shows and its URL (:func:`stated_precision`), never against its scripts or attributes.
    """
    # 1. Structured metadata carries time and offset; prefer it.
    declared = _declared(tree, page, tz_name, fetched_at)
    if declared is not None:
        if declared.precision != "day":
            return declared
        # Why: a date-only meta tag loses the time the visible date line prints
        # ("发布时间：2021年06月18日 09:12"); take that line's time when it is the same day.
        for candidate in date_lines if chinese else []:
            found = find_stated_date(candidate, default_tz=tz_name) if candidate else None
            if (
                found is not None
                and found.value.date() == declared.value.date()
                and (found.value.hour, found.value.minute) != (0, 0)
            ):
                return found
        # "2024-05-20" alone says nothing about the time: keep it a date, not fake midnight.
        return declared
    # 2. Chinese pages print "2019年02月24日 22:16" or "发布时间：…" right by the headline.
    if chinese:
        for candidate in date_lines:
            found = find_stated_date(candidate, default_tz=tz_name) if candidate else None
            if found is not None:
                midnight = (found.value.hour, found.value.minute, found.value.second) == (0, 0, 0)
                return found.coarser("day") if midnight else found
        # "3小时前" / "昨天 10:20" only mean something against the time the page was fetched, and only
        # where they stand as a date line of their own ("今天上午，…" in the first paragraph is prose).
        if fetched_at is not None:
            for candidate in date_lines:
                found = find_relative_date(candidate[:200], default_tz=tz_name, now=fetched_at)
                age = _aware(fetched_at, tz_name) - found.value if found is not None else None
                if found is not None and age is not None and timedelta(0) <= age <= timedelta(days=400):
                    return found
    # 3. htmldate's day (it also looks at the URL), no more precise than the page states it; then a
    # declared year or month ("2004", "2004-05").
    raw = _structured_published(page)
    partial = parse_partial_date(raw, default_tz=tz_name) if raw else None
    day = _htmldate(tree, doc, page, url)
    found = _htmldate_day(day, tz_name, f"{url or ''}\n{shown_text(tree)}") if day else None
    if partial is not None and (
        found is None or PRECISIONS.index(found.precision) <= PRECISIONS.index(partial.precision)
    ):
        return partial
    return found


def _htmldate_day(day: str, tz_name: str, page_text: str) -> StatedDate | None:
    try:
        value = date.fromisoformat(day[:10])
    except ValueError:
        return None
    precision = stated_precision(value, page_text)
    if precision is None:
        return None
    start = datetime(value.year, value.month, value.day, tzinfo=zone(tz_name))
    return StatedDate(start, "day").coarser(precision)


_HIDDEN = ("script", "style", "noscript", "template")


def shown_text(tree: Any) -> str:
    """The text a reader sees, plus what the page declares as metadata: every text outside scripts,
    styles and templates (the title included: a browser shows it), the values of <meta> tags, and JSON-LD.
    Not a script's variables, an attribute or a link's path."""
    parts: list[str] = []
    for el in tree.iter():
        tag = el.tag if isinstance(el.tag, str) else None
        if tag == "meta":
            parts.append(el.get("content") or "")
        elif tag == "script":
            parts.append((el.text or "") if "ld+json" in (el.get("type") or "") else "")
        elif tag is not None and tag not in _HIDDEN:
            parts.append(el.text or "")
        parts.append(el.tail or "")
    return "\n".join(parts)


def _aware(value: datetime, tz_name: str) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=zone(tz_name))


def modified(page: PageMeta, tz_name: str, fetched_at: datetime | None) -> str | None:
    """When the page says it was last modified (meta tags or JSON-LD), ISO 8601."""
    raw = page.first(MODIFIED_KEYS) or _jsonld_str(page, "dateModified")
    return format_datetime(parse_datetime_text(raw, default_tz=tz_name, now=fetched_at)) if raw else None
