"""pywb itself replays the archive (issue 15): the newest capture of a re-checked article (a 304, written as a
revisit) shows the archived page, from the crawl's own WARC files, from an exported CDXJ index and from an
exported WACZ (which py-wacz validates); and an export gives old-style 304 revisits the page's head."""

from __future__ import annotations

import gzip
import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils
from warcio.timeutils import iso_date_to_timestamp

from bench.warc import crawl, newsarchive
from pipelines.warc.export import export_groups
from pipelines.warc.reader import read_record
from pipelines.warc.records import SERVER_NOT_MODIFIED, hex_to_base32, http_headers, record_id, sha256_hex
from pipelines.warc.writer import WarcWriter
from tests.support.local_site import LocalNewsSite, serve_site, sources_toml
from tests.support.replay import (
    Replayed,
    add_to_collection,
    collection_from_index,
    new_collection,
    run_tool,
    serve_wayback,
    tool,
)


@pytest.fixture(scope="module")
def rechecked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, LocalNewsSite]]:
    """A crawl of the local site, then a re-check of every article (conditional GETs answered 304). The
    articles are sent gzip-compressed: replay must serve the stored Content-Encoding with a revisit too."""
    tool("wayback")  # skip (or fail under CI) before crawling when pywb is not installed
    workdir = tmp_path_factory.mktemp("replay")
    site = LocalNewsSite(article_count=8)
    with serve_site(site) as base_url:
        for path in site.article_paths():
            page = site.pages[path]
            page.body = gzip.compress(page.body, mtime=0)
            page.headers = {**page.headers, "Content-Encoding": "gzip"}
        (workdir / "sources.toml").write_text(sources_toml(base_url), encoding="utf-8")
        first = crawl(workdir)
        assert "stored" in first.stdout, first.stderr
        second = crawl(workdir, "-s", "ARCHIVE_RECHECK_AFTER=0s")
        assert "unchanged" in second.stdout, second.stderr
    yield workdir, site


def _db(workdir: Path) -> sqlite_utils.Database:
    return sqlite_utils.Database(workdir / "a.db")


def _captures_of(workdir: Path, url: str) -> tuple[dict[str, object], dict[str, object]]:
    """The first capture of ``url`` (a 200) and its newest (the 304 re-check)."""
    rows = list(_db(workdir).query("select * from captures where url = ? order by id", [url]))
    assert [r["status"] for r in rows] == [200, 304], rows
    return rows[0], rows[-1]


def _timestamp(workdir: Path, capture: dict[str, object]) -> str:
    record = read_record(
        workdir / "archive" / "warc",
        str(capture["warc_file"]),
        int(str(capture["warc_offset"])),
        int(str(capture["warc_length"])),
    )
    return str(iso_date_to_timestamp(record.warc_headers["WARC-Date"]))


def _content(body: bytes, encoding: str | None) -> bytes:
    return gzip.decompress(body) if encoding == "gzip" else body


def _assert_shows_the_article(replayed: Replayed, title: str, sent: bytes) -> None:
    """The page as archived: the bytes the server sent (pywb undoes their gzip Content-Encoding, and
    serves them with the head that says so)."""
    assert replayed.status == 200, (replayed.status, replayed.headers)
    content = _content(replayed.body, replayed.headers.get("Content-Encoding"))
    assert content == _content(sent, "gzip" if sent.startswith(b"\x1f\x8b") else None)
    assert title in content.decode("utf-8")


def _news_article(site: LocalNewsSite) -> tuple[str, str, bytes]:
    """A re-checked article of the utf-8 channel: its URL, title and the bytes the site sends."""
    article = next(a for a in site.articles if a.channel == "news" and a is not site.redirected_article)
    return site.base_url + article.path, article.title, site.pages[article.path].body


def test_pywb_replays_the_newest_capture_of_a_rechecked_article(
    rechecked: tuple[Path, LocalNewsSite], tmp_path: Path
) -> None:
    workdir, site = rechecked
    url, title, sent = _news_article(site)
    first, newest = _captures_of(workdir, url)
    assert newest["warc_type"] == "revisit"
    new_collection(tmp_path, "crawl")
    add_to_collection(tmp_path, "crawl", *sorted((workdir / "archive" / "warc").glob("*.warc.gz")))
    with serve_wayback(tmp_path) as wayback:
        # The re-check (a 304 on the wire) shows the page, as the first capture does.
        _assert_shows_the_article(wayback.get("crawl", _timestamp(workdir, newest), url), title, sent)
        _assert_shows_the_article(wayback.get("crawl", _timestamp(workdir, first), url), title, sent)
        # Asked for "as late as possible", pywb goes to the newest capture: the page, not an empty 304.
        _assert_shows_the_article(wayback.get("crawl", "2999", url), title, sent)
        # An unchanged list page (a 200 with the same payload: identical-payload revisit) replays too.
        listed = wayback.get("crawl", "2999", site.base_url + "/news/list_1.html")
        assert listed.status == 200 and site.pages["/news/list_1.html"].body == listed.body
    # Our own readers read the new revisits: re-extraction reproduces every article.
    result = newsarchive(workdir, "reextract", "--db", "a.db", "--workers", "0")
    assert " 0 changed" in result.stdout and " 0 failed" in result.stdout, result.stdout + result.stderr


