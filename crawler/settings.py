"""Scrapy settings of the newsarchive project. newsarchive's own settings all start with ``ARCHIVE_``."""

import os

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# The archive database every run writes to (the CLI's --db overrides it).
ARCHIVE_DB = "archive.db"
# Worker processes for extraction: -1 = one per CPU core, 0 = inline (debugging only: it blocks the reactor).
ARCHIVE_EXTRACT_WORKERS = -1
# Each document's budget in a worker: seconds of extraction and MB of the worker's address space (0 = no
# limit). Over it, the document is a counted failure naming the limit and the workers are replaced.
ARCHIVE_EXTRACT_TIME_BUDGET = 60.0
ARCHIVE_EXTRACT_MEMORY_MB = 2048
# One pool of extraction workers for every crawl of the process, kept between crawls (the long-lived crawl
# process of `newsarchive schedule` sets it); off: each crawl starts and stops its own.
ARCHIVE_EXTRACT_SHARED = False
# This process runs many crawls at once in one reactor (the crawl process of `newsarchive schedule` sets it):
# a crawl's set-up and shutdown (its last batch of clustering, its WARC file) must not block the others.
ARCHIVE_MANY_CRAWLS = False
# A progress bar on standard error (the CLI turns it on when standard error is a terminal).
ARCHIVE_PROGRESS = False

ITEM_PIPELINES = {
    "crawler.item_pipelines.extract.ExtractPipeline": 100,
    # Exact duplicates, storage, search index and story clusters: pipelines.saving, on a writer thread.
    "crawler.item_pipelines.store.StorePipeline": 300,
}
EXTENSIONS = {
    "crawler.extensions.RunRecorder": 100,
    "crawler.extensions.ProgressBar": 200,
}

# Dropped items (duplicates, pages that are not articles) are routine, not warnings.
DEFAULT_DROPITEM_LOG_LEVEL = "INFO"

# No listening consoles: an archiver runs unattended and should open no ports of its own.
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False

DOWNLOADER_MIDDLEWARES = {
    # Above RedirectMiddleware (600), so it sees redirects before they are followed.
    "crawler.middlewares.KnownArticlesMiddleware": 650,
    "crawler.middlewares.RetryBackoffMiddleware": 560,
    # Above every built-in middleware, so it archives each response as received: before decompression
    # (590), redirects (600), retries (550), and the 304 -> IgnoreRequest of KnownArticlesMiddleware (650).
    "crawler.warc_middleware.WarcCaptureMiddleware": 950,
    # Every request and redirect hop kept on the source's hosts and ports, no internal address it does not
    # name (crawler/guard_middleware.py): requests checked first (before the off-site filter, 50, and
    # robots.txt, 100), responses first too (above the WARC middleware: a refused one is not archived).
    "crawler.guard_middleware.RequestGuardMiddleware": 40,
    "crawler.guard_middleware.ResponseGuardMiddleware": 960,
    # Scrapy's decompression, which also refuses a gzip/deflate body cut off or inflating past
    # DOWNLOAD_MAXSIZE as a counted failure (crawler/compression.py), in place of Scrapy's own.
    "scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware": None,
    "crawler.compression.CheckedCompressionMiddleware": 590,
}
# A redirect chain longer than this, or one that loops, is a failed page (Scrapy's own limit is 20).
ARCHIVE_MAX_REDIRECTS = 10
# Every response (and seed file) is kept verbatim in WARC files (crawler/warc_middleware.py).
ARCHIVE_WARC_ENABLED = True
ARCHIVE_WARC_DIR = ""  # "" = archive/warc in the database's folder (reextract/export-warc: --warc-dir)
ARCHIVE_WARC_MAX_SIZE = 1_000_000_000  # bytes: a file that would grow past this is closed, a new one begun
ARCHIVE_WARC_PREFIX = "newsarchive"
# fsync the records before the database points at them: once per batch of responses the writer thread
# took together, not per record (off only for benchmarks)
ARCHIVE_WARC_FSYNC = True
# libdeflate level (0-12) of each record's gzip member: 6 is as small as zlib's 6 or 9 (~48.5 KiB a real
# page) for ~1.5 ms a page against zlib 6's ~3.3; 1-5 save 0.3-0.8 ms more but are 1-10 % bigger
# (bench/README_crawl.md)
ARCHIVE_WARC_COMPRESS_LEVEL = 6
# Re-fetch (conditionally) a known article once its last fetch is this old; empty = never. Per source too.
ARCHIVE_RECHECK_AFTER = ""
ARCHIVE_RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry; doubles each time
ARCHIVE_RETRY_BACKOFF_MAX = 120.0

# Politeness: who we are and how to reach whoever runs the crawl, robots.txt, and a gentle pace.
ARCHIVE_CONTACT_URL = os.environ.get("NEWSARCHIVE_CONTACT_URL", "https://github.com/newsarchive/newsarchive")
USER_AGENT = f"newsarchive/0.1 (+{ARCHIVE_CONTACT_URL})"
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
# Items (and requests) of one response handled at once. Scrapy starts this many asyncio tasks for every
# response, whatever it yields; the default 100 cost ~1 ms of CPU per page, and a page yields one item.
CONCURRENT_ITEMS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 3
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024  # a news page is far smaller; bigger responses are cut off
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
FEED_EXPORT_ENCODING = "utf-8"
# `scrapy crawl ... -O out.csv`: lists and mappings as JSON text (crawler/items.py; items export as articles).
FEED_EXPORTERS = {"csv": "crawler.items.CsvExporter"}
LOG_LEVEL = "INFO"
