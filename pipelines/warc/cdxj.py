"""A CDXJ index of WARC files, as pywb's ``cdx-indexer --cdxj`` writes it (and pywb, py-wacz and
ReplayWeb.page read it).

One line per replayable record: ``<SURT urlkey> <14-digit timestamp> <JSON>``, the JSON holding ``url``,
``mime``, ``status`` (responses only), ``digest``, ``length``, ``offset`` and ``filename``, with absent
values left out; lines sorted as plain strings, as ``cdx-indexer --sort`` does, so a replay tool can
binary-search them. Request and warcinfo records, and ``application/warc-fields`` metadata, are not indexed
(pywb's defaults). A revisit's mime is ``warc/revisit``: pywb then finds its original by the revisit's
``WARC-Refers-To-Target-URI``, ``WARC-Refers-To-Date`` and payload digest. The urlkey is the ``surt``
package's, the one pywb computes for a URL it is asked for: any other form would not be found.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

import surt
from warcio.archiveiterator import ArchiveIterator
from warcio.recordloader import ArcWarcRecord
from warcio.timeutils import iso_date_to_timestamp

_MIME_END = re.compile("[; ]")  # "text/html; charset=utf-8" -> "text/html", as pywb's indexer cuts it
_NOT_INDEXED = ("request", "warcinfo")


def urlkey(url: str) -> str:
    """The SURT form pywb looks a URL up by (``pywb.utils.canonicalize``)."""
    try:
        return str(surt.surt(url))
    except Exception:  # surt cannot parse it: pywb keeps a urn: as it is, and so do we
        return url


def index_file(path: Path, filename: str | None = None) -> Iterator[str]:
    """The CDXJ lines of one WARC file, in file order; ``filename`` is what the lines call it (the
    name a replay tool resolves in its archive folder; the file's own name by default)."""
    name = filename or path.name
    with path.open("rb") as handle:
        records = ArchiveIterator(handle, ensure_http_headers=True)
        for record in records:
            fields = _fields(record)
            if fields is None:
                continue
            key, timestamp, entry = fields
            # Read to its end first: only then does warcio know the record's compressed length.
            records.read_to_end(record)
            entry["length"] = str(records.get_record_length())
            entry["offset"] = str(records.get_record_offset())
            entry["filename"] = name
            yield f"{key} {timestamp} {json.dumps(entry)}"


def _fields(record: ArcWarcRecord) -> tuple[str, str, dict[str, str]] | None:
    if record.rec_type in _NOT_INDEXED or record.content_type == "application/warc-fields":
        return None
    headers = record.rec_headers
    url = headers.get_header("WARC-Target-URI")
    if not url or record.http_headers is None or record.http_headers.get_statuscode() == "-":
        return None
    entry: dict[str, str] = {"url": url}
    if record.rec_type == "revisit":
        entry["mime"] = "warc/revisit"
    else:
        content_type = record.http_headers.get_header("Content-Type")
        entry["mime"] = _MIME_END.split(content_type, maxsplit=1)[0] if content_type else "unk"
        detected = headers.get_header("WARC-Identified-Payload-Type")
        if detected:
            entry["mime-detected"] = detected
    if record.rec_type == "response":  # by convention only responses carry a status
        status = record.http_headers.get_statuscode()
        if status and status != "-":
            entry["status"] = status
    digest = headers.get_header("WARC-Payload-Digest") or ""
    if digest.startswith("sha1:"):
        digest = digest[len("sha1:") :]
    if digest:
        entry["digest"] = digest
    entry = {name: value for name, value in entry.items() if value and value != "-"}
    return urlkey(url), iso_date_to_timestamp(headers.get_header("WARC-Date")), entry


def index_files(paths: Iterable[Path]) -> list[str]:
    """The sorted CDXJ lines of several WARC files (each line names its file by its base name)."""
    return sorted(line for path in paths for line in index_file(path))


def write_cdxj(paths: Iterable[Path], out: Path) -> int:
    """Write the sorted index of ``paths`` to ``out``; the number of lines."""
    lines = index_files(paths)
    out.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return len(lines)
