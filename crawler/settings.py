"""Scrapy settings of the newsarchive project. newsarchive's own settings all start with ``ARCHIVE_``."""

BOT_NAME = "newsarchive"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# The archive database every run writes to (the CLI's --db overrides it).
ARCHIVE_DB = "archive.db"
# Worker processes for extraction: -1 = one per CPU core, 0 = inline (debugging only: it blocks the reactor).
ARCHIVE_EXTRACT_WORKERS = -1
# A progress bar on standard error (the CLI turns it on when standard error is a terminal).
ARCHIVE_PROGRESS = False

ITEM_PIPELINES = {
    "pipelines.extract_pipeline.ExtractPipeline": 100,
    "pipelines.dedup_pipeline.DedupPipeline": 200,
    "pipelines.store_pipeline.StorePipeline": 300,
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

ROBOTSTXT_OBEY = True
USER_AGENT = "newsarchive/0.1 (+https://github.com/newsarchive/newsarchive)"
CONCURRENT_REQUESTS_PER_DOMAIN = 4
AUTOTHROTTLE_ENABLED = True
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"
