"""A thread that owns a resource (a SQLite connection, an open WARC file) and runs jobs on it in order.

Why a thread: Scrapy's reactor is one thread, and every millisecond it spends compressing, fsyncing or
committing is a millisecond it downloads nothing and feeds no extraction worker. zlib, hashlib, file I/O
and SQLite all release the GIL, so that work really runs beside the reactor. One thread per resource keeps
it simple: SQLite objects must stay on the thread that made them, and jobs run one at a time, in the order
they were submitted, so each job sees everything the jobs before it wrote.

Jobs that queue up while the thread is busy form a batch. After running a batch the thread calls
``on_batch`` once (an fsync, a commit) and only then completes the batch's futures: a caller never learns
a result before it is durable, and a busy crawl pays one fsync/commit per batch instead of per job.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
_Job = tuple[Callable[..., Any], tuple[Any, ...], "Future[Any]"]


class WriterThread:
    def __init__(self, name: str, on_batch: Callable[[], None] | None = None, max_batch: int = 64) -> None:
        self.on_batch = on_batch
        self.max_batch = max_batch  # bounds how long the first job of a batch waits for its fsync
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        future: Future[T] = Future()
        self._queue.put((fn, args, future))
        return future

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` on the thread and wait for it (set-up and shutdown, off the hot path)."""
        return self.submit(fn, *args).result()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` on the thread; the reactor (asyncio) loop keeps going meanwhile."""
        return await asyncio.wrap_future(self.submit(fn, *args))

    def close(self) -> None:
        """Finish every job submitted so far, then stop the thread."""
        self._queue.put(None)
        self._thread.join()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            batch, stop = [first], False
            while len(batch) < self.max_batch:
                try:
                    job = self._queue.get_nowait()
                except queue.Empty:
                    break
                if job is None:
                    stop = True
                    break
                batch.append(job)
            self._run_batch(batch)
            if stop:
                return

    def _run_batch(self, batch: list[_Job]) -> None:
        done: list[tuple[Future[Any], Any]] = []
        for fn, args, future in batch:
            if not future.set_running_or_notify_cancel():
                continue
            try:
                done.append((future, fn(*args)))
            except BaseException as exc:  # the caller gets it; the thread and the batch carry on
                future.set_exception(exc)
        try:
            if self.on_batch is not None:
                self.on_batch()
        except BaseException as exc:  # not durable: no job of the batch may report success
            for future, _ in done:
                future.set_exception(exc)
            return
        for future, result in done:
            future.set_result(result)
