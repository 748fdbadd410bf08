"""What the Scrapy components (pipelines, middlewares, extensions) share: failure reporting and the archive
database setting."""

from __future__ import annotations

import re

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler.signals import document_failed
from pipelines.errors import DocumentError


def report_failure(
    crawler: Crawler, input_name: str, reason: str, *, stage: str, counted: bool = True
) -> None:
    """Count a failed input in the stats and tell listeners (the run recorder, the CLI) about it. Control
    and bidi-override characters in the name or reason (a file name with a newline or an escape sequence)
    are written as escapes, so the failure stays one line and cannot drive the terminal."""
    input_name, reason = one_line(input_name), one_line(reason)
    assert crawler.stats is not None
    crawler.stats.inc_value("archive/failed" if counted else "archive/dropped/not an article")
    crawler.signals.send_catch_log(
        document_failed, input=input_name, reason=reason, stage=stage, counted=counted
    )


def not_an_article(exception: BaseException | None) -> DocumentError | None:
    """The "not an article" DocumentError behind a dropped item, if that is why it was dropped.

    The extraction pipeline drops such a page with ``raise DropItem(...) from None`` inside its ``except
    DocumentError`` block: ``from None`` only hides the error from tracebacks, Python still keeps it as the
    DropItem's ``__context__``, which is what ``item_dropped`` listeners are given."""
    seen = 0
    while exception is not None and seen < 3:
        if isinstance(exception, DocumentError):
            return exception if exception.not_article else None
        exception, seen = exception.__context__, seen + 1
    return None


_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    """``text`` with control and bidi-override characters as ``\\xNN`` / ``\\uNNNN`` escapes."""
    return _UNPRINTABLE.sub(
        lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 0x100 else f"\\u{ord(m[0]):04x}", text
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
