"""Downloader middlewares that keep a crawl on its source (``pipelines.fetch_policy``).

Scrapy's off-site filter lets every ``dont_filter`` request through (start URLs, feeds and sitemaps of
``sources.toml``, robots.txt) and redirects keep that flag, so a start URL redirected to
``http://169.254.169.254/`` or ``http://localhost:PORT/`` would be fetched and archived. These check every
request the crawl makes, and every hop of every redirect:

- ``RequestGuardMiddleware`` (order 40, before the off-site filter at 50 and robots.txt at 100; and when a
  request is scheduled, as the off-site filter does): a request or redirect hop to a host or port the
  source does not name, or to an internal address it does not name, is refused before anything is sent.
  A refused start URL, feed, sitemap, robots.txt or redirect hop is one line
  ``failed: URL: ... refused: reason`` and a counted failure; a plain link on a page to another site is
  left to Scrapy's off-site filter (quietly, as always), and one to a refused port or address of an
  allowed host is dropped and counted in the stats (``archive/refused_links``), not as a failure.
- ``ResponseGuardMiddleware`` (order 960, so it sees each response first, before it is archived): a
  response from an internal address the source does not name (an allowed name resolving to 127.0.0.1) is
  refused; so is a body shorter or longer than its Content-Length; a redirect that loops back to a URL of
  its own chain, or a chain longer than ``ARCHIVE_MAX_REDIRECTS``, is a counted failure with its reason
  (Scrapy drops both silently). A gzip or deflate body cut off, or one that decompresses past
  DOWNLOAD_MAXSIZE, is refused where it is inflated (crawler.compression, in place of Scrapy's
  HttpCompressionMiddleware): Scrapy would store what it could decompress, or drop the page without a word.

Spiders without a ``source`` (the seed reader's local files) are not checked.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin, urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, ResponseDataLossError
from scrapy.http import Request, Response
from w3lib.url import canonicalize_url as same_url

from crawler.support import report_failure
from pipelines.fetch_policy import FetchPolicy, length_problem

REDIRECT_STATUSES = {301, 302, 303, 307, 308}


class RequestRefused(IgnoreRequest):
    """A request the fetch policy refused; already reported as a failure."""


def source_policy(spider: Any) -> FetchPolicy | None:
    source = getattr(spider, "source", None)
    if source is None or not hasattr(source, "allowed_domains"):
        return None
    return FetchPolicy.for_source(
        source.allowed_domains, [*source.start_urls, *source.feeds, *source.sitemaps]
    )


class Guard:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.policy: FetchPolicy | None = None
        self.reported: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        guard = cls(crawler)
        crawler.signals.connect(guard.spider_opened, signal=signals.spider_opened)
        return guard

    def spider_opened(self, spider: Any) -> None:
        self.policy = source_policy(spider)

    def _inc(self, key: str) -> None:
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value(key)

    def refuse(self, request: Request, what: str, reason: str) -> RequestRefused:
        """Report ``request`` as failed (named by the URL its chain began with) and give the exception that
        drops it."""
        origin = (request.meta.get("redirect_urls") or [request.url])[0]
        message = f"{what} refused: {reason}"
        if (origin, message) not in self.reported:  # robots.txt is asked for twice (Scrapy's and ours)
            self.reported.add((origin, message))
            self._inc("archive/refused")
            report_failure(self.crawler, origin, message, stage="fetch")
        return RequestRefused(message)


class RequestGuardMiddleware(Guard):
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        guard = super().from_crawler(crawler)
        # Also when a request is scheduled: Scrapy's off-site filter drops a redirect hop to another host
        # there, quietly, before any downloader middleware sees it.
        crawler.signals.connect(guard.request_scheduled, signal=signals.request_scheduled)
        return guard

    def request_scheduled(self, request: Request) -> None:
        self.process_request(request)

    def process_request(self, request: Request) -> None:
        if self.policy is None:
            return
        reason = self.policy.refusal(request.url)
        if reason is None:
            return
        hop = bool(request.meta.get("redirect_urls"))
        if hop:
            raise self.refuse(request, f"redirect to {request.url}", reason)
        if request.dont_filter:
            raise self.refuse(request, f"request to {request.url}", reason)
        if self.policy.is_offsite(request.url):
            return  # a link to another site: Scrapy's off-site filter drops it, as it always has
        self._inc("archive/refused_links")
        raise IgnoreRequest(f"link refused: {reason}")

    def process_exception(self, request: Request, exception: Exception) -> None:
        """A body cut short of its Content-Length (the connection closed), after its retries: a failure
        that says so (Scrapy names only the exception's class)."""
        if self.policy is not None and isinstance(exception, ResponseDataLossError):
            problem = "truncated: the connection closed before the whole Content-Length was received"
            raise self.refuse(request, f"response from {request.url}", problem)


class ResponseGuardMiddleware(Guard):
    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.max_redirects = crawler.settings.getint("ARCHIVE_MAX_REDIRECTS", 10)

    def process_response(self, request: Request, response: Response) -> Response:
        if self.policy is None:
            return response
        address = getattr(response, "ip_address", None)
        host = urlsplit(response.url).hostname
        if address is not None and host:
            reason = self.policy.address_refusal(host, str(address))
            if reason is not None:
                raise self.refuse(request, f"response from {response.url}", reason)
        if request.method != "HEAD" and response.status not in (204, 304) and response.status >= 200:
            problem = length_problem(response.body, _header(response, b"Content-Length"))
            if problem is not None:
                raise self.refuse(request, f"response from {response.url}", problem)
        location = response.headers.get("Location")
        if (
            response.status in REDIRECT_STATUSES
            and location
            and not request.meta.get("dont_redirect")
            and response.status not in request.meta.get("handle_httpstatus_list", ())
        ):
            target = urljoin(request.url, location.decode("latin-1").strip())
            chain = [*request.meta.get("redirect_urls", []), request.url]
            if same_url(target) in {same_url(u) for u in chain}:
                raise self.refuse(request, f"redirect to {target}", "a redirect loop")
            if len(chain) > self.max_redirects:
                raise self.refuse(
                    request, f"redirect to {target}", f"more than {self.max_redirects} redirects in a row"
                )
        return response


def _header(response: Response, name: bytes) -> str | None:
    values = response.headers.getlist(name)
    return b", ".join(values).decode("latin-1") if values else None
