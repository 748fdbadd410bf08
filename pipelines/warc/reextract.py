"""Re-extraction: run today's extractor over the WARC archive, offline, and update what changed. Scrapy-free.

Each article's capture is read back from its WARC record; the document is rebuilt exactly as the crawl built
it (payload decoded per Content-Encoding as Scrapy's HttpCompressionMiddleware does, headers as the spider
saw them, the spider's own description from ``captures.document``), and handed to
``pipelines.documents.record_from_document``, the very function the crawl uses. The result is saved through
``pipelines.saving.ArticleSaver`` like a crawled record, but in place, without a new version (the page did not
change, only what was read from it did); a changed article is re-indexed and re-clustered.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from pipelines.archive import capture_document
from pipelines.archive.lookup import Selection, capture_row, select_articles
from pipelines.archive.runs import finish_run, save_error, start_run
from pipelines.archive.store import stored_form, write_transaction
from pipelines.documents.raw import RawDocument
from pipelines.documents.records import CONTENT_FIELDS, PROVENANCE_FIELDS
from pipelines.extract import EXTRACTOR_NAME, EXTRACTOR_VERSION
from pipelines.extract.worker import TIME_BUDGET, budget_in_this_process, init_worker, record_or_reason
from pipelines.headers import header_key
from pipelines.saving import ArticleSaver
from pipelines.warc.reader import StoredRecord, WarcReadError, read_record

COMPARED = CONTENT_FIELDS  # a change in any of these is a change of the article (pipelines.documents.records)
UPDATED = (*CONTENT_FIELDS, "content_hash", "char_count", "word_count", *PROVENANCE_FIELDS)
BATCH = 200
INLINE_BELOW = 100  # with workers=None, fewer articles than this are re-extracted without a pool
_ORIG_PREFIX = "X-Archive-Orig-"  # headers renamed on capture (crawler.warc_middleware)


@dataclass
class Change:
    article_id: int
    fields: list[str]
    before: dict[str, Any]
    after: dict[str, Any]


@dataclass
class Summary:
    selected: int = 0
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (article id, reason)
    without_warc: list[int] = field(default_factory=list)
    per_field: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    run_id: int | None = None


# -- rebuilding the document -------------------------------------------------------------------------------


def decode_content(body: bytes, headers: dict[str, str]) -> tuple[bytes, dict[str, str]]:
    """Undo Content-Encoding as Scrapy's HttpCompressionMiddleware does, headers included: it decodes from
    the last encoding back to the first it supports, keeps the rest lower-cased, or drops the header."""
    key = header_key(headers, "content-encoding")
    if key is None:
        return body, headers
    to_keep = [e.strip().lower() for e in headers[key].split(",")]
    to_decode = []
    while to_keep:
        encoding = to_keep.pop()
        if encoding not in _DECODERS:
            to_keep.append(encoding)
            break
        to_decode.append(encoding)
    for encoding in to_decode:
        body = _DECODERS[encoding](body)
    headers = dict(headers)
    if to_keep:
        headers[key] = ", ".join(to_keep)
    else:
        del headers[key]
    return body, headers


def _gunzip(data: bytes) -> bytes:
    # Like scrapy.utils.gz.gunzip: every member, and as much as there is of a truncated one.
    out = []
    while data:
        decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            out.append(decompressor.decompress(data))
        except zlib.error:
            if out:
                break
            raise
        data = decompressor.unused_data
    return b"".join(out)


def _inflate(data: bytes) -> bytes:
    try:
        return zlib.decompressobj().decompress(data)
    except zlib.error:  # raw deflate, as some servers send it
        return zlib.decompressobj(-15).decompress(data)


def _unbrotli(data: bytes) -> bytes:
    try:  # the module Scrapy itself uses for br
        import brotli
    except ImportError:
        import brotlicffi as brotli
    return bytes(brotli.decompress(data))


def _unzstd(data: bytes) -> bytes:
    try:
        from compression import zstd
    except ImportError:
        from backports import zstd  # Scrapy's own dependency for zstd before Python 3.14
    return bytes(zstd.decompress(data))


_DECODERS: dict[str, Callable[[bytes], bytes]] = {
    "gzip": _gunzip,
    "x-gzip": _gunzip,
    "deflate": _inflate,
    "br": _unbrotli,
    "zstd": _unzstd,
}


def joined_headers(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Header pairs as the spiders record them: one entry per name, repeated values joined by ", "."""
    result: dict[str, list[str]] = {}
    for name, value in pairs:
        result.setdefault(name.removeprefix(_ORIG_PREFIX), []).append(value)
    return {name: ", ".join(values) for name, values in result.items()}


