"""A seed file archived before, byte for byte: its capture is re-used instead of archiving it again.

Why: ``ingest`` archives each file it reads; a re-run of a killed ingest read every file again and wrote
each one again (a revisit record and a captures row each time: 2,934 captures for 400 files after a few
killed runs). A file whose bytes, and whose sidecar's bytes, are those of a capture already in the archive
(its records readable, digests checked) is that capture.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlite_utils

from pipelines.archive.lookup import capture_row, capture_with_digest
from pipelines.warc.reader import WarcReadError, read_record

__all__ = ["reusable_capture"]


def reusable_capture(
    db: sqlite_utils.Database, folder: Path, uri: str, digest: str, sidecar: bytes | None
) -> dict[str, Any] | None:
    """The captures row of ``uri`` holding a payload with this ``digest`` and, beside it, this ``sidecar``
    (None: none was archived), when its records can be read back; else None."""
    capture_id = capture_with_digest(db, uri, digest)
    if capture_id is None:
        return None
    row = capture_row(db, capture_id)
    if row is None or not row["warc_file"] or row["warc_offset"] is None or not row["warc_length"]:
        return None
    offset, length = int(row["warc_offset"]), int(row["warc_length"])
    group = int(row["warc_group_length"] or length)
    try:
        read_record(folder, row["warc_file"], offset, length)  # still there, digests right
        archived = (
            read_record(folder, row["warc_file"], offset + length, group - length) if group > length else None
        )
    except WarcReadError:
        return None
    if archived is None:
        return row if sidecar is None else None
    if archived.target_uri != uri + ".json" or archived.payload != sidecar:
        return None
    return row
