"""Appending record groups to size-limited ``.warc.gz`` files.

Files are only ever appended to, flushed and fsynced before the database points at a record, and rolled over
by size; each starts with a warcinfo record. A writer holds an exclusive ``flock`` on the file it is
writing, so a repair pass never cuts a file that is still in use.
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from warcio.recordloader import ArcWarcRecord

from pipelines.warc.records import DEFAULT_COMPRESS_LEVEL, DEFAULT_MAX_SIZE, SUFFIX, RecordFactory, software

try:  # Linux and macOS; elsewhere a repair pass cannot tell a file in use and only reports
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None  # type: ignore[assignment]


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
        lock_exclusive(handle)
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


def lock_exclusive(handle: BinaryIO) -> None:
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
