"""The scheduler's side of a crawl process (pipelines/schedule/hosts.py): reports matched to crawls, and
a crawl process that dies ends the crawls it had; the outcome codes of crawler/crawl_host.py."""

from __future__ import annotations

import io
import json
import threading
from typing import Any

from scrapy.utils.test import get_crawler

from crawler.crawl_host import COULD_NOT_CRAWL, DONE, FAILED_TO_RUN, outcome_code
from crawler.item_pipelines.extract import ExtractPipeline, close_shared_pools
from crawler.runner import RunSummary
from pipelines.schedule.hosts import CrawlProcess
from pipelines.schedule.scheduler import outcome


class FakeProcess:
    """Enough of a Popen: reports come from ``lines`` once ``release`` is set; exits with ``code``."""

    def __init__(self, lines: list[dict[str, Any]], code: int) -> None:
        self.pid = 4242
        self.stdin = io.StringIO()
        self.release = threading.Event()
        self.code = code
        self.ended = threading.Event()
        text = "".join(json.dumps(line) + "\n" for line in lines)
        parent = self

        class Reports(io.StringIO):
            def __iter__(self) -> Any:
                parent.release.wait(5)
                yield from io.StringIO(text)
                parent.ended.set()

        self.stdout = Reports()

    def poll(self) -> int | None:
        return self.code if self.ended.is_set() else None

    def wait(self, timeout: float | None = None) -> int:
        return self.code


def test_reports_end_their_crawls_and_a_dead_process_ends_the_rest() -> None:
    fake = FakeProcess(
        [
            {"key": "alpha", "event": "started", "run_id": 7},
            {"key": "beta", "event": "skipped", "why": "locked", "detail": "/x/beta.lock"},
            {"key": "alpha", "event": "ended", "code": 0, "run_id": 7, "line": "alpha: ..."},
            {"key": "gamma", "event": "started", "run_id": 9},
            {"key": "nobody", "event": "ended", "code": 0},  # not ours: ignored
        ],
        code=-9,
    )
    process = CrawlProcess(fake)  # type: ignore[arg-type]
    alpha, beta, gamma = (process.submit(key) for key in ("alpha", "beta", "gamma"))
    assert alpha and beta and gamma
    assert process.submit("alpha") is None  # one crawl of a source at a time
    assert [json.loads(line) for line in fake.stdin.getvalue().splitlines()] == [
        {"crawl": "alpha"}, {"crawl": "beta"}, {"crawl": "gamma"},
    ]  # fmt: skip
    fake.release.set()
    assert alpha.wait() == {"key": "alpha", "event": "ended", "code": 0, "run_id": 7, "line": "alpha: ..."}
    assert alpha.started and alpha.run_id == 7
    assert beta.wait()["why"] == "locked" and not beta.started
    assert gamma.wait() == {"key": "gamma", "event": "died", "code": -9, "run_id": 9}
    assert gamma.started and process.in_flight == 0


def test_outcomes_read_as_the_scheduler_logs_them() -> None:
    assert outcome({"event": "skipped", "why": "locked"}) == "skipped: locked"
    assert outcome({"event": "skipped", "why": "stopping"}) == "not started: stopping"
    assert outcome({"event": "ended", "code": 4}) == "exit 4"
    assert outcome({"event": "died", "code": -9}) == "exit -9"


def summary(run_id: int | None, statuses: dict[str, int], **counts: int) -> RunSummary:
    base = {"new": 0, "updated": 0, "unchanged": 0, "duplicates": 0, "skipped_known": 0, "failed": 0}
    return RunSummary(run_id, {**base, **counts, "responses_by_status": statuses}, "finished")


def test_a_crawls_code_is_what_newsarchive_crawl_would_exit_with_for_it() -> None:
    assert outcome_code(summary(3, {"200": 5}, new=2), None) == (DONE, None)
    code, problem = outcome_code(summary(3, {"500": 4}), None)
    assert code == COULD_NOT_CRAWL and problem and "no page answered successfully" in problem
    assert outcome_code(summary(None, {}), "ValueError: bad source") == (
        FAILED_TO_RUN,
        "ValueError: bad source",
    )
    # A failure after the run began is judged by what the run did.
    assert outcome_code(summary(3, {"200": 1}, new=1), "RuntimeError: late") == (DONE, None)


class FakeExecutor:
    def __init__(self) -> None:
        self.shut = False

    def shutdown(self, wait: bool = True, cancel_futures: bool = False) -> None:
        self.shut = True


def test_the_crawls_of_a_crawl_process_share_one_extraction_pool_that_outlives_each() -> None:
    settings = {"ARCHIVE_EXTRACT_WORKERS": 2, "ARCHIVE_EXTRACT_SHARED": True}
    first = ExtractPipeline.from_crawler(get_crawler(settings_dict=settings))
    second = ExtractPipeline.from_crawler(get_crawler(settings_dict=settings))
    own = ExtractPipeline.from_crawler(get_crawler(settings_dict={"ARCHIVE_EXTRACT_WORKERS": 2}))
    try:
        assert first.pool is second.pool and own.pool is not first.pool
        executor = FakeExecutor()
        first.pool.executor = executor  # type: ignore[assignment]  # as if started
        first.close_spider()
        assert not executor.shut and second.executor is executor  # the other crawl still uses it
        own_executor = FakeExecutor()
        own.pool.executor = own_executor  # type: ignore[assignment]
        own.close_spider()
        assert own_executor.shut  # a crawl's own pool goes with it
    finally:
        close_shared_pools()
    assert executor.shut


def test_a_long_lived_process_shapes_the_archive_once_and_again_after_a_schema_change(
    tmp_path: Any, monkeypatch: Any
) -> None:
    import sqlite_utils

    from pipelines.archive import schema

    shaped: list[int] = []
    real = schema.ensure_db_shape

    def counting(db: sqlite_utils.Database) -> None:
        shaped.append(1)
        real(db)

    monkeypatch.setattr(schema, "ensure_db_shape", counting)
    path = str(tmp_path / "a.db")
    for _ in range(3):
        schema.open_archive(path).close()
    assert len(shaped) == 1  # not a write transaction at every opening
    other = sqlite_utils.Database(path)
    other.execute("create table other_process (x)")  # another process changed the schema
    other.close()
    schema.open_archive(path).close()
    assert len(shaped) == 2
    fresh = str(tmp_path / "b.db")
    errors: list[BaseException] = []

    def open_one() -> None:
        try:
            schema.open_archive(fresh).close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and len(shaped) == 3  # threads opening a new archive at once: shaped once
