"""The generic news spider: one source definition → list pages, feeds and sitemaps → article pages.

``scrapy crawl news -a source=KEY`` (or ``newsarchive crawl KEY``). Discovery uses Scrapy's own machinery:
CrawlSpider rules with LinkExtractor for channel and list pages, Scrapy's sitemap parser (robots.txt
``Sitemap:`` lines, sitemap indexes, Google News sitemaps) and RSS/Atom feeds found in ``<link>`` tags.
Article pages become ``RawDocument``s with their bytes as received; extraction happens in the item pipelines.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from lxml import etree
from scrapy.exceptions import CloseSpider
from scrapy.http import Request, Response
from scrapy.linkextractors import LinkExtractor
from scrapy.spidermiddlewares.httperror import HttpError
from scrapy.spiders import CrawlSpider, Rule
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawler.middlewares import ARTICLE_META
from crawler.support import report_failure, response_headers
from crawler.warc_middleware import CAPTURE_META
from pipelines.documents import RawDocument
from pipelines.documents.feeds import feed_links
from pipelines.documents.urls import canonicalize_url, is_tracking_param
from pipelines.sources import DEFAULT_SOURCES_FILE, Source, load_sources

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml")


class NewsSpider(CrawlSpider):
    name = "news"
    run_kind = "crawl"
    # Only the web: a redirect must never lead the crawler to local files or other schemes.
    custom_settings: dict[str, Any] | None = {  # noqa: RUF012 (Scrapy declares it so)
        "DOWNLOAD_HANDLERS": {"file": None, "s3": None, "ftp": None, "data": None},
    }

    def __init__(
        self,
        source: str | Source | None = None,
        sources: str | None = None,
        **kwargs: Any,
    ) -> None:
        if source is None:
            raise ValueError("the news spider needs a source: scrapy crawl news -a source=KEY")
        if isinstance(source, str):
            defined = load_sources(sources or DEFAULT_SOURCES_FILE)
            if source not in defined:
                raise ValueError(f"unknown source {source!r} (known: {', '.join(defined)})")
            source = defined[source]
        self.source = source
        self.source_key = source.key
        self.allowed_domains = list(source.allowed_domains)
        self.start_urls = list(source.start_urls)
        self.run_args = {"source": source.key, "start_urls": self.start_urls}
        self.rules = self._build_rules(source)
        self.pages_seen = 0
        super().__init__(**kwargs)

    # -- discovery -------------------------------------------------------------------------------------

    def _build_rules(self, source: Source) -> tuple[Rule, ...]:
        def links(**kwargs: Any) -> LinkExtractor:
            # Patterns are matched against links without tracking parameters or fragments.
            return LinkExtractor(process_value=strip_tracking, **kwargs)

        deny = list(source.deny_patterns)
        lists = [*source.list_patterns, *source.pagination_patterns]
        if not source.article_patterns:
            # No idea which pages are articles: follow everything on the site and let extraction decide.
            return (
                Rule(
                    links(deny=deny),
                    callback="parse_article",
                    errback="fetch_failed",
                    follow=True,
                    process_request="prepare_request",
                ),
            )
        rules = [
            Rule(
                links(allow=list(source.article_patterns), deny=deny),
                callback="parse_article",
                errback="fetch_failed",
                follow=False,
                process_request="prepare_article_request",
            ),
        ]
        if lists:
            rules.append(
                Rule(
                    links(allow=lists, deny=deny),
                    follow=True,
                    errback="fetch_failed",
                    process_request="prepare_request",
                )
            )
        return tuple(rules)

    def canonical(self, url: str) -> str:
        return canonicalize_url(url, host_aliases=self.source.host_aliases)

    def prepare_request(self, request: Request, response: Response) -> Request | None:
        """Canonical URL (so tracking parameters never make a page look new) and the depth limit."""
        if response.meta.get("depth", 0) + 1 > self.source.max_depth:
            return None
        return request.replace(url=self.canonical(request.url))

    def prepare_article_request(self, request: Request, response: Response) -> Request | None:
        prepared = self.prepare_request(request, response)
        if prepared is not None:
            prepared.meta[ARTICLE_META] = True
        return prepared

    def is_article_url(self, url: str) -> bool:
        patterns = self.source.article_patterns
        return not patterns or any(re.search(p, url) for p in patterns)

    def article_request(self, url: str) -> Request:
        return Request(
            self.canonical(url),
            callback=self.parse_article,
            errback=self.fetch_failed,
            meta={ARTICLE_META: True},
        )

    def fetch_failed(self, failure: Any) -> None:
        """A page that could not be fetched (HTTP error, timeout, too large) is a failed input of the crawl:
        an article lost, or a list page, feed or sitemap whose articles could not be discovered."""
        from scrapy.exceptions import IgnoreRequest

        if failure.check(IgnoreRequest) and not failure.check(HttpError):
            return  # known articles skipped on purpose, robots.txt, off-site: not failures
        request = failure.request
        reason = failure.getErrorMessage() or failure.type.__name__
        if failure.check(HttpError):
            response = failure.value.response
            reason = f"HTTP {response.status}"
            location = response.headers.get("Location")
            if 300 <= response.status < 400 and location:
                # Scrapy refuses redirects to other schemes (file:, ftp:); say where it tried to go.
                reason += f": redirect to {location.decode('latin-1')} not followed"
        report_failure(self.crawler, request.url, reason, stage="fetch")

    async def start(self) -> AsyncIterator[Any]:
        for url in self.source.start_urls:
            yield Request(
                self.canonical(url), callback=self._parse, errback=self.fetch_failed, dont_filter=True
            )
        for url in self.source.feeds:
            yield Request(url, callback=self.parse_feed, errback=self.fetch_failed, dont_filter=True)
        for url in self.source.sitemaps:
            yield Request(url, callback=self.parse_sitemap, errback=self.fetch_failed, dont_filter=True)
        if self.source.discover_feeds:
            for root in sorted(
                {f"{urlsplit(u).scheme}://{urlsplit(u).netloc}" for u in self.source.start_urls}
            ):
                yield Request(
                    root + "/robots.txt",
                    callback=self.parse_robots,
                    errback=self.robots_unavailable,
                    dont_filter=True,
                    # Not retried: Scrapy's RobotsTxtMiddleware fetches the same file (with retries) first;
                    # on a dead site a second round of retries only delayed the failure by ~15 s.
                    meta={"dont_obey_robotstxt": True, "handle_httpstatus_list": [404], "dont_retry": True},
                )

    def parse_start_url(self, response: Response, **kwargs: Any) -> Iterable[Any]:
        """A start page also tells where its feeds are."""
        if not self.source.discover_feeds or not hasattr(response, "xpath"):
            return
        known = set(self.source.feeds)
        for link in response.xpath("//link[@rel='alternate'][@href]"):
            if (link.attrib.get("type") or "").lower() in FEED_TYPES:
                url = response.urljoin(link.attrib["href"])
                if url not in known:
                    known.add(url)
                    yield Request(url, callback=self.parse_feed, errback=self.fetch_failed)

    def robots_unavailable(self, failure: Any) -> None:
        # No robots.txt means no sitemaps to learn from it; the start page's own failure is the one reported.
        self.logger.debug("robots.txt unavailable: %s", failure.getErrorMessage())

    def parse_robots(self, response: Response) -> Iterable[Request]:
        if response.status != 200:
            return
        for url in sitemap_urls_from_robots(response.body, base_url=response.url):
            if url not in self.source.sitemaps:
                yield Request(url, callback=self.parse_sitemap, errback=self.fetch_failed)

    def parse_sitemap(self, response: Response) -> Iterable[Request]:
        try:
            sitemap = Sitemap(response.body)
        except (etree.XMLSyntaxError, ValueError):
            self.logger.warning("not a sitemap: %s", response.url)
            return
        for entry in sitemap:
            url = urljoin(response.url, entry.get("loc", "").strip())
            if not url:
                continue
            if sitemap.type == "sitemapindex":
                yield Request(url, callback=self.parse_sitemap, errback=self.fetch_failed)
            elif self.is_article_url(url):
                yield self.article_request(url)

    def parse_feed(self, response: Response) -> Iterable[Request]:
        links = feed_links(response.body)
        if links is None:
            self.logger.warning("not a feed: %s", response.url)
            return
        for link in links:
            url = urljoin(response.url, link)
            if url.startswith(("http://", "https://")) and self.is_article_url(url):
                yield self.article_request(url)

    # -- articles --------------------------------------------------------------------------------------

    def parse_article(self, response: Response) -> Iterable[RawDocument]:
        self.pages_seen += 1
        if self.source.max_pages and self.pages_seen > self.source.max_pages:
            raise CloseSpider("max_pages")
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("archive/inputs")
        requested = [
            *response.meta.get("redirect_urls", []),
            response.request.url if response.request else None,
        ]
        aliases = sorted({self.canonical(u) for u in requested if u} - {self.canonical(response.url)})
        yield RawDocument(
            body=response.body,
            name=response.url,
            fetched_at=datetime.now(UTC).isoformat(timespec="seconds"),
            url=self.canonical(response.url),
            headers=response_headers(response),
            status=response.status,
            source=self.source.key,
            timezone=self.source.timezone,
            kind="html",
            aliases=aliases,
            capture_id=response.meta.get(CAPTURE_META),
        )


def strip_tracking(href: str) -> str:
    """A link (relative or absolute) without its fragment and tracking parameters."""
    parts = urlsplit(href.strip())
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
    )
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, ""))
