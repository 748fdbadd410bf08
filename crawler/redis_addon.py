"""What a crawl started by ``newsarchive worker`` adds to the project: known articles shared through Redis,
and for a source several workers crawl together, scrapy-redis' shared frontier.

A Scrapy add-on (``-s ADDONS={"crawler.redis_addon.RedisAddon": 0}``), so the worker's crawl keeps every
setting of the project and only adds these; with no ``ARCHIVE_REDIS_URL`` it adds nothing:

- ``KnownInRedisMiddleware`` (just after ``KnownArticlesMiddleware``): an article page whose URL some worker
  already stored (``pipelines.distributed.known``) is not fetched, and counts as a known page skipped;
- with ``ARCHIVE_REDIS_FRONTIER`` (a key prefix, per source): scrapy-redis' scheduler and fingerprint filter
  on ``PREFIX:requests`` and ``PREFIX:dupefilter``, so the workers crawling the source share one queue of
  requests and no page is fetched twice in a round; each takes only as many requests off it as it fetches at
  once from the site (``CONCURRENT_REQUESTS`` = ``CONCURRENT_REQUESTS_PER_DOMAIN``). Kept when a worker
  finishes (``SCHEDULER_PERSIST``): the others may still be crawling; ``schedule --redis`` clears it before
  the next round.
"""

from __future__ import annotations

from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request
from scrapy.settings import BaseSettings

from crawler.middlewares import ARTICLE_META, RECHECK_META
from pipelines.distributed.keys import RedisKeys
from pipelines.distributed.known import is_known
from pipelines.documents.urls import canonicalize_url

MIDDLEWARE = "crawler.redis_addon.KnownInRedisMiddleware"
MIDDLEWARE_ORDER = 655  # after KnownArticlesMiddleware (650): the shard's own archive is asked first


class RedisAddon:
    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("ARCHIVE_REDIS_URL")
        if not url:
            return
        settings["DOWNLOADER_MIDDLEWARES"][MIDDLEWARE] = MIDDLEWARE_ORDER
        frontier = settings.get("ARCHIVE_REDIS_FRONTIER")
        if frontier:
            shared = {
                "SCHEDULER": "scrapy_redis.scheduler.Scheduler",
                "DUPEFILTER_CLASS": "scrapy_redis.dupefilter.RFPDupeFilter",
                "SCHEDULER_QUEUE_KEY": f"{frontier}:requests",
                "SCHEDULER_DUPEFILTER_KEY": f"{frontier}:dupefilter",
                "SCHEDULER_PERSIST": True,
                "REDIS_URL": url,
            }
            for name, value in shared.items():
                settings.set(name, value, priority="addon")
            # A crawl takes CONCURRENT_REQUESTS requests off the frontier into its own downloader; left at the
            # project's 16 for one site, the first worker would hold what the others should share. So only
            # as many as it fetches at once from the site (above the project's setting; -s still wins).
            per_site = settings.getint("CONCURRENT_REQUESTS_PER_DOMAIN") or 2
            settings.set("CONCURRENT_REQUESTS", per_site, priority="spider")


class KnownInRedisMiddleware:
    """An article page some worker already stored is not fetched (unless this shard re-checks it)."""

    def __init__(self, crawler: Crawler, url: str, prefix: str) -> None:
        from pipelines.distributed.worker import connect

        self.crawler = crawler
        self.redis = connect(url)
        self.set_key = RedisKeys(prefix).known
        self.host_aliases: dict[str, str] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> KnownInRedisMiddleware:
        url = crawler.settings.get("ARCHIVE_REDIS_URL")
        if not url:
            raise NotConfigured("no ARCHIVE_REDIS_URL")
        prefix = crawler.settings.get("ARCHIVE_REDIS_PREFIX") or RedisKeys().prefix
        mw = cls(crawler, url, prefix)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        return mw

    def spider_opened(self, spider: Any) -> None:
        source = getattr(spider, "source", None)
        self.host_aliases = getattr(source, "host_aliases", {}) or {}

    def process_request(self, request: Request) -> None:
        if not request.meta.get(ARTICLE_META) or request.meta.get(RECHECK_META) is not None:
            return
        canonical = canonicalize_url(request.url, host_aliases=self.host_aliases)
        if is_known(self.redis, self.set_key, [canonical, request.url]):
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("archive/skipped_known")
            self.crawler.stats.inc_value("archive/skipped_known_redis")
            raise IgnoreRequest("already archived by another worker")
