"""Downloader middlewares: incremental re-crawls (skip or conditionally re-fetch known articles) and
exponential backoff between retries."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from crawler.support import archive_db_path
from pipelines.archive.lookup import KnownArticle, known_article, resolve_redirects
from pipelines.archive.schema import open_archive
from pipelines.archive.store import mark_not_modified, save_redirect
from pipelines.documents.urls import canonicalize_url
from pipelines.headers import header_value
from pipelines.sources import parse_interval

ARTICLE_META = "archive_article"
RECHECK_META = "archive_recheck_article"
REDIRECT_STATUSES = {301, 302, 303, 307, 308}


class KnownArticlesMiddleware:
    """A known article page is not fetched again, unless it is due for a re-check: then it is fetched with
    a conditional GET (If-None-Match / If-Modified-Since), and a 304 counts as unchanged."""

    def __init__(self, crawler: Crawler, db_path: str, default_recheck: str | None) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.default_recheck = default_recheck

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownArticlesMiddleware:
        mw = cls(crawler, archive_db_path(crawler), crawler.settings.get("ARCHIVE_RECHECK_AFTER") or None)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def spider_opened(self, spider: Any) -> None:
        self.db = open_archive(self.db_path)
        source = getattr(spider, "source", None)
        self.host_aliases = getattr(source, "host_aliases", {}) or {}
        recheck = getattr(source, "recheck_after", None) or self.default_recheck
        self.recheck_after = timedelta(seconds=parse_interval(recheck)) if recheck else None

    def spider_closed(self) -> None:
        self.db.close()

    def _inc(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)

    def canonical(self, url: str) -> str:
        return canonicalize_url(url, host_aliases=self.host_aliases)

    def _known(self, request: Request) -> KnownArticle | None:
        canonical = self.canonical(request.url)
        return known_article(self.db, [canonical, request.url, resolve_redirects(self.db, canonical)])

    def process_request(self, request: Request) -> None:
        if not request.meta.get(ARTICLE_META):
            return
        known = self._known(request)
        if known is None:
            return
        fetched = datetime.fromisoformat(known.fetched_at) if known.fetched_at else None
        due = self.recheck_after is not None and (
            fetched is None or datetime.now(UTC) - fetched >= self.recheck_after
        )
        if not due:
            self._inc("archive/skipped_known")
            raise IgnoreRequest(f"already archived as article {known.id}")
        if (etag := header_value(known.headers, "etag")) is not None:
            request.headers["If-None-Match"] = etag
        if (last_modified := header_value(known.headers, "last-modified")) is not None:
            request.headers["If-Modified-Since"] = last_modified
        request.meta[RECHECK_META] = known.id
        request.meta.setdefault("handle_httpstatus_list", []).append(304)

    def process_response(self, request: Request, response: Response) -> Response:
        location = response.headers.get("Location")
        if request.meta.get(ARTICLE_META) and response.status in REDIRECT_STATUSES and location:
            target = response.urljoin(location.decode("latin-1"))
            save_redirect(self.db, self.canonical(request.url), self.canonical(target), response.status)
        article_id = request.meta.get(RECHECK_META)
        if article_id is not None and response.status == 304:
            mark_not_modified(self.db, article_id)
            self._inc("archive/unchanged")
            self._inc("archive/not_modified")
            raise IgnoreRequest(f"not modified since article {article_id} was fetched")
        return response


class RetryBackoffMiddleware:
    """Waits before each retry, twice as long each time, so a struggling server gets room to recover.

    Scrapy's RetryMiddleware re-schedules failed requests at once; this delays them (without blocking the
    reactor) by ARCHIVE_RETRY_BACKOFF_BASE * 2**(n-1) seconds, capped at ARCHIVE_RETRY_BACKOFF_MAX.
    """

    def __init__(self, base: float, cap: float) -> None:
        self.base, self.cap = base, cap

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryBackoffMiddleware:
        return cls(
            crawler.settings.getfloat("ARCHIVE_RETRY_BACKOFF_BASE", 1.0),
            crawler.settings.getfloat("ARCHIVE_RETRY_BACKOFF_MAX", 60.0),
        )

    async def process_request(self, request: Request) -> None:
        retries = int(request.meta.get("retry_times", 0))
        if retries > 0 and self.base > 0:
            await asyncio.sleep(min(self.base * 2 ** (retries - 1), self.cap))
