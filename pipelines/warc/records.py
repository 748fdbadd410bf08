"""WARC records (ISO 28500, WARC/1.1) as newsarchive writes them: one gzip member each, SHA-256 digests.

Every record is its own gzip member (``.warc.gz``), so a record can be read, or copied verbatim into another
WARC file, from its (offset, length) alone. Payload and block digests are SHA-256 (base32, the WARC
convention); the database keeps the payload's SHA-256 in hex ("sha256:<hex>") as the ``captures`` table
always did. The rest of the room: ``writer`` (appending to size-limited files), ``reader`` (a record back by
its range), ``repair`` (a half-written record cut off), ``export`` (records copied into new files),
``reextract`` (today's extractor over the stored records). Scrapy-free and database-free, but for
``reextract``.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
from collections.abc import Iterable
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any

import deflate
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

SUFFIX = ".warc.gz"
WARC_VERSION = "1.1"
DEFAULT_MAX_SIZE = 1_000_000_000
# Compression level (libdeflate, 0-12) of each record's gzip member. On the real pages of the crawl
# benchmark 6 is as small as zlib's 6 (~48.5 KiB a page) at under half its CPU (~1.5 ms a page against
# ~3.3), and higher levels gain under 1 % for 30 % more CPU each (see bench/README_crawl.md).
DEFAULT_COMPRESS_LEVEL = 6
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
# A revisit after a 304 carries the HTTP head the 304 stands for (the original's, freshened by the 304's
# fields), because replay tools serve a revisit's own HTTP head with its original's payload: pywb replays a
# revisit that keeps the 304's head as an empty "304 Not Modified". What the server actually sent goes in
# these two extension fields (not WARC 1.1 fields; WARC allows others): its status line, and the names of
# the header fields it carried, whose values are the ones in the block.
NOT_MODIFIED_FIELD = "X-Newsarchive-Not-Modified"
NOT_MODIFIED_HEADERS_FIELD = "X-Newsarchive-Not-Modified-Headers"
# Fields a 304 does not update (RFC 9111 section 3.2): Content-Length, and those describing the stored
# payload as its bytes are (an update would make the head disagree with the body it is served with).
_KEPT_FROM_STORED = {
    "content-length",
    "content-encoding",
    "content-type",
    "content-range",
    "transfer-encoding",
    "x-archive-orig-transfer-encoding",
}


def software() -> str:
    return f"newsarchive/{_version('newsarchive')} warcio/{_version('warcio')}"


def _version(name: str) -> str:
    try:
        return package_version(name)
    except Exception:  # not installed as a package (a checkout on PYTHONPATH)
        return "dev"


def default_warc_dir(db_path: str | os.PathLike[str]) -> Path:
    """``archive/warc`` in the database's folder: the archive's raw store lives beside its index."""
    return Path(db_path).resolve().parent / "archive" / "warc"


def warc_date(moment: datetime | None = None) -> str:
    moment = (moment or datetime.now(UTC)).astimezone(UTC).replace(tzinfo=None)
    return str(datetime_to_iso_date(moment, use_micros=True))


def sha256_hex(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def sha256_base32(data: bytes) -> str:
    return "sha256:" + base64.b32encode(hashlib.sha256(data).digest()).decode("ascii")


def hex_to_base32(digest: str) -> str:
    algo, _, value = digest.partition(":")
    return f"{algo}:{base64.b32encode(bytes.fromhex(value)).decode('ascii')}"


def freshened_headers(
    stored: Iterable[tuple[str, str]], not_modified: Iterable[tuple[str, str]]
) -> list[tuple[str, str]]:
    """The stored response's header fields updated by a 304's (RFC 9111 section 3.2): each field the
    304 carries replaces every value of that field, in the stored field's place (new ones at the end),
    but for the fields that describe the stored payload."""
    updates: dict[str, list[tuple[str, str]]] = {}
    for name, value in not_modified:
        if name.lower() not in _KEPT_FROM_STORED:
            updates.setdefault(name.lower(), []).append((name, value))
    result: list[tuple[str, str]] = []
    for name, value in stored:
        key = name.lower()
        if key not in updates:
            result.append((name, value))
        elif updates[key]:
            result.extend(updates[key])
            updates[key] = []  # every later stored value of this field is replaced too
    for fields in updates.values():
        result.extend(fields)
    return result


def not_modified_fields(status_line: str, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The extension fields that keep a 304's own status line and header names on its revisit."""
    names = dict.fromkeys(name for name, _ in headers)
    return {NOT_MODIFIED_FIELD: status_line, NOT_MODIFIED_HEADERS_FIELD: ", ".join(names)}


class _RawHttpHeaders(StatusAndHeaders):
    """HTTP headers written byte for byte: warcio would %-encode non-ASCII values; we decoded latin-1."""

    def compute_headers_buffer(self, header_filter: Any = None) -> None:
        self.headers_buff = self.to_str(header_filter).encode("latin-1", "replace") + b"\r\n"


