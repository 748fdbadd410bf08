"""Copying archived record groups verbatim into new WARC files that stand alone.

One exception to "verbatim": a revisit written for a 304 by newsarchive before revisits carried the head
the 304 stands for (see ``records.NOT_MODIFIED_FIELD``) keeps the 304's own head, which replay tools serve
as an empty "304 Not Modified". Such a record is rewritten in the copy with its original's head freshened
by the 304's fields, as new crawls write it; the archive's own files stay as they are (their records are
referred to by offset and digest from the database, and our own readers handle both forms). Its original
is always in the export (revisits bring the records they point at) and comes first in archive order.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from pipelines.warc.reader import StoredRecord, WarcReadError, parse_record, read_range
from pipelines.warc.records import (
    DEFAULT_MAX_SIZE,
    NOT_MODIFIED_FIELD,
    SERVER_NOT_MODIFIED,
    RecordFactory,
    freshened_headers,
    http_headers,
    not_modified_fields,
)
from pipelines.warc.repair import MemberError, iter_members
from pipelines.warc.writer import WarcWriter


def read_group(folder: Path, file: str, offset: int, length: int) -> tuple[bytes, list[int]]:
    """A group's bytes and each record's compressed length, checked to be whole WARC records before they
    are copied anywhere."""
    data = read_range(folder, file, offset, length)
    try:
        sizes = [size for _, size, _ in iter_members(io.BytesIO(data))]
    except MemberError as exc:
        raise WarcReadError(f"corrupt WARC record ({file} at offset {offset}): {exc.detail}") from None
    if sum(sizes) != length:
        raise WarcReadError(f"corrupt WARC record ({file} at offset {offset})")
    return data, sizes


@dataclass
class ExportResult:
    files: list[str] = field(default_factory=list)
    groups: int = 0
    bytes: int = 0
    failed: list[tuple[int, str]] = field(default_factory=list)  # (capture id, reason)
    rewritten: int = 0  # old-style 304 revisits given their original's head in the copy


class _RevisitHeads:
    """Rewrites old-style 304 revisits, from the HTTP heads of the responses exported before them."""

    def __init__(self, records: RecordFactory) -> None:
        self.records = records
        self.heads: dict[str, tuple[str, list[tuple[str, str]]]] = {}  # record id -> status line, headers

    def rewrite(self, data: bytes, sizes: list[int], where: str) -> bytes | None:
        """The group with its main record rewritten, or None when it stays as it is."""
        try:
            main = parse_record(data[: sizes[0]], where=where)
        except WarcReadError:  # whole records whose digests disagree: copied as they are, as always
            return None
        record_id = main.warc_headers.get("WARC-Record-ID", "")
        if main.record_type == "response" and main.status_line:
            # Only a response with validators was ever re-checked with a conditional GET: only its head
            # can be needed (one head, ~0.5 KB, per such response exported).
            if main.header("ETag") or main.header("Last-Modified"):
                self.heads[record_id] = (main.status_line, main.http_headers)
            return None
        if not _old_not_modified(main):
            return None
        head = self.heads.get(main.warc_headers.get("WARC-Refers-To", ""))
        if head is None:  # its original is not (yet) in this export: left as it is
            return None
        assert main.status_line is not None
        status_line, stored = head
        fields = {**main.warc_headers, **not_modified_fields(main.status_line, main.http_headers)}
        new_head = http_headers(status_line, freshened_headers(stored, main.http_headers))
        rewritten = self.records.serialise(self.records.rewritten(fields, new_head))
        return rewritten + data[sizes[0] :]


def _old_not_modified(record: StoredRecord) -> bool:
    return (
        record.record_type == "revisit"
        and record.warc_headers.get("WARC-Profile") == SERVER_NOT_MODIFIED
        and NOT_MODIFIED_FIELD not in record.warc_headers
        and record.status == 304
    )


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
    ``out``: the bytes, and so the digests, are the archive's own (but for old-style 304 revisits, see the
    module's notes); each new file gets its own warcinfo."""
    result = ExportResult()
    writer = WarcWriter(out, max_size=max_size, prefix=prefix, info=info, fsync=False)
    heads = _RevisitHeads(writer.records)
    try:
        for capture_id, file, offset, length in groups:
            try:
                data, sizes = read_group(folder, file, offset, length)
            except WarcReadError as exc:
                result.failed.append((capture_id, str(exc)))
                continue
            rewritten = heads.rewrite(data, sizes, f"{file} at offset {offset}")
            if rewritten is not None:
                data = rewritten
                result.rewritten += 1
            writer.write_raw(data, main_length=len(data))
            result.groups += 1
            result.bytes += len(data)
    finally:
        writer.fsync = True
        writer.close()
    result.files = [str(Path(out) / name) for name in writer.files]
    return result
