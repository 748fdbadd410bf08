"""The long-lived crawl process's shared archive writer (crawler/writer_thread.py ArchiveWriter), the run
rows it writes, the archive's shaping across processes, and the download handler's close."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils
from twisted.internet import defer, task

import crawler.download_handlers as handlers
from crawler.crawl_host import cluster_left_over
from crawler.item_pipelines.store import StorePipeline  # imports urllib3, which binds a socket once
from crawler.writer_thread import (
    LOCKED_ATTEMPTS,
    ArchiveWriter,
    close_shared_archive_writers,
    shared_archive_writer,
)
from pipelines.archive import schema
from pipelines.archive.runs import finish_run, running_here, start_run
from pipelines.archive.schema import ensure_db_shape, open_archive


def test_shaping_a_shaped_archive_again_changes_nothing(tmp_path: Path) -> None:
    db = sqlite_utils.Database(tmp_path / "a.db")
    ensure_db_shape(db)
    version = db.execute("pragma schema_version").fetchone()[0]
    ensure_db_shape(db)  # another process's first opening: it used to drop and create every view
    assert db.execute("pragma schema_version").fetchone()[0] == version


def test_another_process_opening_the_archive_does_not_make_this_one_shape_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = str(tmp_path / "a.db")
    open_archive(path).close()
    shapings: list[int] = []
    real = schema.ensure_db_shape

    def counted(db: sqlite_utils.Database) -> None:
        shapings.append(1)
        real(db)

    monkeypatch.setattr(schema, "ensure_db_shape", counted)
    schema._SHAPED.clear()  # as a second crawl process, which has shaped nothing yet
    open_archive(path).close()
    assert shapings == [1]
    open_archive(path).close()  # the first process again: the version it saw is unchanged
    assert shapings == [1]


def test_the_writer_runs_jobs_in_order_on_its_own_connection(tmp_path: Path) -> None:
    writer = ArchiveWriter(str(tmp_path / "a.db"))
    try:
        run_id = writer.call(start_run, kind="crawl", spider="news", source="s", args={})
        # Queued behind the start, not waited for: still in order.
        writer.submit(finish_run, run_id, status="finished", finish_reason="finished")
        assert writer.call(running_here, "s") is False
    finally:
        writer.close()
    row = sqlite_utils.Database(tmp_path / "a.db").table("crawl_runs").get(run_id)
    assert row["status"] == "finished"


def test_a_run_row_says_when_the_run_began_not_when_its_write_got_the_lock(tmp_path: Path) -> None:
    db = open_archive(str(tmp_path / "a.db"))
    run_id = start_run(
        db, kind="crawl", spider="news", source="s", args={}, started="2026-01-01T00:00:00+00:00"
    )
    assert db.table("crawl_runs").get(run_id)["started"] == "2026-01-01T00:00:00+00:00"


def test_a_locked_database_is_tried_again_and_other_errors_are_not(tmp_path: Path) -> None:
    writer = ArchiveWriter(str(tmp_path / "a.db"))
    calls: list[int] = []

    def locked_once(db: Any) -> str:
        calls.append(1)
        if len(calls) == 1:
            raise sqlite3.OperationalError("database is locked")
        return "written"

    def always_locked(db: Any) -> None:
        raise sqlite3.OperationalError("database is locked")

    def broken(db: Any) -> None:
        calls.append(1)
        raise sqlite3.OperationalError("no such table: nothing")

    try:
        assert writer.call(locked_once) == "written" and len(calls) == 2
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            writer.call(always_locked)
        calls.clear()
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            writer.call(broken)
        assert len(calls) == 1
    finally:
        writer.close()
    assert LOCKED_ATTEMPTS >= 2


def test_one_shared_writer_per_archive_and_closing_finishes_what_was_queued(tmp_path: Path) -> None:
    path = str(tmp_path / "a.db")
    first = shared_archive_writer(path)
    assert shared_archive_writer(path) is first
    run_id = first.call(start_run, kind="crawl", spider="news", source="s", args={})
    first.submit(finish_run, run_id, status="interrupted", finish_reason="stopped by the scheduler")
    close_shared_archive_writers()
    assert sqlite_utils.Database(path).table("crawl_runs").get(run_id)["status"] == "interrupted"
    assert shared_archive_writer(path) is not first  # a new one after closing
    close_shared_archive_writers()


class _Pool:
    def __init__(self) -> None:
        self.closed: defer.Deferred[None] = defer.Deferred()

    def closeCachedConnections(self) -> defer.Deferred[None]:
        return self.closed


def test_the_download_handler_closes_without_racing_its_own_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool finishes closing and the one-second timer, already due, runs before the waiting coroutine
    resumes (a busy reactor): Scrapy's own close fired the Deferred twice (AlreadyCalledError)."""
    import twisted.internet

    clock = task.Clock()
    monkeypatch.setattr(twisted.internet, "reactor", clock, raising=False)
    resume: defer.Deferred[None] = defer.Deferred()  # the coroutine resumes only when this fires

    def late(d: defer.Deferred[None]) -> defer.Deferred[None]:
        d.addCallback(lambda _: None)
        return resume

    monkeypatch.setattr(handlers, "maybe_deferred_to_future", late)
    handler = object.__new__(handlers.HTTP11Handler)
    pool = _Pool()
    handler._pool = pool  # type: ignore[assignment]
    handler._disconnect_timeout = 1
    closing = defer.Deferred.fromCoroutine(handler.close())
    pool.closed.callback(None)  # the connections are closed ...
    clock.advance(1)  # ... and the timer runs in the same turn: no AlreadyCalledError
    resume.callback(None)
    assert closing.called and not clock.getDelayedCalls()


