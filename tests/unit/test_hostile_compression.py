"""Content-Encoding undone once (crawler.compression.CheckedCompressionMiddleware, in place of Scrapy's
HttpCompressionMiddleware): what Scrapy decodes comes out the same; a gzip or deflate body cut off, broken,
or inflating past DOWNLOAD_MAXSIZE is a named, counted failure instead of a partial page or a silent drop.
The same through a real crawl and server: tests/e2e/test_hostile_fetch.py."""

from __future__ import annotations

import gzip
import zlib
from typing import Any

import pytest
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler

from crawler.compression import CheckedCompressionMiddleware
from crawler.guard_middleware import RequestRefused
from crawler.settings import DOWNLOADER_MIDDLEWARES
from crawler.signals import document_failed

PAGE = (
    "<html><body><h1>压缩的页面</h1>"
    + "<p>青岛市南区今天召开会议，部署海洋经济发展工作。</p>" * 500
    + "</body></html>"
).encode()
URL = "http://127.0.0.1:8080/news/1.html"


def _middlewares(
    max_size: int = 1_000_000,
) -> tuple[CheckedCompressionMiddleware, Any, list[tuple[str, str]]]:
    crawler = get_crawler(settings_dict={"DOWNLOAD_MAXSIZE": max_size})
    failures: list[tuple[str, str]] = []

    def failed(input: str, reason: str, **kwargs: Any) -> None:
        failures.append((input, reason))

    crawler.signals.connect(failed, signal=document_failed, weak=False)
    checked = CheckedCompressionMiddleware.from_crawler(crawler)
    scrapy_own = HttpCompressionMiddleware.from_crawler(crawler)
    return checked, scrapy_own, failures


def _response(body: bytes, encoding: str) -> Response:
    headers = {"Content-Encoding": encoding, "Content-Type": "text/html; charset=utf-8"}
    return Response(URL, body=body, headers=headers, request=Request(URL))


def test_it_takes_the_place_of_scrapys_middleware() -> None:
    assert (
        DOWNLOADER_MIDDLEWARES["scrapy.downloadermiddlewares.httpcompression.HttpCompressionMiddleware"]
        is None
    )
    assert DOWNLOADER_MIDDLEWARES["crawler.compression.CheckedCompressionMiddleware"] == 590


@pytest.mark.parametrize(
    ("encoding", "body"),
    [
        ("gzip", gzip.compress(PAGE)),
        ("x-gzip", gzip.compress(PAGE)),
        ("gzip", gzip.compress(PAGE[:5000]) + gzip.compress(PAGE[5000:])),  # two members
        ("deflate", zlib.compress(PAGE)),
        ("deflate", zlib.compress(PAGE)[2:-4]),  # raw deflate, as some servers send it
        ("gzip, identity", gzip.compress(PAGE)),  # an encoding Scrapy cannot undo is kept
        ("br", b"not decoded here"),  # brotli: Scrapy's own decoder
    ],
)
def test_what_scrapy_decodes_comes_out_the_same(encoding: str, body: bytes) -> None:
    checked, scrapy_own, failures = _middlewares()
    request = Request(URL)
    try:
        expected: Any = scrapy_own.process_response(request, _response(body, encoding))
    except Exception as exc:
        expected = type(exc)
    try:
        got: Any = checked.process_response(request, _response(body, encoding))
    except Exception as exc:
        got = type(exc)
    if isinstance(expected, type):
        assert got is expected
        return
    assert (type(got), got.body, got.headers) == (type(expected), expected.body, expected.headers)
    if encoding != "gzip, identity":
        assert isinstance(got, HtmlResponse) and got.text.startswith("<html><body><h1>压缩的页面")
    assert failures == []


CUT = gzip.compress(PAGE)[:-200]
BOMB = gzip.compress(b" " * 30_000_000)


@pytest.mark.parametrize(
    ("encoding", "body", "reason"),
    [
        ("gzip", CUT, "truncated: the gzip body ends before its stream does"),
        ("deflate", zlib.compress(PAGE)[:-200], "truncated: the deflate body ends before its stream does"),
        ("gzip", BOMB, f"a gzip body of {len(BOMB):,} bytes that decompresses past 1,000,000 bytes"),
        ("deflate", b"\x00not deflate at all", "a broken deflate body"),
        ("gzip", b"\x1f\x8b\x08not gzip at all", "a broken gzip body"),
        (
            "gzip",
            gzip.compress(PAGE)[:-8] + b"\0\0\0\0" + gzip.compress(PAGE)[-4:],
            "a broken gzip body",
        ),  # CRC
    ],
)
def test_cut_broken_and_bomb_bodies_are_named_counted_failures(
    encoding: str, body: bytes, reason: str
) -> None:
    checked, _, failures = _middlewares()
    with pytest.raises(RequestRefused):
        checked.process_response(Request(URL), _response(body, encoding))
    assert failures == [(URL, f"response from {URL} refused: {reason}")]
    assert checked.guard.crawler.stats.get_value("archive/failed") == 1


def test_scrapys_own_middleware_stored_a_cut_body_and_dropped_a_bomb_silently() -> None:
    """Why the subclass (issue 14): Scrapy hands over the part of a cut gzip body it could inflate."""
    _, scrapy_own, failures = _middlewares()
    partial = scrapy_own.process_response(Request(URL), _response(CUT, "gzip"))
    assert 0 < len(partial.body) < len(PAGE)
    assert failures == []
