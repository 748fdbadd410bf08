"""What the Scrapy components (pipelines, middlewares, extensions) share: failure reporting and the archive
database setting."""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.signals import document_failed


def report_failure(
    crawler: Crawler, input_name: str, reason: str, *, stage: str, counted: bool = True
) -> None:
    """Count a failed input in the stats and tell listeners (the run recorder, the CLI) about it."""
    assert crawler.stats is not None
    crawler.stats.inc_value("archive/failed" if counted else "archive/dropped/not an article")
    crawler.signals.send_catch_log(
        document_failed, input=input_name, reason=reason, stage=stage, counted=counted
    )


def archive_db_path(crawler: Crawler) -> str:
    path = crawler.settings.get("ARCHIVE_DB")
    if not path:
        raise NotConfigured("ARCHIVE_DB is not set")
    return str(path)


def response_headers(response: Response) -> dict[str, str]:
    """A response's headers as the archive records them (items, ``captures.headers``): repeated values
    joined with ", "."""
    return {
        key.decode("latin-1"): b", ".join(values).decode("latin-1")
        for key, values in response.headers.items()
    }
