"""Copying archived record groups verbatim into new WARC files that stand alone."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.warc.reader import WarcReadError, read_range
from pipelines.warc.records import DEFAULT_MAX_SIZE
from pipelines.warc.repair import MemberError, iter_members
from pipelines.warc.writer import WarcWriter


def read_group(folder: Path, file: str, offset: int, length: int) -> bytes:
    """A group's bytes, checked to be whole WARC records before they are copied anywhere."""
    data = read_range(folder, file, offset, length)
    try:
        total = sum(size for _, size, _ in iter_members(io.BytesIO(data)))
    except MemberError as exc:
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
