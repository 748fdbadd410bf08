"""Downloader middlewares: incremental re-crawls (skip or conditionally re-fetch known articles, and the
pages known not to be articles) and exponential backoff between retries."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future
from datetime import UTC, datetime, timedelta
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

from crawler.items import ArticleItem
from crawler.support import archive_db_path, not_an_article
from crawler.writer_thread import WriterThread
from pipelines.archive.lookup import (
    KnownSkipped,
    known_article,
    resolve_redirects,
    skipped_page,
)
from pipelines.archive.schema import open_archive
from pipelines.archive.skipped import SkippedPage, forget_skipped, mark_skipped_not_modified, record_skipped
from pipelines.archive.store import mark_not_modified, save_redirect
from pipelines.documents.raw import RawDocument
from pipelines.documents.urls import canonicalize_url
from pipelines.headers import header_value
from pipelines.sources import parse_interval

ARTICLE_META = "archive_article"
RECHECK_META = "archive_recheck_article"
RECHECK_SKIPPED_META = "archive_recheck_skipped"  # the canonical URL of a skipped page fetched again
REDIRECT_STATUSES = {301, 302, 303, 307, 308}

logger = logging.getLogger(__name__)


class KnownArticlesMiddleware:
    """A known article page is not fetched again, unless it is due for a re-check: then it is fetched with
    a conditional GET (If-None-Match / If-Modified-Since), and a 304 counts as unchanged.

    A page the crawl took for an article that extraction rejected (``item_dropped`` with a "not an article"
    DocumentError) is remembered in ``skipped_pages`` and treated the same way: not fetched again before
    ``recheck_after``, then conditionally; a 304 keeps it skipped, a page that now extracts as an article is
    stored as usual and leaves the table. Those writes run on a writer thread of their own, as StorePipeline's
    do, so the reactor never waits for a commit; the look-ups before each request stay here (indexed reads).
    """

    def __init__(self, crawler: Crawler, db_path: str, default_recheck: str | None) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.default_recheck = default_recheck
        self.writer: WriterThread | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownArticlesMiddleware:
        mw = cls(crawler, archive_db_path(crawler), crawler.settings.get("ARCHIVE_RECHECK_AFTER") or None)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(mw.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(mw.item_scraped, signal=signals.item_scraped)
        return mw

    def spider_opened(self, spider: Any) -> None:
        self.db = open_archive(self.db_path)
        source = getattr(spider, "source", None)
        self.host_aliases = getattr(source, "host_aliases", {}) or {}
        recheck = getattr(source, "recheck_after", None) or self.default_recheck
        self.recheck_after = timedelta(seconds=parse_interval(recheck)) if recheck else None
        # Files read by ingest are the user's own inputs, reported as failures: never remembered as skipped.
        self.remembers_skipped = not getattr(spider, "every_input_is_an_article", False)
        self.writer = WriterThread("skipped-writer")
        self.writer_db = self.writer.call(open_archive, self.db_path)

    def spider_closed(self) -> Any:
        if self.writer is not None and self.crawler.settings.getbool("ARCHIVE_MANY_CRAWLS"):
            # The other crawls of the process go on while this one's last writes wait for their turn.
            return asyncio.ensure_future(self._close_async(self.writer))
        if self.writer is not None:
            self.writer.call(self.writer_db.close)  # after every write submitted before it
            self.writer.close()
            self.writer = None
        self.db.close()
        return None

    async def _close_async(self, writer: WriterThread) -> None:
        self.writer = None
        await writer.run(self.writer_db.close)  # after every write submitted before it
        writer.close()  # its queue is empty: returns at once
        self.db.close()

    def _write(self, fn: Any, *args: Any) -> None:
        """Run ``fn(db, *args)`` on the writer thread; a failure is logged, the crawl goes on."""
        assert self.writer is not None
        future = self.writer.submit(fn, self.writer_db, *args)

        def report(done: Future[Any]) -> None:
            if (exc := done.exception()) is not None:
                logger.error("could not update skipped_pages: %s", exc)

        future.add_done_callback(report)

    def _inc(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)

    def canonical(self, url: str) -> str:
        return canonicalize_url(url, host_aliases=self.host_aliases)

    def _keys(self, request: Request) -> list[str]:
        canonical = self.canonical(request.url)
        return [canonical, request.url, resolve_redirects(self.db, canonical)]

    def _due(self, last_fetched: str | None) -> bool:
        """Whether a page fetched at ``last_fetched`` is due for a re-check (never without recheck_after)."""
        if self.recheck_after is None:
            return False
        if not last_fetched:
            return True
        fetched = datetime.fromisoformat(last_fetched)
        fetched = fetched if fetched.tzinfo else fetched.replace(tzinfo=UTC)
        return datetime.now(UTC) - fetched >= self.recheck_after

    @staticmethod
    def _conditional(request: Request, etag: str | None, last_modified: str | None) -> None:
        if etag is not None:
            request.headers["If-None-Match"] = etag
        if last_modified is not None:
            request.headers["If-Modified-Since"] = last_modified
        request.meta.setdefault("handle_httpstatus_list", []).append(304)

    def process_request(self, request: Request) -> None:
        if not request.meta.get(ARTICLE_META):
            return
        keys = self._keys(request)  # a redirect look-up: once for both questions
        known = known_article(self.db, keys)
        if known is None:
            self._skipped_page_request(request, keys)
            return
        if not self._due(known.fetched_at):
            self._inc("archive/skipped_known")
            raise IgnoreRequest(f"already archived as article {known.id}")
        self._conditional(
            request, header_value(known.headers, "etag"), header_value(known.headers, "last-modified")
        )
        request.meta[RECHECK_META] = known.id

    def _skipped_page_request(self, request: Request, keys: list[str]) -> None:
        """A page remembered as not an article: skipped until due, then fetched conditionally."""
        skipped: KnownSkipped | None = skipped_page(self.db, keys)
        if skipped is None:
            return
        if not self._due(skipped.last_seen):
            self._inc("archive/skipped_pages/not_fetched")
            raise IgnoreRequest(f"not an article when last fetched ({skipped.reason})")
        self._conditional(request, skipped.etag, skipped.last_modified)
        request.meta[RECHECK_SKIPPED_META] = skipped.canonical_url

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
        skipped = request.meta.get(RECHECK_SKIPPED_META)
        if skipped is not None and response.status == 304:
            self._write(mark_skipped_not_modified, skipped)
            self._inc("archive/skipped_pages/not_modified")
            raise IgnoreRequest(f"not modified since it was found not to be an article: {skipped}")
        return response

    # -- what extraction made of the pages --------------------------------------------------------------

    def item_dropped(self, item: Any, response: Response | None, exception: BaseException) -> None:
        if isinstance(item, ArticleItem):  # an article after all (an exact copy of one): not skipped any more
            self._forget(item, response)
            return
        error = not_an_article(exception)
        if not (isinstance(item, RawDocument) and error is not None and self.remembers_skipped):
            return
        canonical = item.url or self.canonical(item.name)
        self._write(
            record_skipped,
            SkippedPage(
                canonical_url=canonical,
                reason=error.reason,
                url=item.name,
                source=item.source,
                etag=header_value(item.headers, "etag"),
                last_modified=header_value(item.headers, "last-modified"),
                status=item.status,
                capture_id=item.capture_id,
            ),
        )
        self._inc("archive/skipped_pages/recorded")

    def item_scraped(self, item: Any, response: Response | None) -> None:
        if isinstance(item, ArticleItem):
            self._forget(item, response)

    def _forget(self, item: ArticleItem, response: Response | None) -> None:
        """A page re-checked as a skipped page that now is an article leaves skipped_pages. Only re-checks can
        be in the table: any other request for a skipped page was not made (process_request)."""
        meta = response.meta if response is not None and response.request is not None else {}
        skipped = meta.get(RECHECK_SKIPPED_META)
        if skipped is None:
            return
        keys = [skipped, *(k for k in (item.page.url, *item.page.aliases) if k)]
        self._write(forget_skipped, keys)
        self._inc("archive/skipped_pages/now_articles")


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
