"""Validating a WARC file's tail: a record half-written when a crawl was killed is found and cut off."""

from __future__ import annotations

import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import sqlite_utils

from pipelines.archive.lookup import unclosed_warc_files
from pipelines.archive.store import warc_file_closed
from pipelines.warc.writer import lock_exclusive


class MemberError(Exception):
    def __init__(self, offset: int, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.offset, self.kind, self.detail = offset, kind, detail


def iter_members(handle: BinaryIO, start: int = 0, chunk: int = 1 << 20) -> Iterator[tuple[int, int, bytes]]:
    """(offset, compressed length, content) of each gzip member from ``start``; MemberError on a bad one."""
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
                raise MemberError(offset, "corrupt", str(exc)) from None
            if decompressor.eof:
                pending = decompressor.unused_data
                consumed += len(data) - len(pending)
                break
            consumed += len(data)
            data = handle.read(chunk)
            if not data:
                raise MemberError(offset, "truncated", "the file ends inside a gzip member")
        content = b"".join(out)
        if not _complete_record(content):
            raise MemberError(offset, "incomplete", "a gzip member that is not one whole WARC record")
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
                lock_exclusive(handle)
            except BlockingIOError:
                return TailCheck(file, size, verified_end, in_use=True)
        if verified_end > size:
            return TailCheck(file, size, size, problem=f"shorter ({size} B) than its indexed records")
        good_end = verified_end
        try:
            for offset, length, _ in iter_members(handle, verified_end):
                good_end = offset + length
        except MemberError as exc:
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


def repair_unclosed_files(db: sqlite_utils.Database, folder: Path) -> list[TailCheck]:
    """Check every WARC file a run left open (killed, or still running elsewhere: those are locked and
    skipped) and cut a half-written record off its end. Records the database points at are never cut:
    the check starts where the last indexed group ends."""
    checks = []
    for name, indexed_end in unclosed_warc_files(db):
        check = check_tail(folder, name, indexed_end)
        if check.in_use:
            continue
        warc_file_closed(db, name, check.size - check.cut, cut=check.cut, problem=check.problem)
        checks.append(check)
    return checks
