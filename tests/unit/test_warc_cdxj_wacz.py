"""The CDXJ index (pywb's ``cdx-indexer --cdxj`` format) and the WACZ package of exported WARC files."""

from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

from pipelines.warc.cdxj import index_file, index_files, urlkey, write_cdxj
from pipelines.warc.reader import read_record
from pipelines.warc.records import (
    IDENTICAL_PAYLOAD,
    hex_to_base32,
    http_headers,
    record_id,
    sha256_hex,
)
from pipelines.warc.wacz import PAGES_HEADER, WACZ_VERSION, Page, write_wacz
from pipelines.warc.writer import Location, WarcWriter

BODY = "<html><head><title>青岛</title></head><body>正文</body></html>".encode()


def _archive(folder: Path) -> tuple[list[Path], dict[str, Location]]:
    """A response (with its request), a revisit of it, a seed file, and a 404, in one file."""
    writer = WarcWriter(folder, fsync=False)
    records = writer.records
    url = "http://www.Example.cn:8080/News/a.html?b=2&a=1"
    head = http_headers("HTTP/1.1 200 OK", [("Content-Type", "text/html; charset=utf-8")])
    response = records.response(url, "2024-03-01T08:00:00.123456Z", head, BODY)
    request = records.request(
        url, "2024-03-01T08:00:00.123456Z", http_headers("GET / HTTP/1.1", []), b"", record_id(response)
    )
    where = {"response": writer.write([response, request])}
    revisit = records.revisit(
        url,
        "2024-03-02T08:00:00Z",
        head,
        profile=IDENTICAL_PAYLOAD,
        refers_to=record_id(response),
        refers_to_uri=url,
        refers_to_date="2024-03-01T08:00:00.123456Z",
        payload_digest=hex_to_base32(sha256_hex(BODY)),
    )
    where["revisit"] = writer.write([revisit])
    where["resource"] = writer.write(
        [records.resource("file:seeds/a.md", "2024-03-03T00:00:00Z", "text/markdown", b"# a")]
    )
    missing = http_headers("HTTP/1.1 404 Not Found", [("Content-Type", "text/html")])
    where["missing"] = writer.write(
        [records.response("http://example.cn/gone", "2024-03-04T00:00:00Z", missing, b"<html>404</html>")]
    )
    writer.close()
    return [folder / name for name in writer.files], where


def test_cdxj_lines_are_pywbs_one_per_replayable_record(tmp_path: Path) -> None:
    (path,), where = _archive(tmp_path)
    lines = list(index_file(path))
    assert len(lines) == 4  # not the warcinfo, not the request
    entries = [
        (line.split(" ", 2)[0], line.split(" ", 2)[1], json.loads(line.split(" ", 2)[2])) for line in lines
    ]
    digest = hex_to_base32(sha256_hex(BODY))
    # The urlkey is SURT: host reversed without www, port kept, path lower-cased, query sorted.
    key = "cn,example:8080)/news/a.html?a=1&b=2"
    assert entries[0] == (
        key,
        "20240301080000",
        {
            "url": "http://www.Example.cn:8080/News/a.html?b=2&a=1",
            "mime": "text/html",
            "status": "200",
            "digest": digest,
            "length": str(where["response"].length),  # the response's own gzip member
            "offset": str(where["response"].offset),
            "filename": path.name,
        },
    )
    # A revisit: mime warc/revisit, no status (pywb finds its original by the digest and WARC-Refers-To-*).
    assert entries[1][:2] == (key, "20240302080000")
    assert entries[1][2]["mime"] == "warc/revisit" and "status" not in entries[1][2]
    assert entries[1][2]["digest"] == digest
    assert entries[2][0] == "file:seeds/a.md" and entries[2][2]["mime"] == "text/markdown"
    assert entries[3][2]["status"] == "404"
    # Each line's offset and length read back its record.
    for _, _, entry in entries:
        record = read_record(tmp_path, entry["filename"], int(entry["offset"]), int(entry["length"]))
        assert record.target_uri == entry["url"]
    # Keys keep the line's JSON key order pywb writes: url, mime, status, digest, length, offset, filename.
    assert list(entries[0][2]) == ["url", "mime", "status", "digest", "length", "offset", "filename"]


def test_a_cdxj_file_is_sorted_as_plain_strings(tmp_path: Path) -> None:
    paths, _ = _archive(tmp_path / "a")
    more, _ = _archive(tmp_path / "b")
    out = tmp_path / "index.cdxj"
    count = write_cdxj([*paths, *more], out)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert count == len(lines) == 8
    assert lines == sorted(lines) and lines != [*index_file(paths[0]), *index_file(more[0])]
    assert urlkey("http://www.example.cn/") == "cn,example)/"


def test_a_wacz_holds_the_parts_the_spec_requires(tmp_path: Path) -> None:
    paths, _ = _archive(tmp_path / "w")
    pages = [
        Page(
            "http://www.Example.cn:8080/News/a.html?b=2&a=1",
            "2024-03-01T08:00:00.123456Z",
            "青岛",
            "article-1",
        )
    ]
    out = tmp_path / "export.wacz"
    assert write_wacz(out, paths, pages, title="test export") == 4
    with zipfile.ZipFile(out) as package:
        names = package.namelist()
        assert set(names) == {
            f"archive/{paths[0].name}",
            "indexes/index.cdx",
            "pages/pages.jsonl",
            "datapackage.json",
            "datapackage-digest.json",
        }
        # WARC files stored, not deflated: replay tools read records at their offsets inside the ZIP.
        assert package.getinfo(f"archive/{paths[0].name}").compress_type == zipfile.ZIP_STORED
        assert package.read(f"archive/{paths[0].name}") == paths[0].read_bytes()
        index = package.read("indexes/index.cdx").decode().splitlines()
        assert index == index_files(paths)
        page_lines = [json.loads(line) for line in package.read("pages/pages.jsonl").decode().splitlines()]
        assert page_lines[0] == PAGES_HEADER
        assert page_lines[1] == {
            "id": "article-1",
            "url": pages[0].url,
            "ts": pages[0].ts,
            "title": "青岛",
        }
        described = package.read("datapackage.json")
        datapackage = json.loads(described)
        assert datapackage["profile"] == "data-package" and datapackage["wacz_version"] == WACZ_VERSION
        assert datapackage["title"] == "test export" and datapackage["created"].endswith("Z")
        resources = {r["path"]: r for r in datapackage["resources"]}
        assert set(resources) == set(names) - {"datapackage.json", "datapackage-digest.json"}
        for name, resource in resources.items():
            data = package.read(name)
            assert resource["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
            assert resource["bytes"] == len(data) and resource["name"] == name.rsplit("/", 1)[1].lower()
        digest = json.loads(package.read("datapackage-digest.json"))
        assert digest == {
            "path": "datapackage.json",
            "hash": "sha256:" + hashlib.sha256(described).hexdigest(),
        }
