"""WARC files on their own: rollover, reading a record by offset, digests, and checking a file's tail."""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from pipelines.warc.export import export_groups
from pipelines.warc.reader import WarcReadError, read_record
from pipelines.warc.records import IDENTICAL_PAYLOAD, http_headers, record_id, sha256_base32, warc_date
from pipelines.warc.repair import check_tail
from pipelines.warc.writer import Location, WarcWriter
from tests.support.warc import warcio_check


def write_pages(writer: WarcWriter, count: int) -> list[tuple[Location, bytes]]:
    written = []
    for number in range(count):
        body = f"<html><body><p>第{number}篇稿件正文。</p></body></html>".encode() * 10
        headers = http_headers(
            "HTTP/1.1 200 OK", [("Content-Type", "text/html; charset=utf-8"), ("X-Odd", "é")]
        )
        response = writer.records.response(f"http://example.cn/{number}.html", warc_date(), headers, body)
        request = writer.records.request(
            f"http://example.cn/{number}.html",
            warc_date(),
            http_headers(f"GET /{number}.html HTTP/1.1", [("Host", "example.cn")]),
            b"",
            record_id(response),
        )
        written.append((writer.write([response, request]), body))
    return written


def test_records_roll_over_by_size_and_read_back_by_offset(tmp_path: Path) -> None:
    opened: list[str] = []
    closed: list[tuple[str, int]] = []
    writer = WarcWriter(
        tmp_path, max_size=3000, on_open=opened.append, on_close=lambda n, s: closed.append((n, s))
    )
    written = write_pages(writer, 6)
    writer.close()

    assert len(writer.files) > 1 and opened == writer.files
    for name, size in closed:
        assert (tmp_path / name).stat().st_size == size <= 3000
    for location, body in written:
        record = read_record(tmp_path, location.file, location.offset, location.length)
        assert record.record_type == "response" and record.status == 200
        assert record.payload == body
        assert record.warc_headers["WARC-Payload-Digest"] == sha256_base32(body)
        assert ("X-Odd", "é") in record.http_headers  # header bytes written as received, not %-encoded
    first = gzip.decompress((tmp_path / writer.files[0]).read_bytes())
    assert first.startswith(b"WARC/1.1\r\nWARC-Type: warcinfo")
    assert warcio_check([tmp_path / name for name in writer.files]) == 0


def test_a_torn_record_at_the_end_is_cut_and_nothing_else(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path)
    written = write_pages(writer, 3)
    writer.close()
    (name,) = writer.files
    path = tmp_path / name
    good = path.read_bytes()
    last = written[-1][0]
    path.write_bytes(good + good[last.offset : last.offset + last.length // 2])  # killed mid-write

    check = check_tail(tmp_path, name, verified_end=last.offset + last.group_length)
    assert (check.cut, check.problem) == (last.length // 2, None)
    assert path.read_bytes() == good
    assert warcio_check([path]) == 0

    path.write_bytes(good + b"\0" * 4096)  # power loss after the size grew
    assert check_tail(tmp_path, name).cut == 4096 and path.read_bytes() == good


def test_damage_inside_a_file_is_reported_not_cut(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path)
    written = write_pages(writer, 3)
    writer.close()
    (name,) = writer.files
    path = tmp_path / name
    data = bytearray(path.read_bytes())
    middle = written[1][0].offset + 30
    data[middle : middle + 4] = b"XXXX"
    path.write_bytes(bytes(data))

    check = check_tail(tmp_path, name)
    assert check.cut == 0 and check.problem and "corrupt" in check.problem
    assert path.read_bytes() == bytes(data)  # never rewritten
    location = written[1][0]
    with pytest.raises(WarcReadError, match="corrupt"):
        read_record(tmp_path, name, location.offset, location.length)
    ok = written[0][0]
    assert read_record(tmp_path, name, ok.offset, ok.length).payload == written[0][1]


def test_a_file_in_use_by_a_writer_is_left_alone(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path)
    write_pages(writer, 1)
    assert writer.name is not None
    with (tmp_path / writer.name).open("ab") as handle:
        handle.write(gzip.compress(b"WARC/1.1\r\n" * 50)[:20])  # a record being written
    assert check_tail(tmp_path, writer.name).in_use
    writer.close()
    assert check_tail(tmp_path, writer.files[0]).cut == 20


def test_missing_file_and_short_file_are_read_errors(tmp_path: Path) -> None:
    with pytest.raises(WarcReadError, match="missing"):
        read_record(tmp_path, "gone.warc.gz", 0, 10)
    writer = WarcWriter(tmp_path)
    (location, _), *_ = write_pages(writer, 1)
    writer.close()
    with pytest.raises(WarcReadError, match="ends before"):
        read_record(tmp_path, location.file, location.offset, location.length + 10_000)


def test_revisit_and_resource_records_and_a_verbatim_export(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path / "w")
    (original, body), *_ = write_pages(writer, 1)
    first = read_record(tmp_path / "w", original.file, original.offset, original.length)
    revisit = writer.records.revisit(
        "http://example.cn/0.html",
        warc_date(),
        http_headers("HTTP/1.1 200 OK", [("Content-Type", "text/html")]),
        profile=IDENTICAL_PAYLOAD,
        refers_to=first.warc_headers["WARC-Record-ID"],
        refers_to_uri="http://example.cn/0.html",
        refers_to_date=first.warc_headers["WARC-Date"],
        payload_digest=sha256_base32(body),
    )
    again = writer.write([revisit])
    resource = writer.write([writer.records.resource("file:seeds/a.txt", warc_date(), "text/plain", b"abc")])
    writer.close()
    stored = read_record(tmp_path / "w", again.file, again.offset, again.length)
    assert stored.record_type == "revisit" and stored.payload == b""
    assert read_record(tmp_path / "w", resource.file, resource.offset, resource.length).payload == b"abc"

    groups = [
        (i, loc.file, loc.offset, loc.group_length) for i, loc in enumerate((original, again, resource))
    ]
    result = export_groups(tmp_path / "w", groups, tmp_path / "out", info={"description": "test"})
    assert result.groups == 3 and not result.failed
    assert warcio_check([Path(f) for f in result.files]) == 0
    exported = Path(result.files[0]).read_bytes()
    source = (tmp_path / "w" / original.file).read_bytes()
    assert source[original.offset : original.offset + original.group_length] in exported  # byte for byte


def test_an_unreadable_file_is_reported_by_the_export_and_the_rest_copied(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path / "w")
    (good, _), *_ = write_pages(writer, 1)
    writer.close()
    (tmp_path / "w" / "unreadable.warc.gz").mkdir()  # opening it fails with an OSError, not "missing"
    groups = [(1, "unreadable.warc.gz", 0, 100), (2, good.file, good.offset, good.group_length)]
    result = export_groups(tmp_path / "w", groups, tmp_path / "out")
    assert result.groups == 1
    assert [(capture_id, "cannot be read" in reason) for capture_id, reason in result.failed] == [(1, True)]