def test_an_exported_wacz_and_cdxj_replay_in_pywb(
    rechecked: tuple[Path, LocalNewsSite], tmp_path: Path
) -> None:
    workdir, site = rechecked
    url, title, sent = _news_article(site)
    _, newest = _captures_of(workdir, url)
    out = tmp_path / "export"
    result = newsarchive(workdir, "export-warc", "--db", "a.db", "--out", str(out), "--cdxj", "--wacz")
    assert result.returncode == 0, result.stderr
    warcs = sorted(out.glob("*.warc.gz"))
    (index,) = out.glob("*.cdxj")
    (package,) = out.glob("*.wacz")
    assert f"index: {index}" in result.stdout and f"package: {package}" in result.stdout

    # Our index is the one pywb's own indexer makes of the same files, line for line.
    pywb_index = run_tool("cdx-indexer", "--cdxj", "--sort", *warcs, cwd=out)
    assert pywb_index.returncode == 0, pywb_index.stderr
    assert index.read_text(encoding="utf-8") == pywb_index.stdout

    # py-wacz's validator accepts the package, and refuses it once a file no longer matches its hash.
    valid = run_tool("wacz", "validate", "-f", package, cwd=tmp_path)
    assert valid.returncode == 0 and "Validation succeeded" in valid.stdout, valid.stdout + valid.stderr
    with zipfile.ZipFile(package) as source:
        pages = [json.loads(line) for line in source.read("pages/pages.jsonl").decode().splitlines()]
        assert url in {page.get("url") for page in pages[1:]}
        tampered = tmp_path / "tampered.wacz"
        with zipfile.ZipFile(tampered, "w") as copy:
            for item in source.infolist():
                data = source.read(item)
                copy.writestr(item, data + b"\n" if item.filename == "pages/pages.jsonl" else data)
    invalid = run_tool("wacz", "validate", "-f", tampered, cwd=tmp_path)
    assert invalid.returncode != 0 and "Validation failed" in invalid.stdout, invalid.stdout

    new_collection(tmp_path, "wacz")
    add_to_collection(tmp_path, "wacz", package, unpack_wacz=True)  # pywb takes the package's own index
    collection_from_index(tmp_path, "cdxj", warcs, index)
    with serve_wayback(tmp_path) as wayback:
        for collection in ("wacz", "cdxj"):
            _assert_shows_the_article(wayback.get(collection, _timestamp(workdir, newest), url), title, sent)


def test_an_export_gives_old_style_304_revisits_the_pages_head(tmp_path: Path) -> None:
    """A revisit that kept the 304's head (written before this change) replays as an empty 304 in pywb;
    the export's copy of it shows the page."""
    url, title = "http://news.example.cn/2024/03/01/a.html", "崂山区老旧小区改造"
    body = gzip.compress(f"<html><head><title>{title}</title></head><body><p>正文</p></body></html>".encode())
    head = [("Content-Type", "text/html; charset=utf-8"), ("Content-Encoding", "gzip"), ("Etag", '"v1"')]
    writer = WarcWriter(tmp_path / "old", fsync=False)
    records = writer.records
    response = records.response(url, "2024-03-01T08:00:00Z", http_headers("HTTP/1.1 200 OK", head), body)
    first = writer.write([response])
    old = records.revisit(
        url,
        "2024-03-02T08:00:00Z",
        http_headers("HTTP/1.1 304 Not Modified", [("Etag", '"v1"')]),
        profile=SERVER_NOT_MODIFIED,
        refers_to=record_id(response),
        refers_to_uri=url,
        refers_to_date="2024-03-01T08:00:00Z",
        payload_digest=hex_to_base32(sha256_hex(body)),
    )
    second = writer.write([old])
    writer.close()
    groups = [(n, g.file, g.offset, g.group_length) for n, g in enumerate((first, second))]
    exported = export_groups(tmp_path / "old", groups, tmp_path / "new")
    assert exported.rewritten == 1 and not exported.failed

    root = tmp_path / "pywb"
    root.mkdir()
    for name, folder in (("old", tmp_path / "old"), ("new", tmp_path / "new")):
        new_collection(root, name)
        add_to_collection(root, name, *sorted(folder.glob("*.warc.gz")))
    with serve_wayback(root) as wayback:
        before = wayback.get("old", "20240302080000", url)
        assert before.status == 304 and before.body == b""  # the bug the export repairs
        _assert_shows_the_article(wayback.get("new", "20240302080000", url), title, body)
    shutil.rmtree(root / "collections")