def test_writer_threads_take_turns_once_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The crawl process's writer threads run their batches one at a time, in the order they asked."""
    import threading
    import time

    import crawler.writer_thread as writer_thread

    monkeypatch.setattr(writer_thread, "_TURNS", None)
    writer_thread.one_batch_at_a_time()
    inside: list[str] = []
    overlaps: list[tuple[str, ...]] = []
    guard = threading.Lock()

    def job(name: str) -> None:
        with guard:
            inside.append(name)
            if len(inside) > 1:
                overlaps.append(tuple(inside))
        time.sleep(0.02)
        with guard:
            inside.remove(name)

    threads = [writer_thread.WriterThread(f"w{i}") for i in range(4)]
    futures = [t.submit(job, f"w{i}.{k}") for k in range(5) for i, t in enumerate(threads)]
    for future in futures:
        future.result(timeout=10)
    for thread in threads:
        thread.close()
    assert overlaps == []


def test_turns_are_handed_over_in_the_order_asked() -> None:
    import threading
    import time

    from crawler.writer_thread import Turns

    turns = Turns()
    turns.acquire()
    order: list[int] = []
    waiting = []
    for number in range(5):

        def take(n: int = number) -> None:
            turns.acquire()
            order.append(n)
            turns.release()

        thread = threading.Thread(target=take)
        thread.start()
        waiting.append(thread)
        time.sleep(0.02)  # each is waiting before the next asks
    turns.release()
    for thread in waiting:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4]


def test_a_job_its_caller_waits_for_does_not_wait_for_a_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    """A crawl's set-up on the reactor (``call``) is not held up behind the other writer threads' batches."""
    import threading

    import crawler.writer_thread as writer_thread

    monkeypatch.setattr(writer_thread, "_TURNS", None)
    writer_thread.one_batch_at_a_time()
    busy, setup = writer_thread.WriterThread("busy"), writer_thread.WriterThread("setup")
    release = threading.Event()
    try:
        running = busy.submit(release.wait, 10)  # holds the turn until released
        time.sleep(0.05)
        assert setup.call(lambda: "opened") == "opened"  # would wait 10 s for the turn otherwise
        assert not running.done()
        queued = setup.submit(lambda: "written")  # an ordinary job waits for its turn
        time.sleep(0.05)
        assert not queued.done()
        release.set()
        assert queued.result(timeout=5) == "written"
    finally:
        release.set()
        busy.close()
        setup.close()


def test_the_crawl_process_records_runs_through_the_shared_writer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """RunRecorder with ARCHIVE_MANY_CRAWLS: the row is opened, its errors written and closed on the shared
    writer's connection (not the reactor's), with the moment the crawl began, as before."""
    import asyncio

    from scrapy import Spider
    from scrapy.utils.test import get_crawler

    import crawler.extensions as extensions

    path = str(tmp_path / "a.db")
    opened: list[str] = []
    real_open = extensions.open_archive

    def counted_open(p: str) -> sqlite_utils.Database:
        opened.append(p)
        return real_open(p)

    monkeypatch.setattr(extensions, "open_archive", counted_open)
    crawler = get_crawler(Spider, {"ARCHIVE_DB": path, "ARCHIVE_MANY_CRAWLS": True})
    assert crawler.stats is not None
    crawler.stats.open_spider()
    recorder = extensions.RunRecorder.from_crawler(crawler)
    spider = Spider(name="news")
    spider.source_key = "s"  # type: ignore[attr-defined]
    try:
        opening = recorder.spider_opened(spider)
        assert opening is not None
        asyncio.run(opening)  # as Scrapy awaits it (no reactor in a unit test)
        run_id = recorder.run_id
        assert run_id is not None and crawler.stats.get_value("archive/run_id") == run_id
        recorder.document_failed("http://x/1", "broken", "extract", counted=True)
        crawler.stats.set_value("archive/new", 3)
        closing = recorder.spider_closed(spider, "finished")
        assert closing is not None
        asyncio.run(closing)
        shared_archive_writer(path).call(lambda db: None)  # everything queued before it is written
    finally:
        close_shared_archive_writers()
    assert opened == []  # no connection of the reactor's own
    db = sqlite_utils.Database(path)
    row = db.table("crawl_runs").get(run_id)
    assert (row["status"], row["finish_reason"], row["new"], row["source"]) == (
        "finished",
        "finished",
        3,
        "s",
    )
    assert row["started"] <= row["finished"]
    assert [(e["input"], e["stage"]) for e in db["crawl_errors"].rows] == [("http://x/1", "extract")]


