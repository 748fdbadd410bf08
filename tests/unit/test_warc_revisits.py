"""Revisit records written the way replay tools read them (issue 15): a 304's revisit carries the HTTP head
the 304 stands for, so pywb serves the archived page rather than an empty "304 Not Modified"; old-style
revisits are given that head when exported."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, datetime
from pathlib import Path

from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler

from crawler.warc_middleware import WarcCaptureMiddleware
from pipelines.archive.schema import open_archive
from pipelines.warc.export import export_groups
from pipelines.warc.reader import parse_record, read_record
from pipelines.warc.records import (
    NOT_MODIFIED_FIELD,
    NOT_MODIFIED_HEADERS_FIELD,
    SERVER_NOT_MODIFIED,
    freshened_headers,
    hex_to_base32,
    http_headers,
    record_id,
    sha256_hex,
    warc_date,
)
from pipelines.warc.repair import iter_members
from pipelines.warc.writer import WarcWriter

URL = "http://news.example.cn/2024/03/01/a.html"
BODY = gzip.compress("<html><head><title>崂山新闻</title></head><body><p>正文</p></body></html>".encode())
STORED = [
    ("Content-Length", str(len(BODY))),
    ("Content-Type", "text/html; charset=utf-8"),
    ("Content-Encoding", "gzip"),
    ("Etag", '"v1"'),
    ("Cache-Control", "max-age=60"),
    ("Set-Cookie", "a=1"),
    ("Set-Cookie", "b=2"),
    ("Date", "Fri, 01 Mar 2024 08:00:00 GMT"),
]
NOT_MODIFIED = [
    ("Content-Length", "0"),
    ("Date", "Sat, 02 Mar 2024 08:00:00 GMT"),
    ("Etag", '"v1"'),
    ("Set-Cookie", "c=3"),
    ("Content-Type", "text/plain"),
    ("Expires", "Sat, 02 Mar 2024 09:00:00 GMT"),
]


def test_a_304_freshens_the_stored_head_but_never_the_payload_fields() -> None:
    fresh = freshened_headers(STORED, NOT_MODIFIED)
    assert fresh == [
        ("Content-Length", str(len(BODY))),  # the stored body's, not the 304's 0
        ("Content-Type", "text/html; charset=utf-8"),  # describes the stored bytes
        ("Content-Encoding", "gzip"),
        ("Etag", '"v1"'),
        ("Cache-Control", "max-age=60"),
        ("Set-Cookie", "c=3"),  # every stored value of a field the 304 sends is replaced, in its place
        ("Date", "Sat, 02 Mar 2024 08:00:00 GMT"),
        ("Expires", "Sat, 02 Mar 2024 09:00:00 GMT"),  # new fields at the end
    ]


def _middleware(tmp_path: Path) -> WarcCaptureMiddleware:
    crawler = get_crawler(settings_dict={"ARCHIVE_DB": str(tmp_path / "a.db")})
    middleware = WarcCaptureMiddleware(crawler, str(tmp_path / "a.db"), tmp_path / "warc", 10**9, False)
    middleware.source_key = "testsite"
    middleware.db = open_archive(str(tmp_path / "a.db"))
    middleware.writer = WarcWriter(middleware.folder, fsync=False)
    return middleware


def _capture(middleware: WarcCaptureMiddleware, response: Response) -> int:
    request = Request(URL, headers={"If-None-Match": '"v1"'} if response.status == 304 else {})
    row = middleware._archive_http(request, response, datetime.now(UTC))
    middleware._commit_rows()
    assert row.id is not None
    return row.id


def test_the_revisit_of_a_304_carries_the_originals_head_and_keeps_the_304_in_its_fields(
    tmp_path: Path,
) -> None:
    middleware = _middleware(tmp_path)
    first = _capture(middleware, HtmlResponse(URL, status=200, headers=STORED, body=BODY))
    again = _capture(middleware, Response(URL, status=304, headers=NOT_MODIFIED[1:]))
    middleware.writer.close()  # type: ignore[union-attr]
    rows = {r["id"]: r for r in middleware.db.query("select * from captures")}
    original = read_record(
        middleware.folder, *(rows[first][k] for k in ("warc_file", "warc_offset", "warc_length"))
    )
    revisit = read_record(
        middleware.folder, *(rows[again][k] for k in ("warc_file", "warc_offset", "warc_length"))
    )

    assert revisit.record_type == "revisit" and revisit.payload == b""
    assert revisit.warc_headers["WARC-Profile"] == SERVER_NOT_MODIFIED
    assert revisit.warc_headers["WARC-Refers-To"] == original.warc_headers["WARC-Record-ID"]
    assert revisit.warc_headers["WARC-Refers-To-Target-URI"] == URL
    assert revisit.warc_headers["WARC-Refers-To-Date"] == original.warc_headers["WARC-Date"]
    assert revisit.warc_headers["WARC-Payload-Digest"] == original.warc_headers["WARC-Payload-Digest"]
    # What replay serves with the original's payload: the page's status and head, freshened by the 304.
    assert revisit.status_line == "HTTP/1.1 200 OK"
    assert revisit.header("Content-Encoding") == "gzip"
    assert revisit.header("Content-Type") == "text/html; charset=utf-8"
    assert revisit.header("Content-Length") == str(len(BODY))
    assert revisit.header("Date") == "Sat, 02 Mar 2024 08:00:00 GMT"
    assert revisit.header("Expires") == "Sat, 02 Mar 2024 09:00:00 GMT"
    # What the server said is kept: the 304's status line and the fields it sent.
    assert revisit.warc_headers[NOT_MODIFIED_FIELD] == "HTTP/1.1 304 Not Modified"
    sent = revisit.warc_headers[NOT_MODIFIED_HEADERS_FIELD].split(", ")
    assert {"Date", "Etag", "Set-Cookie", "Expires"} <= set(sent)
    # The database row is the 304's, as before.
    assert rows[again]["status"] == 304 and rows[again]["revisit_of"] == first
    assert rows[again]["digest"] == rows[first]["digest"]


def test_without_a_readable_original_the_304s_own_head_is_kept_and_counted(tmp_path: Path) -> None:
    middleware = _middleware(tmp_path)
    _capture(middleware, HtmlResponse(URL, status=200, headers=STORED, body=BODY))
    middleware.writer.close()  # type: ignore[union-attr]
    for path in middleware.folder.glob("*.warc.gz"):
        path.rename(path.with_suffix(".moved"))
    middleware.writer = WarcWriter(middleware.folder, fsync=False)
    again = _capture(middleware, Response(URL, status=304, headers=NOT_MODIFIED[1:]))
    middleware.writer.close()
    row = next(middleware.db.query("select * from captures where id = ?", [again]))
    revisit = read_record(middleware.folder, row["warc_file"], row["warc_offset"], row["warc_length"])
    assert revisit.record_type == "revisit" and revisit.status == 304
    assert middleware.crawler.stats is not None
    assert middleware.crawler.stats.get_value("archive/revisit_without_original_head") == 1


def test_an_old_style_304_revisit_gets_its_originals_head_in_the_export(tmp_path: Path) -> None:
    """Revisits written before this change keep the 304's head; the export's copy gets the page's."""
    writer = WarcWriter(tmp_path / "w", fsync=False)
    records = writer.records
    response = records.response(
        URL, warc_date(), http_headers("HTTP/1.1 200 OK", STORED), BODY, payload_digest=None
    )
    request = records.request(URL, warc_date(), http_headers("GET /a HTTP/1.1", []), b"", record_id(response))
    first = writer.write([response, request])
    old = records.revisit(
        URL,
        warc_date(),
        http_headers("HTTP/1.1 304 Not Modified", NOT_MODIFIED),
        profile=SERVER_NOT_MODIFIED,
        refers_to=record_id(response),
        refers_to_uri=URL,
        refers_to_date=response.rec_headers.get_header("WARC-Date"),
        payload_digest=hex_to_base32(sha256_hex(BODY)),
    )
    old_request = records.request(URL, warc_date(), http_headers("GET /a HTTP/1.1", []), b"", record_id(old))
    second = writer.write([old, old_request])
    writer.close()
    groups = [
        (1, first.file, first.offset, first.group_length),
        (2, second.file, second.offset, second.group_length),
    ]

    result = export_groups(tmp_path / "w", groups, tmp_path / "out")

    assert result.groups == 2 and result.rewritten == 1 and not result.failed
    exported = Path(result.files[0]).read_bytes()
    members = list(iter_members(io.BytesIO(exported)))
    parsed = [parse_record(exported[offset : offset + size]) for offset, size, _ in members]
    kinds = [record.record_type for record in parsed]
    assert kinds == ["warcinfo", "response", "request", "revisit", "request"]
    revisit, its_request = parsed[3], parsed[4]
    assert revisit.status_line == "HTTP/1.1 200 OK" and revisit.header("Content-Encoding") == "gzip"
    assert revisit.header("Date") == "Sat, 02 Mar 2024 08:00:00 GMT"
    assert revisit.warc_headers[NOT_MODIFIED_FIELD] == "HTTP/1.1 304 Not Modified"
    # Same record, same links: its id, date, target and what it refers to are unchanged.
    for name in (
        "WARC-Record-ID",
        "WARC-Date",
        "WARC-Refers-To",
        "WARC-Refers-To-Date",
        "WARC-Payload-Digest",
    ):
        assert revisit.warc_headers[name] == old.rec_headers.get_header(name)
    assert its_request.warc_headers["WARC-Concurrent-To"] == record_id(old)
    # The response and its request are copied byte for byte.
    source = (tmp_path / "w" / first.file).read_bytes()
    assert source[first.offset : first.offset + first.group_length] in exported

    # Exporting the export again changes nothing more: a new-style revisit is copied as it is.
    name = Path(result.files[0]).name
    again = export_groups(
        tmp_path / "out",
        [(n, name, offset, size) for n, (offset, size, _) in enumerate(members[1:])],
        tmp_path / "o2",
    )
    assert again.rewritten == 0 and again.groups == 4 and not again.failed


def test_a_record_whose_digest_disagrees_is_still_copied_verbatim(tmp_path: Path) -> None:
    """The export reads each main record to find old-style revisits; one that does not verify is copied as
    it is, as before (the export copies records, it does not judge them)."""
    writer = WarcWriter(tmp_path / "w", fsync=False)
    wrong = "sha256:" + "A" * 52 + "===="
    response = writer.records.response(
        URL, warc_date(), http_headers("HTTP/1.1 200 OK", STORED), BODY, payload_digest=wrong
    )
    where = writer.write([response])
    writer.close()
    result = export_groups(
        tmp_path / "w", [(1, where.file, where.offset, where.group_length)], tmp_path / "out"
    )
    assert result.groups == 1 and result.rewritten == 0 and not result.failed
    source = (tmp_path / "w" / where.file).read_bytes()[where.offset : where.offset + where.group_length]
    assert source in Path(result.files[0]).read_bytes()
