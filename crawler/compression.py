"""Content-Encoding undone once, and checked while it is: Scrapy's HttpCompressionMiddleware, whose gzip and
deflate decoding also tells a stream cut off before its end, and a bomb, as counted failures.

Why a subclass: Scrapy hands over as much of a cut-off gzip body as it could inflate (text cut
mid-character, then read as some other charset: issue 14 saw ``ТѕфТќГуџёgzip``), and drops a body that
inflates past DOWNLOAD_MAXSIZE with a warning and nothing counted. The response guard
(crawler/guard_middleware.py) used to inflate every gzip/deflate body once more on the reactor thread to
find both (0.38 ms a page); this reads each body once. Registered at 590 in place of Scrapy's own
(crawler/settings.py): brotli and zstd, and everything else, are Scrapy's.

A refused response is one line ``failed: URL: response from URL refused: reason`` and a counted failure, like
the guard's. Its bytes as transferred are already in the WARC file (the WARC middleware, 950, archives
every response before it is decoded); no article is made of it.
"""

from __future__ import annotations

import zlib
from io import BytesIO
from typing import Any

from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.httpcompression import HttpCompressionMiddleware
from scrapy.http import Request, Response

from crawler.guard_middleware import Guard

__all__ = ["CheckedCompressionMiddleware", "TransferProblem", "inflate"]

_CHUNK = 1 << 16  # bytes inflated at a time: a bomb is stopped within a chunk of the limit


class TransferProblem(ValueError):
    """A compressed body that cannot be stored: cut off, broken, or inflating past the size limit."""


class CheckedCompressionMiddleware(HttpCompressionMiddleware):
    def __init__(self, stats: Any = None, *, crawler: Crawler | None = None) -> None:
        super().__init__(stats, crawler=crawler)
        assert crawler is not None  # built by from_crawler
        self.guard = Guard(crawler)  # reports a refusal as the response guard does

    def process_response(
        self, request: Request, response: Response, spider: Any = None
    ) -> Request | Response:
        try:
            return super().process_response(request, response)
        except TransferProblem as problem:
            raise self.guard.refuse(request, f"response from {response.url}", str(problem)) from None

    @staticmethod
    def _decode(body: bytes, encoding: bytes, max_size: int) -> bytes:
        if encoding in (b"gzip", b"x-gzip", b"deflate"):
            return inflate(body, encoding.decode("ascii"), max_size)
        return HttpCompressionMiddleware._decode(body, encoding, max_size)


def inflate(body: bytes, name: str, max_size: int) -> bytes:
    """A gzip (every member) or deflate (zlib-wrapped, or raw as some servers send it) body, inflated;
    TransferProblem when it is cut off before its stream ends, broken, or inflates past ``max_size`` bytes
    (0: no limit)."""
    if not body:
        return body
    if name != "deflate":
        return _inflate(body, 47, max_size, name)  # 47: a gzip header, or a zlib one mislabelled
    try:
        return _inflate(body, 15, max_size, name)
    except TransferProblem as problem:
        if str(problem) != f"a broken {name} body":
            raise
    return _inflate(body, -15, max_size, name)


def _inflate(body: bytes, wbits: int, max_size: int, name: str) -> bytes:
    out = BytesIO()
    data = body
    while data:
        inflater = zlib.decompressobj(wbits)
        try:
            while data:
                out.write(inflater.decompress(data, _CHUNK))
                data = inflater.unconsumed_tail
                if max_size and out.tell() > max_size:
                    raise TransferProblem(
                        f"a {name} body of {len(body):,} bytes that decompresses past {max_size:,} bytes"
                    )
                if inflater.eof:
                    break
            out.write(inflater.flush())
        except zlib.error:
            raise TransferProblem(f"a broken {name} body") from None
        if not inflater.eof:
            raise TransferProblem(f"truncated: the {name} body ends before its stream does")
        # Another gzip member may follow (concatenated gzip, which GzipFile reads too); anything else after
        # the stream is not part of it.
        data = inflater.unused_data if wbits == 47 and inflater.unused_data[:2] == b"\x1f\x8b" else b""
    return out.getvalue()
