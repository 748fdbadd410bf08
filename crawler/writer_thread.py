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
import collections
import contextlib
import functools
import queue
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from typing import Any, TypeVar

T = TypeVar("T")
_Job = tuple[Callable[..., Any], tuple[Any, ...], "Future[Any]"]


class WriterThread:
    def __init__(
        self,
        name: str,
        on_batch: Callable[[], None] | None = None,
        max_batch: int = 64,
        *,
        takes_turns: bool = True,
    ) -> None:
        self.on_batch = on_batch
        # False: its batches run whenever they come (``one_batch_at_a_time``); its SQLite writes take a
        # turn themselves (``sql_turn``). For a thread whose jobs are mostly file work (WARC records).
        self.takes_turns = takes_turns
        self.max_batch = max_batch  # bounds how long the first job of a batch waits for its fsync
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._blocking: set[Future[Any]] = set()  # jobs a caller waits for (call): no turn taken
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        future: Future[T] = Future()
        self._queue.put((fn, args, future))
        return future

    def call(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` on the thread and wait for it (set-up and shutdown, off the hot path).

        The caller (often the reactor) is blocked meanwhile, so a batch of only such jobs does not wait
        for its turn (``one_batch_at_a_time``): a write in it waits for SQLite's lock as it would anyway."""
        future: Future[T] = Future()
        self._blocking.add(future)
        self._queue.put((fn, args, future))
        try:
            return future.result()
        finally:
            self._blocking.discard(future)

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
        blocking = [job[2] in self._blocking for job in batch]
        turn = None if all(blocking) or not self.takes_turns else _TURNS
        if turn is not None:
            turn.acquire(first=any(blocking))  # a caller is blocked on it: next in line
        try:
            done, failed = self._run_jobs(batch)
        finally:
            if turn is not None:
                turn.release()
        if failed is not None:  # not durable: no job of the batch may report success
            for future, _ in done:
                future.set_exception(failed)
            return
        for future, result in done:
            future.set_result(result)

    def _run_jobs(self, batch: list[_Job]) -> tuple[list[tuple[Future[Any], Any]], BaseException | None]:
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
        except BaseException as exc:
            return done, exc
        return done, None


class Turns:
    """A lock handed over in the order it was asked for (threading.Lock is not fair: a writer thread with
    a long queue could take it again and again while another waits)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiting: collections.deque[threading.Lock] = collections.deque()
        self._held = False

    def acquire(self, first: bool = False) -> None:
        """Wait for the turn: after those already waiting, or before them (``first``)."""
        with self._guard:
            if not self._held:
                self._held = True
                return
            handed = threading.Lock()
            handed.acquire()
            if first:
                self._waiting.appendleft(handed)
            else:
                self._waiting.append(handed)
        handed.acquire()  # released by the holder's release(): the lock is ours

    def release(self) -> None:
        with self._guard:
            if self._waiting:
                self._waiting.popleft().release()
            else:
                self._held = False


_TURNS: Turns | None = None


@contextlib.contextmanager
def sql_turn() -> Iterator[None]:
    """A turn for a SQLite write made by a thread that does not take turns for its batches (``takes_turns``
    False); nothing when the process does not take turns."""
    turn = _TURNS
    if turn is None:
        yield
        return
    turn.acquire()
    try:
        yield
    finally:
        turn.release()


def one_batch_at_a_time() -> None:
    """From now on the writer threads of this process run their batches one at a time, in turn.

    For the long-lived crawl process (crawler/crawl_host.py): its many crawls each have writer threads
    with connections of their own (store, WARC, skipped pages) and SQLite lets one write at a time. Left
    to SQLite's busy handler, 30-100 threads poll for the write lock with growing sleeps: the lock sits
    idle between polls, and an unlucky thread waits past the 30 s busy timeout ("database is locked", the
    article lost for that run). Taking turns here, each batch runs when the lock is free (no transaction is
    held open between batches: each job commits its own). Cost: their non-SQL work (WARC compression and
    fsync) is serialised too."""
    global _TURNS
    if _TURNS is None:
        _TURNS = Turns()


# Attempts at a job of the shared archive writer that meets "database is locked": each attempt has already
# waited SQLite's busy timeout (30 s) for the write lock, which another crawl process's long transaction
# can hold that long; a run row is worth waiting for rather than losing the crawl.
LOCKED_ATTEMPTS = 3


class ArchiveWriter:
    """One writer thread with one archive connection, shared by every crawl of a process
    (``shared_archive_writer``): the long-lived crawl process's ``crawl_runs`` and ``crawl_errors`` writes
    and its "is a crawl of it running?" reads, off the reactor thread, one at a time, in order."""

    def __init__(self, db_path: str) -> None:
        from pipelines.archive.schema import open_archive

        self.db_path = db_path
        self.thread = WriterThread("archive-writer")
        self.db = self.thread.call(open_archive, db_path)

    def submit(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
        """Run ``fn(db, *args, **kwargs)`` on the thread (tried again while the database is locked)."""
        return self.thread.submit(_retry_locked, functools.partial(fn, self.db, *args, **kwargs))

    def call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return self.submit(fn, *args, **kwargs).result()

    async def run(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        return await asyncio.wrap_future(self.submit(fn, *args, **kwargs))

    def close(self) -> None:
        """Finish every job submitted so far, close the connection, stop the thread."""
        self.thread.submit(self.db.close)
        self.thread.close()


def _retry_locked(job: Callable[[], T]) -> T:
    for attempt in range(1, LOCKED_ATTEMPTS + 1):
        try:
            return job()
        except sqlite3.OperationalError as exc:  # `with db.conn` rolled the transaction back
            if "locked" not in str(exc) or attempt == LOCKED_ATTEMPTS:
                raise
    raise AssertionError("unreachable")


_SHARED: dict[str, ArchiveWriter] = {}
_SHARED_GUARD = threading.Lock()


def shared_archive_writer(db_path: str) -> ArchiveWriter:
    """This process's ArchiveWriter of ``db_path`` (made at the first call)."""
    with _SHARED_GUARD:
        writer = _SHARED.get(db_path)
        if writer is None:
            writer = _SHARED[db_path] = ArchiveWriter(db_path)
        return writer


def close_shared_archive_writers() -> None:
    """Finish their queued writes and close them (the crawl process, before it exits)."""
    with _SHARED_GUARD:
        writers = list(_SHARED.values())
        _SHARED.clear()
    for writer in writers:
        writer.close()