class _Builder(WARCWriter):
    """warcio's record builder and serialiser, with SHA-256 digests."""

    @staticmethod
    def _create_digester() -> Digester:
        return Digester("sha256")


def http_headers(status_line: str, headers: Iterable[tuple[str, str]]) -> StatusAndHeaders:
    """A status line ("HTTP/1.1 200 OK", or "GET /path HTTP/1.1") and headers, written byte for byte."""
    first, _, rest = status_line.partition(" ")
    return _RawHttpHeaders(rest, list(headers), protocol=first)


class RecordFactory:
    """Builds the records newsarchive writes; serialising happens in ``WarcWriter.write``."""

    def __init__(self, compress_level: int = DEFAULT_COMPRESS_LEVEL) -> None:
        # gzip=False: warcio serialises the record, and ``serialise`` makes the gzip member at our level.
        self.builder = _Builder(io.BytesIO(), gzip=False, warc_version=WARC_VERSION)
        self.compress_level = compress_level

    def response(
        self,
        uri: str,
        date: str,
        headers: StatusAndHeaders,
        payload: bytes,
        extra: dict[str, str] | None = None,
        *,
        payload_digest: str | None = None,
    ) -> ArcWarcRecord:
        """``payload_digest`` (as sha256_base32 gives it), when the caller has hashed the payload already:
        warcio then hashes only the block."""
        warc_headers = {"WARC-Date": date, **(extra or {})}
        if payload_digest:
            warc_headers["WARC-Payload-Digest"] = payload_digest
        return self.builder.create_warc_record(
            uri,
            "response",
            payload=io.BytesIO(payload),
            length=len(payload),
            http_headers=headers,
            warc_headers_dict=warc_headers,
        )

    def request(
        self, uri: str, date: str, headers: StatusAndHeaders, body: bytes, concurrent_to: str
    ) -> ArcWarcRecord:
        return self.builder.create_warc_record(
            uri,
            "request",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=headers,
            warc_headers_dict={"WARC-Date": date, "WARC-Concurrent-To": concurrent_to},
        )

    def revisit(
        self,
        uri: str,
        date: str,
        headers: StatusAndHeaders | None,
        *,
        profile: str,
        refers_to: str,
        refers_to_uri: str,
        refers_to_date: str,
        payload_digest: str | None,
        content_type: str = "",  # for a revisit of a resource (no HTTP headers)
        extra: dict[str, str] | None = None,
    ) -> ArcWarcRecord:
        warc_headers = {
            "WARC-Date": date,
            "WARC-Profile": profile,
            "WARC-Refers-To": refers_to,
            "WARC-Refers-To-Target-URI": refers_to_uri,
            "WARC-Refers-To-Date": refers_to_date,
            **(extra or {}),
        }
        if payload_digest:
            warc_headers["WARC-Payload-Digest"] = payload_digest
        return self.builder.create_warc_record(
            uri,
            "revisit",
            http_headers=headers,
            warc_content_type=content_type if headers is None else "",
            warc_headers_dict=warc_headers,
        )

    def rewritten(self, warc_headers: dict[str, str], headers: StatusAndHeaders) -> ArcWarcRecord:
        """A header-only record (a revisit) again, with the same WARC fields but a new HTTP head: its
        length, content type and block digest follow the new block; its id stays, so the records that
        name it (a request's WARC-Concurrent-To) still do."""
        kept = {
            name: value
            for name, value in warc_headers.items()
            if name.lower() not in ("content-length", "content-type", "warc-block-digest")
        }
        return self.builder.create_warc_record(
            kept.get("WARC-Target-URI", ""),
            kept.get("WARC-Type", "revisit"),
            http_headers=headers,
            warc_headers_dict=kept,
        )

    def resource(
        self,
        uri: str,
        date: str,
        content_type: str,
        body: bytes,
        extra: dict[str, str] | None = None,
    ) -> ArcWarcRecord:
        return self.builder.create_warc_record(
            uri,
            "resource",
            payload=io.BytesIO(body),
            length=len(body),
            warc_content_type=content_type,
            warc_headers_dict={"WARC-Date": date, **(extra or {})},
        )

    def warcinfo(self, filename: str, info: dict[str, str]) -> ArcWarcRecord:
        return self.builder.create_warcinfo_record(filename, info)

    def serialise(self, record: ArcWarcRecord) -> bytes:
        out = io.BytesIO()
        self.builder._write_warc_record(out, record)
        # libdeflate, not zlib: the same gzip format and size for half the CPU. It compresses a whole
        # buffer at once (a record is one), and releases the GIL meanwhile, as zlib does.
        return bytes(deflate.gzip_compress(out.getvalue(), self.compress_level))  # one gzip member


def record_id(record: ArcWarcRecord) -> str:
    return str(record.rec_headers.get_header("WARC-Record-ID"))
