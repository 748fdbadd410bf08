"""Source definitions: which news sites to crawl and how, read from ``sources.toml``.

Every error names the file, the source and the field, so a typo in a 30-source file is found at once.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_SOURCES_FILE = "sources.toml"
_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_INTERVAL = re.compile(r"^(\d+)\s*([smhdw])$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


class SourcesError(ValueError):
    """A malformed sources file: the message names the file, the source and the field."""


@dataclass(frozen=True)
class Source:
    key: str
    name: str
    start_urls: tuple[str, ...]
    allowed_domains: tuple[str, ...]
    region: str | None = None
    language: str | None = None
    timezone: str = "Asia/Shanghai"
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    article_patterns: tuple[str, ...] = ()  # regexes (searched in the URL) of article pages
    list_patterns: tuple[str, ...] = ()  # regexes of channel / list pages to follow
    pagination_patterns: tuple[str, ...] = ()  # regexes of "next page" links of list pages
    deny_patterns: tuple[str, ...] = ()
    max_depth: int = 3
    max_pages: int = 5000
    schedule: str = "1h"  # an interval ("30m", "6h") or a five-field cron expression
    recheck_after: str | None = None  # re-fetch a known article (conditionally) once it is this old
    discover_feeds: bool = True  # look for feeds and sitemaps in <link> tags and robots.txt
    host_aliases: dict[str, str] = field(default_factory=dict)  # e.g. mobile host -> desktop host

    def as_config(self) -> dict[str, Any]:
        return asdict(self)


def parse_interval(value: str) -> int:
    """Seconds in an interval such as ``30m``; ValueError for anything else."""
    match = _INTERVAL.match(value.strip())
    if not match:
        raise ValueError(f"{value!r} is not an interval like 30m, 6h or 1d")
    return int(match.group(1)) * _UNIT_SECONDS[match.group(2)]


def is_cron(value: str) -> bool:
    return len(value.split()) == 5


class _Checker:
    def __init__(self, file: str, key: str, raw: dict[str, Any]) -> None:
        self.file, self.key, self.raw = file, key, raw

    def fail(self, name: str, problem: str) -> SourcesError:
        return SourcesError(f"{self.file}: source '{self.key}': field '{name}' {problem}")

    def string(self, name: str, default: str | None = None, *, required: bool = False) -> str | None:
        value = self.raw.get(name, default)
        if value is None and required:
            raise self.fail(name, "is required")
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise self.fail(name, "must be a non-empty string")
        return value

    def strings(self, name: str) -> tuple[str, ...]:
        value = self.raw.get(name, [])
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            raise self.fail(name, "must be a list of strings")
        return tuple(value)

    def urls(self, name: str) -> tuple[str, ...]:
        urls = self.strings(name)
        for url in urls:
            parts = urlsplit(url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise self.fail(name, f"must hold http(s) URLs, not {url!r}")
        return urls

    def patterns(self, name: str) -> tuple[str, ...]:
        patterns = self.strings(name)
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise self.fail(name, f"has an invalid regular expression {pattern!r}: {exc}") from None
        return patterns

    def positive_int(self, name: str, default: int) -> int:
        value = self.raw.get(name, default)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise self.fail(name, "must be a whole number ≥ 0")
        return value


_FIELDS = {f for f in Source.__dataclass_fields__ if f != "key"}


def source_from_dict(key: str, raw: dict[str, Any], *, file: str = DEFAULT_SOURCES_FILE) -> Source:
    check = _Checker(file, key, raw)
    if not _KEY.match(key):
        raise SourcesError(f"{file}: source '{key}': keys are lower-case letters, digits, '-' and '_'")
    unknown = sorted(set(raw) - _FIELDS)
    if unknown:
        raise check.fail(unknown[0], f"is not a source field (known: {', '.join(sorted(_FIELDS))})")
    start_urls = check.urls("start_urls")
    feeds, sitemaps = check.urls("feeds"), check.urls("sitemaps")
    if not (start_urls or feeds or sitemaps):
        raise check.fail("start_urls", "is required (or feeds / sitemaps)")
    domains = check.strings("allowed_domains") or tuple(
        sorted({urlsplit(u).hostname or "" for u in (*start_urls, *feeds, *sitemaps)})
    )
    timezone = check.string("timezone", "Asia/Shanghai") or "Asia/Shanghai"
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise check.fail("timezone", f"is not a known time zone: {timezone!r}") from None
    schedule = check.string("schedule", "1h") or "1h"
    if not is_cron(schedule):
        try:
            parse_interval(schedule)
        except ValueError as exc:
            raise check.fail("schedule", f"must be an interval or a cron expression: {exc}") from None
    recheck = check.string("recheck_after")
    if recheck is not None:
        try:
            parse_interval(recheck)
        except ValueError as exc:
            raise check.fail("recheck_after", str(exc)) from None
    aliases = raw.get("host_aliases", {})
    if not isinstance(aliases, dict) or not all(isinstance(v, str) for v in aliases.values()):
        raise check.fail("host_aliases", "must be a table of host = host")
    discover = raw.get("discover_feeds", True)
    if not isinstance(discover, bool):
        raise check.fail("discover_feeds", "must be true or false")
    return Source(
        key=key,
        name=check.string("name", required=True) or key,
        region=check.string("region"),
        language=check.string("language"),
        timezone=timezone,
        start_urls=start_urls,
        feeds=feeds,
        sitemaps=sitemaps,
        allowed_domains=domains,
        article_patterns=check.patterns("article_patterns"),
        list_patterns=check.patterns("list_patterns"),
        pagination_patterns=check.patterns("pagination_patterns"),
        deny_patterns=check.patterns("deny_patterns"),
        max_depth=check.positive_int("max_depth", 3),
        max_pages=check.positive_int("max_pages", 5000),
        schedule=schedule,
        recheck_after=recheck,
        discover_feeds=discover,
        host_aliases=dict(aliases),
    )


def load_sources(path: str | Path = DEFAULT_SOURCES_FILE) -> dict[str, Source]:
    """All sources of a sources file, by key, in file order."""
    file = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourcesError(f"{file}: no such sources file") from None
    except tomllib.TOMLDecodeError as exc:
        raise SourcesError(f"{file}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise SourcesError(f"{file}: not UTF-8 text") from None
    sources = data.get("sources")
    if not isinstance(sources, dict) or not sources:
        raise SourcesError(f"{file}: expected [sources.KEY] tables, found none")
    result = {}
    for key, raw in sources.items():
        if not isinstance(raw, dict):
            raise SourcesError(f"{file}: source '{key}' must be a table ([sources.{key}])")
        result[key] = source_from_dict(key, raw, file=file)
    return result


def select_sources(sources: dict[str, Source], keys: list[str] | tuple[str, ...]) -> list[Source]:
    unknown = [k for k in keys if k not in sources]
    if unknown:
        raise SourcesError(f"unknown source(s): {', '.join(unknown)} (known: {', '.join(sources)})")
    return [sources[k] for k in keys] if keys else list(sources.values())


def adhoc_source(start_url: str, *, allow: tuple[str, ...] = (), article: tuple[str, ...] = ()) -> Source:
    """A source for a site with no definition: crawl within the start URL's host."""
    host = urlsplit(start_url).hostname
    if urlsplit(start_url).scheme not in ("http", "https") or not host:
        raise SourcesError(f"--start-url must be an http(s) URL, not {start_url!r}")
    raw: dict[str, Any] = {
        "name": host,
        "start_urls": [start_url],
        "allowed_domains": [host],
        "list_patterns": list(allow),
        "article_patterns": list(article),
    }
    return source_from_dict(re.sub(r"[^a-z0-9-]+", "-", host.lower()).strip("-"), raw, file="--start-url")
