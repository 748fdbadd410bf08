"""Reading a record back from its file, offset and length, with its digests checked."""

from __future__ import annotations

import base64
import hashlib
import io
import zlib
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from pipelines.headers import header_value


class WarcReadError(Exception):
    """A record that cannot be read: its file is missing, cut short or corrupt."""


@dataclass
class StoredRecord:
    record_type: str
    warc_headers: dict[str, str]
    status_line: str | None  # "HTTP/1.1 200 OK" for HTTP records
    http_headers: list[tuple[str, str]] = field(default_factory=list)
    payload: bytes = b""  # as stored: for HTTP, the entity body still in its Content-Encoding

    @property
    def target_uri(self) -> str:
        return self.warc_headers.get("WARC-Target-URI", "")

    @property
    def status(self) -> int | None:
        if not self.status_line:
            return None
        parts = self.status_line.split(" ", 2)
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None

    def header(self, name: str) -> str | None:
        return header_value(self.http_headers, name)


def read_record(folder: Path, file: str, offset: int, length: int) -> StoredRecord:
    """The record at (file, offset, length), its digests verified; WarcReadError when that fails."""
    return parse_record(read_range(folder, file, offset, length), where=f"{file} at offset {offset}")


def read_range(folder: Path, file: str, offset: int, length: int) -> bytes:
    """``length`` bytes of ``file`` from ``offset``; WarcReadError when the file is missing, unreadable or
    too short."""
    try:
        with (Path(folder) / file).open("rb") as handle:
            handle.seek(offset)
            data = handle.read(length)
    except FileNotFoundError:
        raise WarcReadError(f"WARC file {file} is missing") from None
    except OSError as exc:
        raise WarcReadError(f"WARC file {file} cannot be read: {exc}") from None
    if len(data) < length:
        raise WarcReadError(f"WARC file {file} ends before the record at offset {offset}")
    return data


def parse_record(data: bytes, *, where: str = "record") -> StoredRecord:
    try:
        # no_record_parse: the HTTP head is split here, byte for byte, instead of by warcio's parser.
        record = next(ArchiveIterator(io.BytesIO(data), no_record_parse=True))
        block = record.raw_stream.read()
    except (ArchiveLoadFailed, StopIteration, zlib.error, EOFError, ValueError, OSError) as exc:
        detail = str(exc).splitlines()[0][:80] if str(exc) else type(exc).__name__
        raise WarcReadError(f"corrupt WARC record ({where}): {detail}") from None
    warc_headers = {k: v for k, v in record.rec_headers.headers}
    if len(block) != int(warc_headers.get("Content-Length") or -1):
        raise WarcReadError(f"corrupt WARC record ({where}): shorter than its Content-Length")
    content_type = warc_headers.get("Content-Type", "")
    if record.rec_type in ("response", "request", "revisit") and content_type.startswith("application/http"):
        status_line, headers, payload = split_http(block)
        stored = StoredRecord(record.rec_type, warc_headers, status_line, headers, payload)
    else:
        stored = StoredRecord(record.rec_type, warc_headers, None, [], block)
    checks = [("WARC-Block-Digest", block)]
    if record.rec_type != "revisit":  # a revisit's payload digest is its original's
        checks.append(("WARC-Payload-Digest", stored.payload))
    for name, content in checks:
        if (declared := warc_headers.get(name)) and not digest_matches(declared, content):
            raise WarcReadError(f"corrupt WARC record ({where}): {name} does not match")
    return stored


def digest_matches(declared: str, data: bytes) -> bool:
    algo, _, value = declared.partition(":")
    try:
        digest = hashlib.new(algo.lower().replace("-", ""), data).digest()
    except ValueError:
        return True  # an algorithm we do not know: nothing to say against the record
    return value.upper().rstrip("=") in (
        base64.b32encode(digest).decode().rstrip("="),
        digest.hex().upper(),
    )


def split_http(block: bytes) -> tuple[str, list[tuple[str, str]], bytes]:
    """An HTTP message's status line, headers (decoded latin-1, exactly as Scrapy does) and body."""
    head, sep, body = block.partition(b"\r\n\r\n")
    if not sep:
        head, body = block, b""
    lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        name, colon, value = line.partition(":")
        if colon:
            headers.append((name.strip(), value.strip()))
    return lines[0], headers, body