def test_the_crawl_process_repairs_unclosed_warc_files_once_and_its_crawls_do_not(tmp_path: Path) -> None:
    from scrapy.utils.test import get_crawler

    from crawler.crawl_host import repair_warc_files
    from crawler.warc_middleware import WarcCaptureMiddleware
    from pipelines.archive.lookup import unclosed_warc_files
    from pipelines.archive.store import warc_file_opened

    path = str(tmp_path / "a.db")
    db = open_archive(path)
    warc_file_opened(db, "left-open.warc.gz", None)  # its crawl died; the file is gone too
    settings = {"ARCHIVE_DB": path, "ARCHIVE_MANY_CRAWLS": True, "ARCHIVE_WARC_DIR": str(tmp_path / "warc")}
    middleware = WarcCaptureMiddleware.from_crawler(get_crawler(settings_dict=settings))
    assert middleware._open() == []  # a crawl of the crawl process leaves it to the process
    middleware.db.close()
    assert unclosed_warc_files(db) == [("left-open.warc.gz", 0)]
    repair_warc_files(db, get_crawler(settings_dict=settings).settings)
    assert unclosed_warc_files(db) == []
    assert db.table("warc_files").get("left-open.warc.gz")["problem"] == "missing"


def test_a_batch_its_caller_waits_for_goes_first_in_line() -> None:
    import threading

    from crawler.writer_thread import Turns

    turns = Turns()
    turns.acquire()
    order: list[str] = []

    def take(name: str, first: bool) -> None:
        turns.acquire(first=first)
        order.append(name)
        turns.release()

    threads = [threading.Thread(target=take, args=(f"queued{i}", False)) for i in range(3)]
    threads.append(threading.Thread(target=take, args=("blocking", True)))
    for thread in threads:
        thread.start()
        time.sleep(0.02)
    turns.release()
    for thread in threads:
        thread.join(5)
    assert order == ["blocking", "queued0", "queued1", "queued2"]


def test_a_crawl_of_the_crawl_process_leaves_other_crawls_articles_to_them_and_the_process_catches_up(
    tmp_path: Path, make_record: Callable[..., dict[str, Any]], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Articles stored but not yet clustered (another crawl in flight has them in its batch, or a killed
    run left them) are not clustered by every crawl that begins; the crawl process clusters those left by
    an earlier run once, when it starts."""
    from scrapy.utils.test import get_crawler

    from crawler.writer_thread import WriterThread
    from pipelines.archive.store import save_article

    async def run_now(self: WriterThread, fn: Callable[..., Any], *args: Any) -> Any:
        return self.call(fn, *args)  # no event loop in a unit test: the job runs, then the coroutine goes on

    monkeypatch.setattr(WriterThread, "run", run_now)
    path = str(tmp_path / "a.db")
    db = open_archive(path)
    waiting = save_article(db, make_record(url="https://s.example.cn/1.html")).article_id
    crawler = get_crawler(settings_dict={"ARCHIVE_DB": path, "ARCHIVE_MANY_CRAWLS": True})
    pipeline = StorePipeline.from_crawler(crawler)
    thread = WriterThread("store-writer")
    try:
        with pytest.raises(StopIteration):
            pipeline._open_async(thread).send(None)
    finally:
        thread.call(pipeline.db.close)
        thread.close()
    assert db.table("articles").get(waiting)["cluster_id"] is None  # still the other crawl's to cluster
    cluster_left_over(db)
    assert db.table("articles").get(waiting)["cluster_id"] is not None


def test_a_thread_that_takes_no_turns_runs_its_file_work_meanwhile_and_waits_only_for_its_sql(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The WARC writer: records are written while another thread's batch holds the turn; its captures rows
    (``sql_turn``) wait for it."""
    import threading

    import crawler.writer_thread as writer_thread

    monkeypatch.setattr(writer_thread, "_TURNS", None)
    writer_thread.one_batch_at_a_time()
    busy = writer_thread.WriterThread("busy")
    warc = writer_thread.WriterThread("warc", takes_turns=False)
    release = threading.Event()

    def rows() -> str:
        with writer_thread.sql_turn():
            return "rows"

    try:
        busy.submit(release.wait, 10)
        time.sleep(0.05)
        assert warc.submit(lambda: "record").result(timeout=2) == "record"
        waiting = warc.submit(rows)
        time.sleep(0.05)
        assert not waiting.done()
        release.set()
        assert waiting.result(timeout=5) == "rows"
    finally:
        release.set()
        busy.close()
        warc.close()
