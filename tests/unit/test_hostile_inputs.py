"""Hostile inputs that end as a named failure, in-process: where a crawl may send requests
(``pipelines.fetch_policy``), URLs that once abandoned a page, YAML bombs, files that are not regular files,
symbolic links out of a folder, sidecars naming other schemes or time zones, and a write interrupted at any
statement (``pipelines.archive.store.write_transaction``). The same with real processes and servers:
tests/e2e/test_hostile_*.py."""

from __future__ import annotations

import ctypes
import os
import sqlite3
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from pipelines.archive.schema import FTS_TABLE, ensure_db_shape
from pipelines.documents.frontmatter import parse_front_matter
from pipelines.documents.raw import RawDocument, record_from_document
from pipelines.documents.safe_yaml import YAMLBudgetError, load_yaml
from pipelines.documents.seed_files import discover_seed_files, parse_sidecar
from pipelines.documents.urls import canonicalize_url
from pipelines.errors import DocumentError
from pipelines.fetch_policy import FetchPolicy
from pipelines.saving import ArticleSaver
from tests.support.hostile_inputs import BOMB, page

# -- where requests may go ----------------------------------------------------------------------------

LOCAL = FetchPolicy.for_source(["127.0.0.1"], ["http://127.0.0.1:8080/", "http://127.0.0.1:8080/feed.xml"])
PUBLIC = FetchPolicy.for_source(["example.com"], ["https://www.example.com/news/"])


@pytest.mark.parametrize(
    ("policy", "url", "reason"),
    [
        (LOCAL, "http://127.0.0.1:8080/news/1.html", None),
        (LOCAL, "https://127.0.0.1:8080/news/1.html", None),
        (LOCAL, "http://127.0.0.1:9090/", "port 9090 of 127.0.0.1 is not a port the source names"),
        (LOCAL, "http://127.0.0.1/", "port 80 of 127.0.0.1 is not a port the source names"),
        (LOCAL, "http://localhost:8080/", "localhost is a loopback address the source does not name"),
        (LOCAL, "http://a.localhost:8080/", "a.localhost is a loopback address the source does not name"),
        (LOCAL, "http://[::1]:8080/", "::1 is a loopback address the source does not name"),
        (PUBLIC, "https://news.example.com/a.html", None),
        (PUBLIC, "http://example.com/a.html", None),
        (PUBLIC, "https://example.com:8443/", "port 8443 of example.com is not a port the source names"),
        (PUBLIC, "https://example.com.evil.org/", "host example.com.evil.org is not one of the source's allowed domains"),
        (PUBLIC, "http://169.254.169.254/latest/", "169.254.169.254 is a link-local address the source does not name"),
        (PUBLIC, "http://[::ffff:a9fe:a9fe]/", "::ffff:a9fe:a9fe is a link-local address the source does not name"),
        (PUBLIC, "http://2852039166/", "2852039166 is a link-local address the source does not name"),
        (PUBLIC, "http://0x7f000001/", "0x7f000001 is a loopback address the source does not name"),
        (PUBLIC, "http://10.1.2.3/", "10.1.2.3 is a private address the source does not name"),
        (PUBLIC, "http://192.168.0.1/", "192.168.0.1 is a private address the source does not name"),
        (PUBLIC, "http://[fd00::1]/", "fd00::1 is a private address the source does not name"),
        (PUBLIC, "http://0.0.0.0/", "0.0.0.0 is an unspecified address the source does not name"),
        (PUBLIC, "file:///etc/passwd", "file scheme: only http and https are fetched"),
        (PUBLIC, "gopher://example.com/", "gopher scheme: only http and https are fetched"),
        (PUBLIC, "http://example.com:99999/", "not a valid URL (Port out of range 0-65535)"),
    ],
)  # fmt: skip
def test_the_fetch_policy(policy: FetchPolicy, url: str, reason: str | None) -> None:
    assert policy.refusal(url) == reason


def test_an_allowed_name_resolving_to_an_internal_address_is_refused() -> None:
    assert PUBLIC.address_refusal("news.example.com", "93.184.216.34") is None
    assert PUBLIC.address_refusal("news.example.com", "127.0.0.1") == (
        "news.example.com resolved to 127.0.0.1, a loopback address the source does not name"
    )
    assert LOCAL.address_refusal("127.0.0.1", "127.0.0.1") is None  # the source names it


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("http://[::ffff:a9fe:a9fe]/news/x.html", "http://[::ffff:a9fe:a9fe]/news/x.html"),
        ("http://[::1]:8080/a?utm_source=x", "http://[::1]:8080/a"),
        ("http://[::1", "http://[::1"),  # malformed: as given, never an exception that abandons a page
        ("http://example.com:99999/x", "http://example.com:99999/x"),
    ],
)
def test_canonical_urls_of_odd_hosts_do_not_raise(url: str, canonical: str) -> None:
    assert canonicalize_url(url) == canonical
    assert canonicalize_url(canonical) == canonical


