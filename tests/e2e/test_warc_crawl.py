"""A whole crawl of the local portal keeps every response verbatim in WARC, indexed in ``captures``."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from warcio.archiveiterator import ArchiveIterator

from bench.warc import crawl
from pipelines.archive import capture_document
from pipelines.warc.reader import read_record
from pipelines.warc.records import SERVER_NOT_MODIFIED
from tests.support.local_site import OLD_PATH, LocalNewsSite, serve_site, sources_toml
from tests.support.warc import warcio_check


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, LocalNewsSite]]:
    """Two crawls: the first, then a re-check of every article (conditional GETs answered 304)."""
    workdir = tmp_path_factory.mktemp("warc_crawl")
    site = LocalNewsSite(article_count=12)
    with serve_site(site) as base_url:
        (workdir / "sources.toml").write_text(sources_toml(base_url), encoding="utf-8")
        first = crawl(workdir)
        assert "stored" in first.stdout, first.stderr
        second = crawl(workdir, "-s", "ARCHIVE_RECHECK_AFTER=0s")
        assert "stored" in second.stdout, second.stderr
        yield workdir, site


def rows(workdir: Path, sql: str, params: Any = ()) -> list[dict[str, Any]]:
    return list(sqlite_utils.Database(workdir / "a.db").query(sql, params))


def test_every_response_of_the_crawl_is_a_capture(crawled: tuple[Path, LocalNewsSite]) -> None:
    workdir, site = crawled
    (run,) = rows(workdir, "select * from crawl_runs where id = 1")
    captures = rows(workdir, "select * from captures where run_id = 1")
    assert len(captures) == json.loads(run["stats"])["downloader/response_count"]
    paths = {c["url"].removeprefix(site.base_url): c for c in captures}
    for path in ("/robots.txt", "/", "/news/list_1.html", "/rss.xml", "/sitemap.xml", "/sitemap-news.xml"):
        assert paths[path]["status"] == 200
    assert paths[OLD_PATH]["status"] == 301
    assert paths["/news/2024/01/01/art_404.html"]["status"] == 404
    errors = [c for c in captures if c["url"].endswith("art_500.html")]
    assert [c["warc_type"] for c in errors] == [
        "response",
        "revisit",
        "revisit",
        "revisit",
    ]  # retries: one copy
    assert all(c["warc_file"] and c["digest"].startswith("sha256:") for c in captures)


def test_an_article_points_at_the_response_it_was_extracted_from(crawled: tuple[Path, LocalNewsSite]) -> None:
    workdir, site = crawled
    articles = rows(
        workdir,
        "select a.id, a.capture_id, c.url, c.warc_file, c.warc_offset, c.warc_length, c.headers, c.document, "
        "c.fetched_at, c.status, c.path, c.source "
        "from articles a join captures c on c.id = a.capture_id",
    )
    assert len(articles) == len(site.articles) + 1  # + the slow page
    for article in articles:
        record = read_record(
            workdir / "archive" / "warc", *[article[k] for k in ("warc_file", "warc_offset", "warc_length")]
        )
        page = site.pages[article["url"].removeprefix(site.base_url)]
        assert record.payload == page.body  # the bytes as the server sent them
        assert record.warc_headers["WARC-Target-URI"] == article["url"]
        assert record.header("Content-Type") == page.headers["Content-Type"]
        if article["url"].removeprefix(site.base_url) in site.article_paths():
            assert "Etag" in json.loads(article["headers"])  # what KnownArticlesMiddleware re-checks with
        assert capture_document.expand(article)["source"] == "testsite"


def test_requests_are_archived_with_their_responses_and_files_are_valid(
    crawled: tuple[Path, LocalNewsSite],
) -> None:
    workdir, _ = crawled
    folder = workdir / "archive" / "warc"
    files = sorted(folder.glob("*.warc.gz"))
    assert warcio_check(files) == 0
    by_type: dict[str, int] = {}
    responses, requests = set(), set()
    for path in files:
        with path.open("rb") as handle:
            for record in ArchiveIterator(handle):
                by_type[record.rec_type] = by_type.get(record.rec_type, 0) + 1
                if record.rec_type in ("response", "revisit"):
                    responses.add(record.rec_headers.get_header("WARC-Record-ID"))
                elif record.rec_type == "request":
                    requests.add(record.rec_headers.get_header("WARC-Concurrent-To"))
                    assert record.http_headers.get_header("User-Agent", "").startswith("newsarchive/")
                    assert record.http_headers.get_header("Host")
    assert responses == requests
    assert by_type["warcinfo"] == len(files)
    closed = rows(workdir, "select * from warc_files")
    assert {r["name"] for r in closed} == {p.name for p in files}
    assert all(r["closed"] and r["size"] == (folder / r["name"]).stat().st_size for r in closed)


def test_a_recheck_stores_revisits_not_second_copies(crawled: tuple[Path, LocalNewsSite]) -> None:
    workdir, site = crawled
    second = rows(workdir, "select * from captures where run_id = 2")
    not_modified = [c for c in second if c["status"] == 304]
    assert len(not_modified) >= len(site.articles) - 1
    for capture in not_modified:
        assert capture["warc_type"] == "revisit"
        (original,) = rows(workdir, "select * from captures where id = ?", [capture["revisit_of"]])
        assert original["url"] == capture["url"] and original["status"] == 200 and original["run_id"] == 1
        record = read_record(
            workdir / "archive" / "warc", capture["warc_file"], capture["warc_offset"], capture["warc_length"]
        )
        assert record.warc_headers["WARC-Profile"] == SERVER_NOT_MODIFIED
        assert record.warc_headers["WARC-Refers-To"] == original["warc_record_id"]
    unchanged_lists = [c for c in second if c["url"].endswith("list_1.html")]
    assert unchanged_lists and all(c["warc_type"] == "revisit" for c in unchanged_lists)
    assert not [c for c in second if c["warc_type"] == "response" and c["status"] == 200]
    # Datasette's view of an article's captures: the one it came from, and the 304 re-check. A listed
    # article: the site's slow extra page sends no validators, so its re-check is a 200 (and ids, made from
    # URLs with the server's random port, would pick it first now and then).
    url = site.base_url + site.articles[0].path
    article = rows(workdir, "select id, capture_id from articles where url = ?", [url])[0]
    shown = rows(workdir, "select * from article_captures where article_id = ?", [article["id"]])
    assert {r["capture_id"] for r in shown if r["current"]} == {article["capture_id"]}
    assert any(r["status"] == 304 for r in shown)


def test_the_payload_is_kept_as_transferred_before_decompression(tmp_path: Path) -> None:
    from bench.warc import newsarchive

    site = LocalNewsSite(article_count=8)
    with serve_site(site) as base_url:
        for path in site.article_paths():  # the site sends its articles gzip-compressed
            page = site.pages[path]
            page.body = gzip.compress(page.body, mtime=0)
            page.headers = {**page.headers, "Content-Encoding": "gzip"}
        (tmp_path / "sources.toml").write_text(sources_toml(base_url), encoding="utf-8")
        crawl(tmp_path)
        stored = rows(tmp_path, "select a.title, c.* from articles a join captures c on c.id = a.capture_id")
        assert {r["title"] for r in stored} >= {a.title for a in site.articles}
        for capture in stored:
            record = read_record(
                tmp_path / "archive" / "warc",
                capture["warc_file"],
                capture["warc_offset"],
                capture["warc_length"],
            )
            page = site.pages[capture["url"].removeprefix(site.base_url)]
            if "Content-Encoding" in page.headers:
                assert record.payload == page.body and record.payload.startswith(b"\x1f\x8b")
                assert record.header("Content-Encoding") == "gzip"
        result = newsarchive(tmp_path, "reextract", "--db", "a.db", "--workers", "0")
        assert " 0 changed" in result.stdout and " 0 failed" in result.stdout, result.stdout + result.stderr
