"""The writer thread WARC capture and storage run on: order, batches, and nothing reported before durable."""

from __future__ import annotations

import threading
import zlib
from pathlib import Path

import pytest

from crawler.writer_thread import WriterThread
from pipelines.warc.reader import read_record
from pipelines.warc.records import http_headers
from pipelines.warc.writer import WarcWriter


def test_jobs_run_in_order_on_one_thread_and_finish_only_after_their_batch_is_flushed() -> None:
    log: list[str] = []
    gate = threading.Event()

    def job(name: str) -> str:
        gate.wait(5)  # the first job holds the thread, so the others queue up into one batch
        log.append(name)
        return threading.current_thread().name

    def flushed() -> None:
        log.append("flush")

    thread = WriterThread("test-writer", on_batch=flushed)
    futures = [thread.submit(job, str(i)) for i in range(5)]
    gate.set()
    assert {f.result(5) for f in futures} == {"test-writer"}
    thread.close()
    assert [x for x in log if x != "flush"] == ["0", "1", "2", "3", "4"]
    assert log[-1] == "flush"
    # every job's flush came after it: none was reported before its batch was durable
    assert all("flush" in log[i + 1 :] for i, x in enumerate(log) if x != "flush")


def test_a_failed_flush_fails_every_job_of_its_batch_and_a_failed_job_only_itself() -> None:
    def flush() -> None:
        raise OSError("disk full")

    def boom() -> None:
        raise ValueError("bad job")

    thread = WriterThread("test-writer", on_batch=flush)
    with pytest.raises(OSError, match="disk full"):
        thread.call(lambda: 1)
    thread.on_batch = None
    with pytest.raises(ValueError, match="bad job"):
        thread.call(boom)
    assert thread.call(lambda: 2) == 2
    thread.close()


@pytest.mark.parametrize("level", [1, 6, 9])
def test_records_written_at_any_compress_level_read_back(tmp_path: Path, level: int) -> None:
    writer = WarcWriter(tmp_path, compress_level=level)
    body = "<p>新闻正文</p>".encode() * 200
    headers = http_headers("HTTP/1.1 200 OK", [("Content-Type", "text/html")])
    record = writer.records.response("http://example.com/a", "2024-01-01T00:00:00Z", headers, body)
    location = writer.write([record], sync=False)
    writer.sync()
    writer.close()
    data = (tmp_path / location.file).read_bytes()[location.offset : location.offset + location.length]
    assert data[:2] == b"\x1f\x8b" and zlib.decompressobj(wbits=31).decompress(data).startswith(b"WARC/1.1")
    assert read_record(tmp_path, location.file, location.offset, location.length).payload == body