def _capture(db: sqlite_utils.Database, capture_id: int) -> dict[str, Any]:
    row = capture_row(db, capture_id)
    if row is None:
        raise WarcReadError(f"capture {capture_id} is not in the database")
    return row


def _read(folder: Path, capture: dict[str, Any]) -> StoredRecord:
    return read_record(folder, capture["warc_file"], capture["warc_offset"], capture["warc_length"])


def load_document(
    db: sqlite_utils.Database, folder: Path, capture_id: int, article: dict[str, Any]
) -> RawDocument:
    """The document the crawl extracted ``article`` from, rebuilt from its WARC record."""
    capture = _capture(db, capture_id)
    record = _read(folder, capture)
    payload = record.payload
    if record.record_type == "revisit":  # no payload of its own: it is the original's
        if not capture["revisit_of"]:
            raise WarcReadError(f"revisit capture {capture_id} does not say which capture it repeats")
        payload = _read(folder, _capture(db, capture["revisit_of"])).payload
    described = capture_document.expand(capture)
    if record.status_line:  # an HTTP response: headers as received, body as Scrapy decoded it
        body, headers = decode_content(payload, joined_headers(record.http_headers))
    else:  # a seed file: the headers are its sidecar's
        body, headers = payload, dict(described.get("headers") or {})
    return RawDocument(
        body=body,
        name=described.get("name") or capture["path"] or capture["url"],
        fetched_at=described.get("fetched_at") or capture["fetched_at"],
        url=described.get("url", article.get("url")),
        headers=headers,
        status=record.status,
        path=described.get("path", capture["path"]),
        source=described.get("source", article.get("source")),
        timezone=described.get("timezone"),
        kind=described.get("kind", "auto"),
        aliases=list(described.get("aliases") or []),
        capture_id=capture_id,
    )


# -- extracting and comparing ------------------------------------------------------------------------------


def compare(article: dict[str, Any], record: dict[str, Any]) -> list[str]:
    return [f for f in COMPARED if stored_form(record.get(f)) != article.get(f)]


