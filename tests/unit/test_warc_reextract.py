"""Re-extraction's reading of a stored response: content encodings undone as Scrapy's HttpCompression does,
repeated headers joined. ``newsarchive reextract`` over a real archive: tests/e2e/test_reextract.py."""

from __future__ import annotations

import gzip
import zlib

import brotli

from pipelines.warc.reextract import decode_content, joined_headers


def test_decoding_follows_scrapy_http_compression() -> None:
    body = "青岛新闻".encode()
    assert decode_content(gzip.compress(body), {"Content-Encoding": "gzip", "A": "b"}) == (body, {"A": "b"})
    assert decode_content(zlib.compress(body), {"Content-Encoding": "deflate"})[0] == body
    raw = zlib.compressobj(wbits=-15)
    assert decode_content(raw.compress(body) + raw.flush(), {"Content-Encoding": "deflate"})[0] == body
    assert decode_content(brotli.compress(gzip.compress(body)), {"Content-Encoding": "gzip, br"})[0] == body
    # An encoding Scrapy cannot undo stays, lower-cased, and so do the ones applied before it.
    assert decode_content(b"xx", {"Content-Encoding": "X-Custom"}) == (
        b"xx",
        {"Content-Encoding": "x-custom"},
    )
    assert joined_headers([("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]) == {"Set-Cookie": "a=1, b=2"}
