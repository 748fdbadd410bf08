"""The published and modified fields: the page's structured metadata first, then the date line by the
headline (Chinese pages), then htmldate. Parsing the texts themselves is :mod:`.dates`' job."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from htmldate import find_date
from trafilatura.settings import Document, set_date_params

from .dates import find_date_in_text, format_datetime, parse_datetime_text, zone
from .pagemeta import MODIFIED_KEYS, PUBLISHED_KEYS, PageMeta

__all__ = ["htmldate_may_be_needed", "modified", "published", "zone_name"]

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


def _aware(value: datetime, tz_name: str) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=zone(tz_name))


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
) -> str | None:
    """When the article was published: ISO 8601 with its offset, or a bare date when no time is known.

    ``date_lines`` are the texts a Chinese page prints its date in (the info line by the headline, the
    first post's time), in the order they are tried; ``doc`` is trafilatura's result for the page.
    """
    # 1. Structured metadata carries time and offset; prefer it.
    raw = _structured_published(page)
    if raw:
        parsed = parse_datetime_text(raw, default_tz=tz_name, now=fetched_at)
        if parsed is not None:
            if re.search(r"\d[:：]\d", raw):
                return format_datetime(parsed)
            # Why: a date-only meta tag loses the time the visible date line prints
            # ("发布时间：2021年06月18日 09:12"); take that line's time when it is the same day.
            for candidate in date_lines if chinese else []:
                found = (
                    find_date_in_text(candidate, default_tz=tz_name, now=fetched_at) if candidate else None
                )
                if (
                    found is not None
                    and found.date() == parsed.date()
                    and (found.hour, found.minute) != (0, 0)
                ):
                    return format_datetime(found)
            # "2024-05-20" alone says nothing about the time: keep it a date, not fake midnight.
            return parsed.date().isoformat()
    # 2. Chinese pages print "2019年02月24日 22:16" or "发布时间：…" right by the headline.
    if chinese:
        for candidate in date_lines:
            found = find_date_in_text(candidate, default_tz=tz_name, now=fetched_at) if candidate else None
            if found is not None:
                midnight = (found.hour, found.minute, found.second) == (0, 0, 0)
                return found.date().isoformat() if midnight else format_datetime(found)
        # "3小时前" / "昨天 10:20" only mean something against the time the page was fetched.
        if fetched_at is not None:
            for candidate in date_lines:
                found = parse_datetime_text(candidate[:200], default_tz=tz_name, now=fetched_at)
                age = _aware(fetched_at, tz_name) - found if found is not None else None
                if found is not None and age is not None and timedelta(0) <= age <= timedelta(days=400):
                    return format_datetime(found)
    # 3. htmldate's day (it also looks at the URL); a date without time stays a date.
    return _htmldate(tree, doc, page, url) or None


def modified(page: PageMeta, tz_name: str, fetched_at: datetime | None) -> str | None:
    """When the page says it was last modified (meta tags or JSON-LD), ISO 8601."""
    raw = page.first(MODIFIED_KEYS) or _jsonld_str(page, "dateModified")
    return format_datetime(parse_datetime_text(raw, default_tz=tz_name, now=fetched_at)) if raw else None