def _batches(items: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _executor(workers: int) -> Executor | None:
    if workers == 0:
        return None
    # spawn, as the crawl's extraction pool: the same fresh interpreter state for every worker; and the
    # same initializer, so a worker dies with this process however it ends (even by SIGKILL).
    return ProcessPoolExecutor(
        workers, mp_context=multiprocessing.get_context("spawn"), initializer=init_worker
    )


class WorkerPool:
    """reextract's extraction pool. When a worker dies (a page stuck in C code past its CPU-time backstop,
    the kernel's OOM killer), the pool is renewed and the batch goes again page by page, so that only the
    page that kills a worker again fails, and the run carries on."""

    def __init__(self, workers: int, factory: Callable[[int], Executor | None] | None = None) -> None:
        self.workers = workers
        self.factory = factory or _executor
        self.executor = self.factory(workers)

    def renew(self) -> None:
        old, self.executor = self.executor, self.factory(self.workers)
        if old is not None:
            old.shutdown(wait=False, cancel_futures=True)

    def extract(self, docs: list[RawDocument]) -> list[tuple[dict[str, Any] | None, str | None]]:
        if self.executor is None:
            # Inline: each page gets the budget a worker would give it (time and memory), in this process.
            with budget_in_this_process():
                return [record_or_reason(doc) for doc in docs]
        try:
            return list(self.executor.map(record_or_reason, docs))
        except BrokenProcessPool:
            self.renew()
        results = []
        for doc in docs:
            executor = self.executor
            assert executor is not None
            try:
                results.append(executor.submit(record_or_reason, doc).result())
            except BrokenProcessPool:
                results.append((None, "the extraction process crashed" + _stopped_why(executor)))
                self.renew()
        return results

    def shutdown(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(cancel_futures=True)


def _stopped_why(executor: Executor) -> str:
    """Why a broken pool's workers ended, when their exit says it (SIGXCPU: the time budget's backstop)."""
    processes = list((getattr(executor, "_processes", None) or {}).values())
    for process in processes:
        if process.exitcode is None:
            process.join(timeout=1)  # its exit status comes a moment after its pipe closes
    if any(process.exitcode == -signal.SIGXCPU for process in processes):
        return f": a page went over the time budget ({TIME_BUDGET:g} s per document)"
    return ""


def reextract(
    db: sqlite_utils.Database,
    folder: Path,
    *,
    source: str | None = None,
    since: str | None = None,
    dry_run: bool = False,
    workers: int | None = None,
) -> Summary:
    """Re-extract the selected articles from their WARC records; update (unless ``dry_run``) those whose
    fields changed, and stamp every processed row with the extractor's name and version."""
    started = time.perf_counter()
    summary = Summary()
    articles = select_articles(
        db, Selection(source=source, since=since), ("id", "capture_id", "source", *UPDATED)
    )
    summary.selected = len(articles)
    if not dry_run:
        args = {"source": source, "since": since, "extractor": f"{EXTRACTOR_NAME} {EXTRACTOR_VERSION}"}
        summary.run_id = start_run(db, kind="reextract", spider="reextract", source=source, args=args)
    saver = ArticleSaver(db)
    if not dry_run:
        saver.open()
    if workers is None:
        # A pool starts its processes and imports the extractor in each: seconds that a few articles
        # never win back (15 articles: 23 s with a pool, 6 s inline). Small jobs run inline.
        workers = 0 if len(articles) < INLINE_BELOW else os.cpu_count() or 1
    pool = WorkerPool(workers)
    try:
        for batch in _batches(articles, BATCH):
            _reextract_batch(saver, folder, batch, summary, pool, dry_run)
    finally:
        pool.shutdown()
    summary.seconds = time.perf_counter() - started
    if summary.run_id is not None:
        for article_id, reason in summary.failed:
            save_error(db, summary.run_id, f"article {article_id}", reason, "reextract")
        finish_run(
            db,
            summary.run_id,
            status="finished",
            finish_reason="finished",
            inputs=summary.selected,
            updated=len(summary.changed),
            unchanged=summary.unchanged,
            failed=len(summary.failed),
            stats={"per_field": dict(summary.per_field), "without_warc": len(summary.without_warc)},
        )
    return summary


def _reextract_batch(
    saver: ArticleSaver,
    folder: Path,
    batch: list[dict[str, Any]],
    summary: Summary,
    pool: WorkerPool,
    dry_run: bool,
) -> None:
    db = saver.db
    docs: list[tuple[dict[str, Any], RawDocument]] = []
    for article in batch:
        if article["capture_id"] is None or article["warc_file"] is None:
            summary.without_warc.append(article["id"])
            continue
        try:
            docs.append((article, load_document(db, folder, article["capture_id"], article)))
        except (WarcReadError, ValueError) as exc:  # a missing or damaged file: report, carry on
            _fail(summary, article["id"], str(exc))
    results = pool.extract([doc for _, doc in docs])
    with write_transaction(db):  # the batch is one transaction: rows, keys and search index together
        for (article, _), (record, error) in zip(docs, results, strict=True):
            if record is None:
                _fail(summary, article["id"], error or "no article")
                continue
            changed = compare(article, record)
            summary.per_field.update(changed)
            if changed:
                summary.changed.append(
                    Change(
                        article["id"],
                        changed,
                        {f: article.get(f) for f in changed},
                        {f: stored_form(record.get(f)) for f in changed},
                    )
                )
            else:
                summary.unchanged += 1
            if not dry_run:
                values = {f: stored_form(record.get(f)) for f in (UPDATED if changed else PROVENANCE_FIELDS)}
                saver.save_reextraction(article["id"], values, record.get("keys") or [], changed)
        saver.flush()  # the changed articles re-clustered, in this batch's transaction


def _fail(summary: Summary, article_id: int, reason: str) -> None:
    summary.failed.append((article_id, reason))


def parse_since(value: str) -> str:
    """A date or ISO 8601 time, as UTC ISO 8601 (a time without offset is taken as UTC)."""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"not a date or ISO 8601 time: {value!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()