# -- YAML front matter ----------------------------------------------------------------------------------


def test_a_yaml_alias_bomb_is_refused_at_once() -> None:
    with pytest.raises(YAMLBudgetError, match="aliases expand it past 10000 values"):
        load_yaml(BOMB)
    document = f"---\ntitle: 炸弹\n{BOMB}---\n<p>正文</p>\n"
    with pytest.raises(DocumentError, match="broken front matter: aliases expand it past 10000 values"):
        parse_front_matter(document, "bomb.md")


def test_recursive_and_excessive_aliases_are_refused_and_small_ones_kept() -> None:
    with pytest.raises(YAMLBudgetError, match="recursive"):
        load_yaml("a: &a [*a]\n")
    many = "a: &a 1\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    with pytest.raises(YAMLBudgetError, match="more than 100 aliases"):
        load_yaml(many)
    assert load_yaml("base: &b {x: 1}\nother: *b\n") == {"base": {"x": 1}, "other": {"x": 1}}
    with pytest.raises(Exception, match="could not determine a constructor"):
        load_yaml("x: !!python/object/apply:os.system ['true']\n")


# -- seed files -------------------------------------------------------------------------------------------


def test_only_regular_files_are_read_and_links_stay_in_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "seeds"
    folder.mkdir()
    (folder / "ok.html").write_text("<html></html>", encoding="utf-8")
    os.mkfifo(folder / "fifo.html")  # reading it would wait for a writer for ever
    (folder / "zero.html").symlink_to("/dev/zero")  # a device: endless
    (folder / "passwd.html").symlink_to("/etc/passwd")  # out of the folder
    (tmp_path / "outside.html").write_text("<html></html>", encoding="utf-8")
    (folder / "outside.html").symlink_to(tmp_path / "outside.html")
    (folder / "inside.html").symlink_to(folder / "ok.html")  # within the folder: the same file, once

    files, errors = discover_seed_files([str(folder)])
    assert [f.path.name for f in files] == ["ok.html"]
    reasons = {Path(e.input).name: e.reason for e in errors}
    assert reasons["fifo.html"] == "not a regular file (a FIFO)"
    assert reasons["zero.html"] == "not a regular file (a device)"
    assert reasons["passwd.html"].startswith("a symbolic link out of ")
    assert reasons["outside.html"].startswith("a symbolic link out of ")
    assert set(reasons) == {"fifo.html", "zero.html", "passwd.html", "outside.html"}

    # Named explicitly, a link to a regular file is read (the user asked for it); a FIFO never is.
    files, errors = discover_seed_files([str(folder / "outside.html"), str(folder / "fifo.html")])
    assert [f.path for f in files] == [(tmp_path / "outside.html").resolve()]
    assert [e.reason for e in errors] == ["not a regular file (a FIFO)"]


def test_a_document_over_the_size_limit_is_not_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pipelines.documents.seed_files as seed_files

    monkeypatch.setattr(seed_files, "MAX_DOCUMENT_BYTES", 100)
    (tmp_path / "big.html").write_bytes(b"x" * 101)
    files, errors = discover_seed_files([str(tmp_path / "big.html")])
    assert files == [] and errors[0].reason == "too large: 101 bytes (at most 100 are read)"


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"url": "file:///etc/passwd"}, "url must be an http(s) URL, not 'file:///etc/passwd'"),
        ({"url": "javascript:alert(1)"}, "url must be an http(s) URL, not 'javascript:alert(1)'"),
        ({"url": 5}, "url must be an http(s) URL, not 5"),
        ({"timezone": "../../etc/passwd"}, "timezone is not a known time zone: '../../etc/passwd'"),
        ({"timezone": "Mars/Olympus"}, "timezone is not a known time zone: 'Mars/Olympus'"),
    ],
)
def test_sidecars_with_other_schemes_or_unknown_time_zones_are_errors(
    fields: dict[str, Any], reason: str
) -> None:
    import json

    with pytest.raises(DocumentError) as raised:
        parse_sidecar(json.dumps(fields).encode(), "page.html")
    assert (raised.value.input, raised.value.reason) == ("page.html.json", reason)
    assert parse_sidecar(b'{"url": "https://a.example/x", "timezone": "Asia/Shanghai"}', "p.html")


