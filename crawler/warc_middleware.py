"""Downloader middleware: every response a crawl receives, and every seed file read, goes into WARC.

Order 950, above every built-in downloader middleware, so that on the way back (process_response runs from
high to low order) it sees each response first:

- before HttpCompressionMiddleware (590) decompresses it: the body is archived as transferred;
- before RedirectMiddleware (600) and RetryMiddleware (550) act on it: redirects, errors and every retry
  are archived too;
- before KnownArticlesMiddleware (650) turns a 304 of a re-checked article into IgnoreRequest: the 304 is
  archived as a revisit record.

"As it came off the wire" has limits set by Twisted and Scrapy, which hand over a parsed message, not the
bytes: the body is de-chunked (Transfer-Encoding is undone); the connection-level headers (Transfer-Encoding,
Connection, Keep-Alive) are kept by Twisted and never reach Scrapy, which re-adds Content-Length (first) when
the length was known; header names come title-cased with repeated headers grouped; the status line is
rebuilt from the protocol, the status and the standard reason phrase. The content-encoded body and the
header values are verbatim.
The request record holds the method, URL and headers as the last middleware left them, plus the Host
header Twisted adds.

Write order, for crash safety: the records are appended, flushed and fsynced, and only then is the
``captures`` row committed; its id goes into ``request.meta[CAPTURE_META]`` for the spider to copy into its
item.

All of it (revisit look-up, building and compressing the records, the write, the fsync, the row) runs on
one writer thread (crawler.writer_thread) that owns the WARC file and this middleware's database
connection, so the reactor keeps downloading meanwhile. Responses that arrive while the thread is busy
are written as a batch: each group is appended, then the file is fsynced once, then the batch's rows are
inserted and committed in one short transaction, and only then does any response go on down the chain.
(Inserting only after the fsync keeps the database's write lock free while the disk works: the other
pipelines write through their own connections.) A crash before the commit leaves records no row points
at (harmless: the next run's tail check only cuts half-written ones), never a row pointing at a record
that is not on disk.

A capture whose payload digest equals the previous capture of the same URL, or a 304, is written as a
revisit record pointing at the capture that holds the payload. A 304's revisit carries the original's HTTP
head freshened by the 304's fields, and the 304's own status line in an extension field: replay tools
serve a revisit's head with its original's payload.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Request, Response
from scrapy.utils.defer import deferred_from_coro
from twisted.internet.defer import Deferred
from w3lib.url import file_uri_to_path
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders

from crawler.support import response_headers
from crawler.writer_thread import WriterThread, sql_turn
from pipelines.archive.lookup import Original, revisit_original
from pipelines.archive.schema import open_archive
from pipelines.archive.store import save_captures, warc_file_closed, warc_file_opened
from pipelines.documents.seed_files import sidecar_to_archive
from pipelines.headers import header_key, header_value
from pipelines.warc.reader import WarcReadError, read_record
from pipelines.warc.records import (
    DEFAULT_COMPRESS_LEVEL,
    IDENTICAL_PAYLOAD,
    SERVER_NOT_MODIFIED,
    default_warc_dir,
    freshened_headers,
    hex_to_base32,
    http_headers,
    not_modified_fields,
    record_id,
    sha256_hex,
    warc_date,
)
from pipelines.warc.repair import TailCheck, repair_unclosed_files
from pipelines.warc.seed_captures import reusable_capture
from pipelines.warc.writer import WarcWriter

logger = logging.getLogger(__name__)

CAPTURE_META = "archive_capture_id"
SOURCE_URL_FIELD = "X-Newsarchive-Source-URL"  # a seed's URL (from its sidecar): not a WARC 1.1 field
_FILE_TYPES = {".html": "text/html", ".htm": "text/html", ".shtml": "text/html", ".xhtml": "text/html"}
_FILE_TYPES |= {".md": "text/markdown", ".markdown": "text/markdown", ".txt": "text/plain"}
_HOP_BY_HOP = {"transfer-encoding"}  # undone by Twisted: kept under another name so no reader redoes it


@dataclass
class _PendingRow:
    """A captures row whose records are written but maybe not yet fsynced: inserted by _commit_rows."""

    values: dict[str, Any]
    id: int | None = None
    error: BaseException | None = None
    reused: bool = False  # a seed file's earlier capture of the same bytes (nothing written)


class WarcCaptureMiddleware:
    def __init__(
        self,
        crawler: Crawler,
        db_path: str,
        folder: Path,
        max_size: int,
        fsync: bool,
        compress_level: int = DEFAULT_COMPRESS_LEVEL,
    ) -> None:
        self.crawler = crawler
        self.db_path = db_path
        self.folder = folder
        self.max_size = max_size
        self.fsync = fsync
        self.compress_level = compress_level
        self.writer: WarcWriter | None = None
        self.thread: WriterThread | None = None
        self.pending: list[_PendingRow] = []  # the writer thread's batch, in order
        self.pending_urls: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        settings = crawler.settings
        db_path = settings.get("ARCHIVE_DB")
        if not db_path or not settings.getbool("ARCHIVE_WARC_ENABLED", True):
            raise NotConfigured("WARC capture is off")
        folder = Path(settings.get("ARCHIVE_WARC_DIR") or default_warc_dir(str(db_path)))
        mw = cls(
            crawler,
            str(db_path),
            folder,
            settings.getint("ARCHIVE_WARC_MAX_SIZE", 1_000_000_000),
            settings.getbool("ARCHIVE_WARC_FSYNC", True),
            settings.getint("ARCHIVE_WARC_COMPRESS_LEVEL", DEFAULT_COMPRESS_LEVEL),
        )
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    # -- lifecycle ---------------------------------------------------------------------------------------

    def spider_opened(self, spider: Any) -> None:
        # Its jobs write and compress records and its batches end with an fsync: only the captures rows
        # wait for a turn among the crawl process's writer threads (crawler/writer_thread.py).
        self.thread = WriterThread("warc-writer", on_batch=self._commit_rows, takes_turns=False)
        self.source_key: str | None = getattr(spider, "source_key", None)
        for check in self.thread.call(self._open):
            if check.cut:
                logger.warning("%s: cut %d bytes of a half-written record off its end", check.file, check.cut)
            if check.problem:
                logger.error("%s: %s", check.file, check.problem)
        settings = self.crawler.settings
        info = {
            "operator": str(settings.get("ARCHIVE_CONTACT_URL") or ""),
            "http-header-user-agent": str(settings.get("USER_AGENT") or ""),
            "robots": "obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            "isPartOf": self.source_key or "seeds",
            "description": f"newsarchive {getattr(spider, 'run_kind', 'crawl')} ({spider.name})",
        }
        self.writer = WarcWriter(
            self.folder,
            max_size=self.max_size,
            prefix=str(settings.get("ARCHIVE_WARC_PREFIX") or "newsarchive"),
            info=info,
            fsync=self.fsync,
            on_open=self._file_opened,
            on_close=self._file_closed,
            compress_level=self.compress_level,
        )

    def _open(self) -> list[TailCheck]:
        # On the writer thread: a SQLite connection may only be used by the thread that made it.
        self.db = open_archive(self.db_path)
        if self.crawler.settings.getbool("ARCHIVE_MANY_CRAWLS"):
            # The long-lived crawl process repairs them once, when it starts (crawler/crawl_host.py): here,
            # the files of every crawl in flight were checked again at each crawl's start (~0.1 s each).
            return []
        return repair_unclosed_files(self.db, self.folder)

    def spider_closed(self) -> Deferred[None] | None:
        if self.thread is None:
            return None
        if self.crawler.settings.getbool("ARCHIVE_MANY_CRAWLS"):  # the other crawls go on meanwhile
            return deferred_from_coro(self._close_async())
        self.thread.call(self._close)
        self.thread.close()
        self.thread = None
        return None

    async def _close_async(self) -> None:
        thread, self.thread = self.thread, None
        assert thread is not None
        await thread.run(self._close)
        thread.close()  # its queue is empty: returns at once

    def _close(self) -> None:  # on the writer thread
        if self.writer is not None:
            self._commit_rows()
            self.writer.close()
            self.writer = None
        self.db.close()

    def _commit_rows(self) -> None:
        """On the writer thread, after each batch: the records reach the disk, then their rows commit."""
        if not self.pending:
            return
        rows, self.pending, self.pending_urls = self.pending, [], set()
        try:
            assert self.writer is not None
            self.writer.sync()
            with sql_turn():
                ids = save_captures(self.db, [r.values for r in rows])
            for row, capture_id in zip(rows, ids, strict=True):
                row.id = capture_id
        except BaseException as exc:  # nothing of the batch is committed: no response may say otherwise
            for row in rows:
                row.id, row.error = None, exc
            raise

    def _run_id(self) -> int | None:
        assert self.crawler.stats is not None
        return self.crawler.stats.get_value("archive/run_id")

    def _file_opened(self, name: str) -> None:
        warc_file_opened(self.db, name, self._run_id())

    def _file_closed(self, name: str, size: int) -> None:
        warc_file_closed(self.db, name, size)

    # -- responses ---------------------------------------------------------------------------------------

    async def process_response(self, request: Request, response: Response) -> Response:
        if "cached" in response.flags:
            return response  # archived when it was fetched
        assert self.thread is not None
        began = datetime.now(UTC)  # now, not when the writer thread gets to it
        scheme = urlsplit(response.url).scheme
        if scheme == "file":
            row = await self.thread.run(self._archive_file, request, response, began)
        elif scheme in ("http", "https"):
            row = await self.thread.run(self._archive_http, request, response, began)
        else:
            return response
        if row.id is None:  # its batch failed after this job: the row was never committed
            raise row.error or RuntimeError("the capture was not committed")
        request.meta[CAPTURE_META] = row.id
        assert self.crawler.stats is not None
        self.crawler.stats.inc_value("archive/captures_reused" if row.reused else "archive/warc_records")
        return response

    # _archive_http and _archive_file run on the writer thread; the reactor awaits them, so the request and
    # the response do not change meanwhile.
    def _archive_http(self, request: Request, response: Response, received: datetime) -> _PendingRow:
        assert self.writer is not None
        records = self.writer.records
        # WARC-Date is when the capture began: the request went out download_latency seconds ago.
        began = received - timedelta(seconds=float(request.meta.get("download_latency") or 0))
        date = warc_date(began)
        body = response.body
        digest = sha256_hex(body)
        protocol = response.protocol or "HTTP/1.1"
        status_line = f"{protocol} {response.status} {_reason(response.status)}"
        headers = http_headers(status_line, _header_list(response.headers))
        extra = {}
        if response.ip_address is not None:
            extra["WARC-IP-Address"] = str(response.ip_address)
        if "dataloss" in response.flags:
            extra["WARC-Truncated"] = "unspecified"
        original = self._original(response.url, digest, not_modified=response.status == 304)
        if original is not None and response.status == 304:
            headers, extra = self._not_modified_head(original, status_line, headers, extra)
        if original is not None:
            main = records.revisit(
                response.url,
                date,
                headers,
                profile=SERVER_NOT_MODIFIED if response.status == 304 else IDENTICAL_PAYLOAD,
                refers_to=original.record_id,
                refers_to_uri=original.url,
                refers_to_date=warc_date(datetime.fromisoformat(original.fetched_at)),
                payload_digest=hex_to_base32(original.digest) if original.digest else None,
                extra=extra,
            )
        else:
            main = records.response(
                response.url, date, headers, body, extra, payload_digest=hex_to_base32(digest)
            )
        sent = records.request(
            request.url, date, _request_headers(request, protocol), request.body or b"", record_id(main)
        )
        content_type = response.headers.get("Content-Type")
        return self._save(
            main,
            [main, sent],
            url=response.url,
            fetched_at=began,
            status=response.status,
            content_type=content_type.decode("latin-1") if content_type else None,
            headers=response_headers(response),
            digest=original.digest if original and response.status == 304 else digest,
            length=len(body),
            original=original,
        )

    def _not_modified_head(
        self, original: Original, status_line: str, headers: StatusAndHeaders, extra: dict[str, str]
    ) -> tuple[StatusAndHeaders, dict[str, str]]:
        """The HTTP head a 304's revisit carries: its original's, freshened by the 304's fields, so that
        replay tools serve the archived page (see pipelines.warc.records.NOT_MODIFIED_FIELD). When the
        original's record cannot be read, the 304's own head (replayed as an empty 304), counted."""
        if original.warc_file is None or original.warc_offset is None or original.warc_length is None:
            stored = None
        else:
            try:
                stored = read_record(
                    self.folder, original.warc_file, original.warc_offset, original.warc_length
                )
            except WarcReadError as exc:
                logger.warning("%s: revisit keeps the 304's headers: %s", original.url, exc)
                stored = None
        if stored is None or not stored.status_line:
            assert self.crawler.stats is not None
            self.crawler.stats.inc_value("archive/revisit_without_original_head")
            return headers, extra
        fields = [(name, str(value)) for name, value in headers.headers]
        head = http_headers(stored.status_line, freshened_headers(stored.http_headers, fields))
        return head, {**extra, **not_modified_fields(status_line, fields)}

    def _archive_file(self, request: Request, response: Response, began: datetime) -> _PendingRow:
        """A seed document as a resource record named ``file:`` + its path as given, with its sidecar."""
        assert self.writer is not None
        records = self.writer.records
        path = Path(file_uri_to_path(response.url))
        name = str(request.cb_kwargs.get("name") or path)
        uri = "file:" + name.replace("\\", "/")
        date = warc_date(began)
        body = response.body
        digest = sha256_hex(body)
        sidecar_bytes, sidecar = sidecar_to_archive(path, name)
        content_type = header_value(sidecar.get("headers"), "content-type") or _FILE_TYPES.get(
            path.suffix.lower(), "application/octet-stream"
        )
        extra = {SOURCE_URL_FIELD: str(sidecar["url"])} if sidecar.get("url") else {}
        if uri in self.pending_urls:
            self._commit_rows()  # the same file twice in one batch: the second must see the first's row
        archived = reusable_capture(self.db, self.folder, uri, digest, sidecar_bytes)
        if archived is not None:  # read before with these bytes (a re-run of a killed ingest): not again
            return _PendingRow(archived, id=archived["id"], reused=True)
        original = self._original(uri, digest, not_modified=False)
        if original is not None:
            main = records.revisit(
                uri,
                date,
                None,
                profile=IDENTICAL_PAYLOAD,
                refers_to=original.record_id,
                refers_to_uri=original.url,
                refers_to_date=warc_date(datetime.fromisoformat(original.fetched_at)),
                payload_digest=hex_to_base32(digest),
                content_type=content_type,
                extra=extra,
            )
        else:
            main = records.resource(uri, date, content_type, body, extra)
        group = [main]
        if sidecar_bytes is not None:  # archived verbatim: the archive alone must rebuild the article
            group.append(
                records.resource(
                    uri + ".json",
                    date,
                    "application/json",
                    sidecar_bytes,
                    {"WARC-Concurrent-To": record_id(main)},
                )
            )
        return self._save(
            main,
            group,
            url=uri,
            path=name,
            fetched_at=began,
            status=None,
            content_type=content_type,
            headers={},
            digest=digest,
            length=len(body),
            original=original,
        )

    def _save(
        self,
        main: ArcWarcRecord,
        group: list[ArcWarcRecord],
        *,
        fetched_at: datetime,
        original: Original | None,
        **values: Any,
    ) -> _PendingRow:
        assert self.writer is not None
        # Not synced here: _commit_rows fsyncs the file once for the batch, then inserts the rows.
        location = self.writer.write(group, sync=False)
        return self._pending_row(
            {
                **values,
                "run_id": self._run_id(),
                "source": self.source_key,
                "fetched_at": fetched_at.isoformat(timespec="microseconds"),
                "warc_file": location.file,
                "warc_offset": location.offset,
                "warc_length": location.length,
                "warc_group_length": location.group_length,
                "warc_type": main.rec_type,
                "warc_record_id": record_id(main),
                "revisit_of": original.id if original else None,
            },
        )

    def _pending_row(self, values: dict[str, Any]) -> _PendingRow:
        values["headers"] = json.dumps(dict(values["headers"]), ensure_ascii=False)  # as save_capture does
        row = _PendingRow(values)
        self.pending.append(row)
        self.pending_urls.add(values["url"])
        return row

    def _original(self, url: str, digest: str, *, not_modified: bool) -> Original | None:
        """The capture a revisit of ``url`` points at (``pipelines.archive.lookup.revisit_original``)."""
        if url in self.pending_urls:
            self._commit_rows()  # the same URL twice in one batch: the second must see the first's row
        return revisit_original(self.db, url, digest, not_modified=not_modified)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _header_list(headers: Headers) -> list[tuple[str, str]]:
    result: list[tuple[str, str]] = []
    for key, values in headers.items():
        name = key.decode("latin-1")
        if name.lower() in _HOP_BY_HOP:
            name = "X-Archive-Orig-" + name
        result.extend((name, value.decode("latin-1")) for value in values)
    return result


def _request_headers(request: Request, protocol: str) -> Any:
    parts = urlsplit(request.url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    headers = _header_list(request.headers)
    if header_key(headers, "host") is None:
        headers.insert(0, ("Host", parts.netloc))  # Twisted adds it when sending
    return http_headers(f"{request.method} {target} {protocol}", headers)
