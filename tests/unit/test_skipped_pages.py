"""Pages the crawl took for articles that were not: remembered in ``skipped_pages`` with their reason,
skipped like known pages until ``recheck_after``, then re-fetched conditionally; counted per source."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
import sqlite_utils
from scrapy.exceptions import DropItem, IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler

from crawler.items import ArticleItem
from crawler.middlewares import ARTICLE_META, RECHECK_SKIPPED_META, KnownArticlesMiddleware
from crawler.support import not_an_article
from pipelines.archive.lookup import skipped_page
from pipelines.archive.schema import ensure_db_shape, open_archive
from pipelines.archive.skipped import SkippedPage, forget_skipped, mark_skipped_not_modified, record_skipped
from pipelines.documents.raw import RawDocument
from pipelines.errors import DocumentError
from pipelines.schedule.health import source_health
from tests.unit.test_layout import REPO_ROOT, sql_strings

URL = "https://news.example.cn/news/2024/01/03/art_9003.html"
GALLERY = SkippedPage(
    canonical_url=URL,
    reason="not an article: no body text found",
    url=URL + "?from=list",
    source="example",
    etag='"gallery-1"',
    last_modified="Wed, 03 Jan 2024 08:00:00 GMT",
    status=200,
    capture_id=None,
)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sqlite_utils.Database]:
    database = open_archive(str(tmp_path / "a.db"))
    yield database
    database.close()


def row(db: sqlite_utils.Database) -> dict[str, Any]:
    (found,) = list(db["skipped_pages"].rows)
    return found


# -- the module that writes the table -------------------------------------------------------------------------


def test_a_page_is_recorded_once_and_counted_each_time_it_is_seen(db: sqlite_utils.Database) -> None:
    record_skipped(db, GALLERY, now="2026-01-01T00:00:00+00:00")
    first = row(db)
    assert (first["source"], first["reason"], first["times_seen"], first["etag"]) == (
        "example",
        "not an article: no body text found",
        1,
        '"gallery-1"',
    )
    assert first["first_seen"] == first["last_seen"] == "2026-01-01T00:00:00+00:00"
    # Seen again: the newest reason and validators; a validator the new response lacks is not kept.
    again = SkippedPage(
        canonical_url=URL, reason="not an article: body shorter than 4 characters", source=None
    )
    record_skipped(db, again, now="2026-01-02T00:00:00+00:00")
    second = row(db)
    assert second["times_seen"] == 2 and second["first_seen"] == "2026-01-01T00:00:00+00:00"
    assert second["last_seen"] == "2026-01-02T00:00:00+00:00"
    assert second["reason"] == "not an article: body shorter than 4 characters"
    assert second["etag"] is None and second["last_modified"] is None
    assert second["source"] == "example" and second["url"] == GALLERY.url  # unknown here: kept


def test_a_304_keeps_it_skipped_and_a_page_that_became_an_article_leaves(db: sqlite_utils.Database) -> None:
    record_skipped(db, GALLERY, now="2026-01-01T00:00:00+00:00")
    mark_skipped_not_modified(db, URL, now="2026-01-05T00:00:00+00:00")
    assert (row(db)["times_seen"], row(db)["last_seen"]) == (2, "2026-01-05T00:00:00+00:00")
    assert forget_skipped(db, ["https://other.example.cn/x.html"]) == 0
    assert forget_skipped(db, [URL, "https://other.example.cn/x.html"]) == 1
    assert db["skipped_pages"].count == 0


def test_look_up_by_any_of_a_requests_keys(db: sqlite_utils.Database) -> None:
    record_skipped(db, GALLERY)
    assert skipped_page(db, ["https://news.example.cn/unknown.html"]) is None
    found = skipped_page(db, ["https://news.example.cn/unknown.html", "", URL])
    assert found is not None
    assert (found.canonical_url, found.etag, found.last_modified) == (
        URL,
        GALLERY.etag,
        GALLERY.last_modified,
    )


def test_the_table_survives_the_schema_being_applied_again(db: sqlite_utils.Database) -> None:
    record_skipped(db, GALLERY)
    ensure_db_shape(db)
    ensure_db_shape(db)
    assert row(db)["canonical_url"] == URL


SKIPPED_WRITE = re.compile(
    r"\b(?:insert\s+(?:or\s+\w+\s+)?into|update|delete\s+from)\s+\[?skipped_pages\]?[\s(]", re.IGNORECASE
)


def test_one_module_writes_the_skipped_pages_table() -> None:
    writers = set()
    for folder in ("crawler", "pipelines", "publish"):
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            if any(SKIPPED_WRITE.search(text + " ") for _, text in sql_strings(source)) or re.search(
                r"""(?:table\(|\[)["']skipped_pages["']\)?\]?\.(?:insert|update|upsert|delete)""", source
            ):
                writers.add(str(path.relative_to(REPO_ROOT)))
    assert writers == {"pipelines/archive/skipped.py"}


# -- the crawl: what the middleware does with them ------------------------------------------------------------


def dropped_as_not_an_article(name: str) -> DropItem:
    """The exception ExtractPipeline raises for a page that is not an article (crawler/item_pipelines)."""
    try:
        try:
            raise DocumentError(name, "not an article: no body text found", not_article=True)
        except DocumentError as exc:
            raise DropItem(str(exc), log_level="INFO") from None
    except DropItem as dropped:
        return dropped


def test_only_a_not_an_article_error_behind_a_drop_counts() -> None:
    found = not_an_article(dropped_as_not_an_article(URL))
    assert found is not None and found.reason == "not an article: no body text found"
    assert not_an_article(DropItem("exact duplicate of article 7")) is None
    try:
        try:
            raise DocumentError(URL, "empty response")  # a failure, not a page that is not an article
        except DocumentError as exc:
            raise DropItem(str(exc)) from None
    except DropItem as failed:
        assert not_an_article(failed) is None


async def test_the_extraction_pipelines_drop_carries_its_reason() -> None:
    """What item_dropped listeners are given for a page that is not an article, from the real pipeline."""
    from crawler.item_pipelines.extract import ExtractPipeline
    from tests.support.local_site import NOT_ARTICLE_HTML

    crawler = get_crawler(settings_dict={"ARCHIVE_EXTRACT_WORKERS": 0})  # extraction inline, in-process
    assert crawler.stats is not None
    crawler.stats.open_spider()
    crawler.spider = SimpleNamespace()  # type: ignore[assignment]
    pipeline = ExtractPipeline.from_crawler(crawler)
    pipeline.open_spider()
    page = RawDocument(
        body=NOT_ARTICLE_HTML.encode(), name=URL, fetched_at="2026-01-01T00:00:00+00:00", url=URL, kind="html"
    )
    with pytest.raises(DropItem) as dropped:
        await pipeline.process_item(page)
    pipeline.close_spider()
    found = not_an_article(dropped.value)
    assert found is not None and found.reason == "not an article: no body text found"


class Crawl:
    """KnownArticlesMiddleware of a crawl of one source, opened on an archive."""

    def __init__(self, db_path: Path, *, recheck_after: str | None, seeds: bool = False) -> None:
        self.crawler = get_crawler(settings_dict={"ARCHIVE_DB": str(db_path)})
        assert self.crawler.stats is not None
        self.crawler.stats.open_spider()
        self.mw = KnownArticlesMiddleware.from_crawler(self.crawler)
        self.spider = SimpleNamespace(
            source=SimpleNamespace(host_aliases={}, recheck_after=recheck_after),
            every_input_is_an_article=seeds,
        )
        self.mw.spider_opened(self.spider)

    def stat(self, key: str) -> Any:
        assert self.crawler.stats is not None
        return self.crawler.stats.get_value(key)

    def drop_gallery(self) -> None:
        page = RawDocument(
            body=b"<html></html>",
            name=URL,
            fetched_at=datetime.now(UTC).isoformat(),
            url=URL,
            headers={"ETag": '"gallery-1"', "Last-Modified": "Wed, 03 Jan 2024 08:00:00 GMT"},
            status=200,
            source="example",
        )
        self.mw.item_dropped(page, None, dropped_as_not_an_article(URL))

    def close(self) -> None:
        self.mw.spider_closed()


def article_request(url: str = URL) -> Request:
    return Request(url, meta={ARTICLE_META: True})


def test_a_dropped_page_is_recorded_and_not_fetched_again_before_it_is_due(tmp_path: Path) -> None:
    first = Crawl(tmp_path / "a.db", recheck_after="1d")
    first.drop_gallery()
    first.close()  # waits for the writer thread
    db = sqlite_utils.Database(tmp_path / "a.db")
    assert (row(db)["etag"], row(db)["status"], row(db)["source"]) == ('"gallery-1"', 200, "example")
    assert first.stat("archive/skipped_pages/recorded") == 1

    second = Crawl(tmp_path / "a.db", recheck_after="1d")
    with pytest.raises(IgnoreRequest, match="not an article when last fetched"):
        second.mw.process_request(article_request(URL + "#comments"))  # the same page, canonically
    assert second.stat("archive/skipped_pages/not_fetched") == 1
    other = article_request("https://news.example.cn/news/2024/01/03/art_1.html")
    second.mw.process_request(other)  # an unknown page is fetched as usual: no exception
    assert "If-None-Match" not in other.headers
    second.close()

    never = Crawl(tmp_path / "a.db", recheck_after=None)  # without recheck_after, as a known article
    with pytest.raises(IgnoreRequest):
        never.mw.process_request(article_request())
    never.close()


def test_when_due_it_is_fetched_conditionally_and_a_304_keeps_it_skipped(tmp_path: Path) -> None:
    first = Crawl(tmp_path / "a.db", recheck_after="0s")
    first.drop_gallery()
    first.close()
    again = Crawl(tmp_path / "a.db", recheck_after="0s")
    request = article_request()
    again.mw.process_request(request)
    assert request.headers["If-None-Match"] == b'"gallery-1"'
    assert request.headers["If-Modified-Since"] == b"Wed, 03 Jan 2024 08:00:00 GMT"
    assert request.meta[RECHECK_SKIPPED_META] == URL and 304 in request.meta["handle_httpstatus_list"]
    with pytest.raises(IgnoreRequest, match="not modified"):
        again.mw.process_response(request, Response(URL, status=304, request=request))
    again.close()
    db = sqlite_utils.Database(tmp_path / "a.db")
    assert row(db)["times_seen"] == 2
    assert again.stat("archive/skipped_pages/not_modified") == 1


def test_a_page_that_now_reads_as_an_article_leaves_the_table(tmp_path: Path) -> None:
    first = Crawl(tmp_path / "a.db", recheck_after="0s")
    first.drop_gallery()
    first.close()
    again = Crawl(tmp_path / "a.db", recheck_after="0s")
    request = article_request()
    again.mw.process_request(request)
    response = HtmlResponse(URL, status=200, body=b"<html></html>", request=request)
    page = RawDocument(body=b"", name=URL, fetched_at="2026-01-01T00:00:00+00:00", url=URL)
    again.mw.item_scraped(ArticleItem(record={"url": URL}, page=page), response)
    again.close()
    assert sqlite_utils.Database(tmp_path / "a.db")["skipped_pages"].count == 0
    assert again.stat("archive/skipped_pages/now_articles") == 1


def test_an_ingested_file_is_never_recorded(tmp_path: Path) -> None:
    ingest = Crawl(tmp_path / "a.db", recheck_after=None, seeds=True)
    ingest.drop_gallery()
    ingest.close()
    assert sqlite_utils.Database(tmp_path / "a.db")["skipped_pages"].count == 0


# -- counted per source -------------------------------------------------------------------------------------------


def test_health_counts_skipped_pages_per_source(db: sqlite_utils.Database) -> None:
    from crawler.cli.schedule import plain_table

    db.table("sources").insert({"key": "example", "name": "Example", "kind": "site"})
    record_skipped(db, GALLERY)
    record_skipped(db, SkippedPage(canonical_url=URL + "2", reason="not an article: x", source="example"))
    view = {r["source"]: r for r in db.query("select * from source_health")}
    assert view["example"]["skipped_pages"] == 2
    rows = source_health(db)
    assert {r["source"]: r["skipped_pages"] for r in rows} == {"example": 2}
    # `newsarchive status` in a pipe: the count under its column (numbers are right-aligned to the header).
    header, line = plain_table(rows, datetime.now(UTC))[:2]
    start = header.index(" skipped ") + 1
    assert line.startswith("example ") and line[start : start + len("skipped")].strip() == "2"