# -- one transaction per article --------------------------------------------------------------------------


class _Interrupter:
    """Interrupts the ``at``-th SQL statement of a connection, once."""

    def __init__(self, at: int) -> None:
        self.at, self.count, self.fired = at, 0, False

    def trace(self, statement: str) -> None:
        self.count += 1

    def progress(self) -> bool:
        if self.count >= self.at and not self.fired:
            self.fired = True
            return True
        return False


def _record(make_record: Any, text: str) -> dict[str, Any]:
    return dict(make_record(text), title="标题")


def test_a_write_interrupted_at_any_statement_is_undone(tmp_path: Path, make_record: Any) -> None:
    """In-process counterpart of tests/e2e/test_hostile_writes.py: the write's Nth statement is interrupted
    (SQLITE_INTERRUPT, through the progress handler) instead of the process being killed; what is left is
    the old state, and the write then goes through."""
    first = _record(make_record, "青岛市南区今天召开会议，部署海洋经济发展工作。会议要求加快推进重点项目。")
    changed = _record(make_record, "青岛市北区今天召开会议，部署地铁建设工作。会议要求加快推进重点项目。")

    def state(db: sqlite_utils.Database) -> tuple[Any, ...]:
        return (
            db.execute("select id, text, version from articles").fetchall(),
            sorted(db.execute("select key, article_id from article_keys").fetchall()),
            db.execute("select count(*) from article_versions").fetchone(),
            db.execute(f"select rowid, text from [{FTS_TABLE}]").fetchall(),
        )

    kill_at, interrupted = 1, 0
    while True:
        db = sqlite_utils.Database(sqlite3.connect(":memory:"))
        ensure_db_shape(db)
        saver = ArticleSaver(db)
        saver.open()
        saver.save(first)
        saver.flush()
        before = state(db)
        interrupter = _Interrupter(kill_at)
        db.conn.set_trace_callback(interrupter.trace)
        db.conn.set_progress_handler(interrupter.progress, 1)
        try:
            saver.save(changed)
        except sqlite3.OperationalError as exc:
            assert "interrupted" in str(exc)
            interrupted += 1
            db.conn.set_progress_handler(None, 1)
            db.conn.set_trace_callback(None)
            assert state(db) == before, f"interrupted at statement {kill_at}"
            saver.save(changed)
            assert db.execute("select version from articles").fetchone() == (2,)
            kill_at += 1
            continue
        finally:
            db.conn.set_progress_handler(None, 1)
            db.conn.set_trace_callback(None)
        break
    assert interrupted > 5


# -- UTF-16 pages -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_pages_are_decoded_not_refused_as_binary(encoding: str) -> None:
    document = RawDocument(
        body=page().encode(encoding),
        name="utf16.html",
        fetched_at="2024-03-01T10:00:00+08:00",
        headers={"Content-Type": "text/html; charset=utf-16"},
        path="utf16.html",
    )
    record = record_from_document(document)
    assert record["title"] == "青岛部署海洋经济工作"
    assert "海洋经济发展工作" in record["text"]


def test_nul_bytes_that_are_not_utf16_are_still_binary() -> None:
    document = RawDocument(body=b"\0" * 64, name="nul.html", fetched_at="2024-03-01T10:00:00+08:00")
    with pytest.raises(DocumentError, match="binary data"):
        record_from_document(document)


def test_an_unknown_front_matter_time_zone_is_an_error_not_utc() -> None:
    text = "---\ntitle: 青岛部署海洋经济工作\ndate: 2024-03-01 10:00\ntimezone: ../../etc/passwd\n---\n<p>青岛市南区今天召开会议。</p>\n"
    document = RawDocument(
        body=text.encode(), name="tz.md", fetched_at="2024-03-01T10:00:00+08:00", path="tz.md"
    )
    with pytest.raises(DocumentError, match=r"timezone is not a known time zone: '\.\./\.\./etc/passwd'"):
        record_from_document(document)


def test_a_front_matter_url_of_another_scheme_is_an_error() -> None:
    text = "---\ntitle: 青岛部署海洋经济工作\nurl: file:///etc/passwd\n---\n<p>青岛市南区今天召开会议。</p>\n"
    document = RawDocument(
        body=text.encode(), name="u.md", fetched_at="2024-03-01T10:00:00+08:00", path="u.md"
    )
    with pytest.raises(DocumentError, match="url must be an http\\(s\\) URL, not 'file:///etc/passwd'"):
        record_from_document(document)


# -- a worker killed under reextract --------------------------------------------------------------------


