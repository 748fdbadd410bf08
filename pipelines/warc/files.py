"""WARC files (ISO 28500, WARC/1.1): newsarchive's raw store. Scrapy-free, database-free.

Every record is its own gzip member (``.warc.gz``), so a record can be read, or copied verbatim into another
WARC file, from its (offset, length) alone. Files are only ever appended to, flushed and fsynced before the
database points at a record, and rolled over by size; each starts with a warcinfo record. A writer holds an
exclusive ``flock`` on the file it is writing, so a repair pass never cuts a file that is still in use.

Payload and block digests are SHA-256 (base32, the WARC convention); the database keeps the payload's
SHA-256 in hex ("sha256:<hex>") as the ``captures`` table always did.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import socket
import zlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib.metadata import version as package_version
from pathlib import Path
from typing import Any, BinaryIO

import deflate
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

try:  # Linux and macOS; elsewhere a repair pass cannot tell a file in use and only reports
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]

SUFFIX = ".warc.gz"
WARC_VERSION = "1.1"
DEFAULT_MAX_SIZE = 1_000_000_000
# Compression level (libdeflate, 0-12) of each record's gzip member. On the real pages of the crawl
# benchmark 6 is as small as zlib's 6 (~48.5 KiB a page) at under half its CPU (~1.5 ms a page against
# ~3.3), and higher levels gain under 1 % for 30 % more CPU each (see bench/README_crawl.md).
DEFAULT_COMPRESS_LEVEL = 6
SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"


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


# -- writing -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    """Where a group of records went: the first (main) record's range, and the whole group's length."""

    file: str
    offset: int
    length: int
    group_length: int


class WarcWriter:
    """Appends record groups to size-limited ``.warc.gz`` files in ``folder``.

    A file is created only when the first group is written; a group never straddles two files. After each
    group the file is flushed and (with ``fsync``) fsynced, so a record whose location was returned is on
    disk before anything refers to it. A caller that batches (``write(..., sync=False)``) must call
    ``sync()`` itself before anything refers to the records written since the last sync.
    """

    def __init__(
        self,
        folder: Path,
        *,
        max_size: int = DEFAULT_MAX_SIZE,
        prefix: str = "newsarchive",
        info: dict[str, str] | None = None,
        fsync: bool = True,
        on_open: Callable[[str], None] | None = None,
        on_close: Callable[[str, int], None] | None = None,
        compress_level: int = DEFAULT_COMPRESS_LEVEL,
    ) -> None:
        self.folder = Path(folder)
        self.max_size = max_size
        self.prefix = prefix
        self.info = info or {}
        self.fsync = fsync
        self.on_open, self.on_close = on_open, on_close
        self.records = RecordFactory(compress_level)
        self.file: BinaryIO | None = None
        self.name: str | None = None
        self.size = 0
        self.groups_in_file = 0
        self.serial = 0
        self.files: list[str] = []

    def write(self, records: Sequence[ArcWarcRecord], *, sync: bool = True) -> Location:
        parts = [self.records.serialise(r) for r in records]
        return self.write_raw(b"".join(parts), main_length=len(parts[0]), sync=sync)

    def write_raw(self, data: bytes, *, main_length: int, sync: bool = True) -> Location:
        """Append already serialised gzip members (``main_length`` bytes of them form the main record).
        With ``sync=False`` the caller calls ``sync()`` before anything refers to them (one fsync a batch).
        A roll-over still syncs the file it closes, so every record of a closed file is on disk."""
        if self.file is None or (self.groups_in_file and self.size + len(data) > self.max_size):
            self._roll_over()
        assert self.file is not None and self.name is not None
        offset = self.size
        self.file.write(data)
        if sync:
            self._sync()
        self.size += len(data)
        self.groups_in_file += 1
        return Location(self.name, offset, main_length, len(data))

    def sync(self) -> None:
        """Flush and (with ``fsync``) fsync the open file, if any."""
        if self.file is not None:
            self._sync()

    def _sync(self) -> None:
        assert self.file is not None
        self.file.flush()
        if self.fsync:
            os.fsync(self.file.fileno())

    def _roll_over(self) -> None:
        self.close()
        self.folder.mkdir(parents=True, exist_ok=True)
        while True:
            self.serial += 1
            stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
            name = f"{self.prefix}-{stamp}-{self.serial:05d}-{os.getpid()}-{socket.gethostname()}{SUFFIX}"
            try:
                handle = (self.folder / name).open("xb")
                break
            except FileExistsError:  # pragma: no cover (same microsecond, same pid)
                continue
        # Locked before the index learns of it, so a repair pass in another run never sees it unlocked.
        _lock(handle)
        if self.on_open is not None:
            self.on_open(name)
        self.file, self.name, self.size, self.groups_in_file = handle, name, 0, 0
        self.files.append(name)
        info = {"software": software(), "format": "WARC File Format 1.1", **self.info}
        info.setdefault("conformsTo", "https://iso.org/standard/68004.html")
        info.setdefault("hostname", socket.gethostname())
        warcinfo = self.records.serialise(self.records.warcinfo(name, info))
        handle.write(warcinfo)
        self.size = len(warcinfo)
        self._sync()
        _fsync_folder(self.folder)

    def close(self) -> None:
        if self.file is None:
            return
        self._sync()
        self.file.close()  # releases the lock
        if self.on_close is not None and self.name is not None:
            self.on_close(self.name, self.size)
        self.file, self.name = None, None


def _lock(handle: BinaryIO) -> None:
    """The writer's exclusive lock on a file; BlockingIOError when another process holds it."""
    if fcntl is not None:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def _fsync_folder(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not possible on every platform; the file's own fsync matters most
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


# -- reading -----------------------------------------------------------------------------------------------


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
        return next((v for k, v in self.http_headers if k.lower() == name.lower()), None)


def read_record(folder: Path, file: str, offset: int, length: int) -> StoredRecord:
    """The record at (file, offset, length), its digests verified; WarcReadError when that fails."""
    return parse_record(_read_range(folder, file, offset, length), where=f"{file} at offset {offset}")


def _read_range(folder: Path, file: str, offset: int, length: int) -> bytes:
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


# -- validating a file's tail ------------------------------------------------------------------------------


class _MemberError(Exception):
    def __init__(self, offset: int, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.offset, self.kind, self.detail = offset, kind, detail


def iter_members(handle: BinaryIO, start: int = 0, chunk: int = 1 << 20) -> Iterator[tuple[int, int, bytes]]:
    """(offset, compressed length, content) of each gzip member from ``start``; _MemberError on a bad one."""
    handle.seek(start)
    offset, pending = start, b""
    while True:
        data = pending or handle.read(chunk)
        if not data:
            return
        decompressor, out, consumed = zlib.decompressobj(wbits=31), [], 0
        while True:
            try:
                out.append(decompressor.decompress(data))
            except zlib.error as exc:
                raise _MemberError(offset, "corrupt", str(exc)) from None
            if decompressor.eof:
                pending = decompressor.unused_data
                consumed += len(data) - len(pending)
                break
            consumed += len(data)
            data = handle.read(chunk)
            if not data:
                raise _MemberError(offset, "truncated", "the file ends inside a gzip member")
        content = b"".join(out)
        if not _complete_record(content):
            raise _MemberError(offset, "incomplete", "a gzip member that is not one whole WARC record")
        yield offset, consumed, content
        offset += consumed


def _complete_record(content: bytes) -> bool:
    head, sep, _ = content.partition(b"\r\n\r\n")
    if not sep or not head.startswith(b"WARC/"):
        return False
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            try:
                return len(content) == len(head) + 4 + int(value) + 4 and content.endswith(b"\r\n\r\n")
            except ValueError:
                return False
    return False


@dataclass(frozen=True)
class TailCheck:
    file: str
    size: int  # before any cut
    good_end: int  # end of the last complete record
    cut: int = 0  # bytes of a half-written record cut off the end
    problem: str | None = None  # damage that is not a half-written tail: reported, never "repaired"
    in_use: bool = False  # another writer holds the file: not looked at


def check_tail(folder: Path, file: str, verified_end: int = 0, *, repair: bool = True) -> TailCheck:
    """Validate ``file`` from ``verified_end`` (bytes before it are known good) and cut a half-written
    record off its end. Only a tail a crash can leave is cut: a member the file ends inside, a last member
    that is not a whole record, or zero bytes (a power loss after the size grew). Anything else is reported.
    """
    path = Path(folder) / file
    try:
        handle = path.open("r+b" if repair else "rb")
    except FileNotFoundError:
        return TailCheck(file, 0, 0, problem="missing")
    with handle:
        size = os.fstat(handle.fileno()).st_size
        if repair:
            try:
                _lock(handle)
            except BlockingIOError:
                return TailCheck(file, size, verified_end, in_use=True)
        if verified_end > size:
            return TailCheck(file, size, size, problem=f"shorter ({size} B) than its indexed records")
        good_end = verified_end
        try:
            for offset, length, _ in iter_members(handle, verified_end):
                good_end = offset + length
        except _MemberError as exc:
            handle.seek(exc.offset)
            rest = handle.read()
            torn = (
                exc.kind == "truncated"  # the file ends inside this member
                or not rest.strip(b"\x00")  # zeros: the size grew but the data never reached the disk
                or (exc.kind == "incomplete" and _only_member(rest))  # the last member, not a whole record
            )
            if not torn:
                problem = f"corrupt at offset {exc.offset}: {exc.detail}"
                return TailCheck(file, size, good_end, problem=problem)
            if repair:
                handle.truncate(exc.offset)
                handle.flush()
                os.fsync(handle.fileno())
            return TailCheck(file, size, exc.offset, cut=size - exc.offset)
        return TailCheck(file, size, good_end)


def _only_member(data: bytes) -> bool:
    decompressor = zlib.decompressobj(wbits=31)
    try:
        decompressor.decompress(data)
    except zlib.error:
        return False
    return not decompressor.unused_data


# -- exporting ---------------------------------------------------------------------------------------------


def read_group(folder: Path, file: str, offset: int, length: int) -> bytes:
    """A group's bytes, checked to be whole WARC records before they are copied anywhere."""
    data = _read_range(folder, file, offset, length)
    try:
        total = sum(size for _, size, _ in iter_members(io.BytesIO(data)))
    except _MemberError as exc:
        raise WarcReadError(f"corrupt WARC record ({file} at offset {offset}): {exc.detail}") from None
    if total != length:
        raise WarcReadError(f"corrupt WARC record ({file} at offset {offset})")
    return data


@dataclass
class ExportResult:
    files: list[str] = field(default_factory=list)
    groups: int = 0
    bytes: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (capture id, reason)


def export_groups(
    folder: Path,
    groups: Iterable[tuple[int, str, int, int]],
    out: Path,
    *,
    max_size: int = DEFAULT_MAX_SIZE,
    prefix: str = "newsarchive-export",
    info: dict[str, str] | None = None,
) -> ExportResult:
    """Copy record groups ``(capture id, file, offset, group length)`` verbatim into new WARC files in
    ``out``: the bytes, and so the digests, are the archive's own; each new file gets its own warcinfo."""
    result = ExportResult()
    writer = WarcWriter(out, max_size=max_size, prefix=prefix, info=info, fsync=False)
    try:
        for capture_id, file, offset, length in groups:
            try:
                data = read_group(folder, file, offset, length)
            except WarcReadError as exc:
                result.failed.append((capture_id, str(exc)))
                continue
            writer.write_raw(data, main_length=length)
            result.groups += 1
            result.bytes += len(data)
    finally:
        writer.fsync = True
        writer.close()
    result.files = [str(Path(out) / name) for name in writer.files]
    return result