class _DyingPool:
    """An executor whose worker dies on the page named "stuck.html" (as SIGXCPU or the OOM killer would
    end it), in-process."""

    def __init__(self, log: list[str]) -> None:
        self.log = log

    def map(self, fn: Any, docs: Any) -> Any:
        docs = list(docs)
        if any(doc.name == "stuck.html" for doc in docs):
            raise BrokenProcessPool("a worker died")
        return map(fn, docs)

    def submit(self, fn: Any, doc: Any) -> Future[Any]:
        future: Future[Any] = Future()
        if doc.name == "stuck.html":
            future.set_exception(BrokenProcessPool("a worker died"))
        else:
            future.set_result(fn(doc))
        return future

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        self.log.append("shutdown")


def test_a_page_that_kills_its_worker_fails_alone_and_reextract_goes_on() -> None:
    from pipelines.warc.reextract import WorkerPool

    log: list[str] = []
    pool = WorkerPool(2, factory=lambda count: _DyingPool(log))  # type: ignore[arg-type,return-value]
    docs = [
        RawDocument(body=page(title).encode(), name=name, fetched_at="2024-03-01T10:00:00+08:00", path=name)
        for name, title in (
            ("a.html", "青岛部署海洋经济工作"),
            ("stuck.html", "卡住"),
            ("b.html", "青岛地铁8号线开通"),
        )
    ]
    results = pool.extract(docs)
    assert [record["title"] if record else error for record, error in results] == [
        "青岛部署海洋经济工作",
        "the extraction process crashed",
        "青岛地铁8号线开通",
    ]
    assert log == ["shutdown", "shutdown"]  # the pool renewed after each death


def test_reextract_inline_gives_each_page_the_workers_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    """Below INLINE_BELOW articles reextract extracts in its own process: a page still gets the workers'
    time and memory budget (named failures), and the pages after it are extracted."""
    from pipelines.extract import worker
    from pipelines.warc.reextract import WorkerPool
    from tests.support.hostile_pages import around, tiny_tags

    def document(name: str, html: str) -> RawDocument:
        return RawDocument(body=html.encode(), name=name, fetched_at="2024-03-01T10:00:00+08:00", path=name)

    pool = WorkerPool(0)
    assert pool.executor is None  # inline
    slow = document("slow.html", tiny_tags(100_000))  # ~3 s of CPU, ~100 MB more address space
    good = document("good.html", around(""))

    monkeypatch.setattr(worker, "TIME_BUDGET", 0.5)
    monkeypatch.setattr(worker, "MEMORY_BUDGET_MB", 0)
    (record, reason), (kept, _) = pool.extract([slow, good])
    assert (record, reason) == (None, "over the time budget (0.5 s per document)")
    assert kept is not None and kept["title"] == "青岛部署海洋经济工作"

    monkeypatch.setattr(worker, "TIME_BUDGET", 60.0)
    monkeypatch.setattr(worker, "MEMORY_BUDGET_MB", 40)
    # The budget is address space beyond what the process holds: memory earlier tests freed but the heap
    # kept would be used first. Handed back, so that this page's own growth is what is measured.
    ctypes.CDLL("libc.so.6").malloc_trim(0)  # (find_library would start ldconfig)
    # Far more than 40 MB (~600 MB alone), and more than the free space a long test run leaves in the heap.
    big = document("big.html", tiny_tags(400_000))
    (record, reason), (kept, _) = pool.extract([big, good])
    assert (record, reason) == (None, "over the memory budget (40 MB per document)")
    assert kept is not None and kept["title"] == "青岛部署海洋经济工作"


# -- the corpus ---------------------------------------------------------------------------------------------


def test_the_hostile_corpus_holds_at_least_60_inputs() -> None:
    from tests.support.hostile_inputs import hostile_corpus

    corpus = hostile_corpus()
    print(f"hostile corpus: {len(corpus)} inputs")
    assert len(corpus) >= 60


def test_a_feed_with_a_billion_laughs_dtd_keeps_its_links_or_fails_by_name() -> None:
    from scrapy.http import Request, XmlResponse

    from crawler.spiders.news import NewsSpider
    from tests.support.hostile_inputs import laughs_feed

    spider = NewsSpider.__new__(NewsSpider)
    spider.is_article_url = lambda url: True  # type: ignore[method-assign]
    spider.article_request = lambda url: Request(url)  # type: ignore[method-assign]
    url = "http://127.0.0.1:8080/feed.xml"
    response = XmlResponse(url, body=laughs_feed("http://127.0.0.1:8080/news/1.html"), request=Request(url))
    requests = list(spider.parse_feed(response))
    assert [r.url for r in requests] == ["http://127.0.0.1:8080/news/1.html"]
