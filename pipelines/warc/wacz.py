"""A WACZ package (Web Archive Collection Zipped, format 1.1.1) of exported WARC files.

The layout replay tools open (pywb's ``wb-manager add --unpack-wacz``, ReplayWeb.page) and py-wacz's
``validate`` checks: a ZIP holding

- ``archive/*.warc.gz``: the WARC files, *stored* (not deflated again), so a record can be read from its
  offset inside the ZIP;
- ``indexes/index.cdx``: their CDXJ index (``pipelines.warc.cdxj``), sorted, naming the files by base name;
- ``pages/pages.jsonl``: a header line, then one line per page (``url``, ``ts``, ``title``): the articles;
- ``datapackage.json``: every file above with its SHA-256 and size (a Frictionless data package), and
  ``datapackage-digest.json``: the SHA-256 of ``datapackage.json``.

Written by hand rather than with py-wacz, whose dependencies (frictionless, pydantic, typer, …) would
come into every install for one ZIP layout; py-wacz validates the result in the e2e tests.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import sqlite_utils

from pipelines.archive.lookup import Selection, capture_row, select_articles
from pipelines.warc.cdxj import index_files
from pipelines.warc.records import warc_date

WACZ_VERSION = "1.1.1"
PAGES_HEADER = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Page:
    """A page of the package's list: a URL as captured, when (ISO 8601, UTC), and its title."""

    url: str
    ts: str
    title: str | None = None
    id: str | None = None

    def as_json(self) -> dict[str, str]:
        entry = {"id": self.id, "url": self.url, "ts": self.ts, "title": self.title}
        return {name: value for name, value in entry.items() if value}


def article_pages(db: sqlite_utils.Database, selection: Selection, exported: set[int]) -> list[Page]:
    """The selected articles as pages: the URL each was fetched from and when (the capture it was
    extracted from, when that capture is in the export), with its title. Seed files (``file:``) are no
    pages a replay tool can show, and are left out."""
    pages = []
    for article in select_articles(db, selection, ["id", "title", "capture_id"]):
        if article["capture_id"] not in exported:
            continue
        capture = capture_row(db, article["capture_id"])
        if capture is None or not str(capture["url"]).startswith(("http://", "https://")):
            continue
        ts = warc_date(datetime.fromisoformat(capture["fetched_at"]))
        pages.append(Page(capture["url"], ts, article["title"], f"article-{article['id']}"))
    return pages


def write_wacz(
    out: Path,
    warc_files: Sequence[Path],
    pages: Iterable[Page],
    *,
    title: str | None = None,
    description: str | None = None,
    software: str = "newsarchive",
) -> int:
    """Write the package of ``warc_files`` (with their index and ``pages``) to ``out``; the number of
    index lines. Names in the package are the files' base names, so they must differ."""
    names = [path.name for path in warc_files]
    if len(set(names)) != len(names):
        raise ValueError("two WARC files share a name: a package names them by base name")
    resources: list[dict[str, object]] = []
    lines = index_files(warc_files)
    with zipfile.ZipFile(out, "w") as package:
        for path in warc_files:
            resources.append(_add_file(package, f"archive/{path.name}", path))
        index = "".join(line + "\n" for line in lines).encode("utf-8")
        resources.append(_add_bytes(package, "indexes/index.cdx", index))
        listed = [PAGES_HEADER, *(page.as_json() for page in pages)]
        page_lines = "".join(json.dumps(entry, ensure_ascii=False) + "\n" for entry in listed)
        resources.append(_add_bytes(package, "pages/pages.jsonl", page_lines.encode("utf-8")))
        datapackage: dict[str, object] = {"profile": "data-package", "resources": resources}
        if title:
            datapackage["title"] = title
        if description:
            datapackage["description"] = description
        datapackage["created"] = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        datapackage["wacz_version"] = WACZ_VERSION
        datapackage["software"] = software
        described = json.dumps(datapackage, indent=2, ensure_ascii=False).encode("utf-8")
        _write(package, "datapackage.json", described)
        digest = {"path": "datapackage.json", "hash": "sha256:" + hashlib.sha256(described).hexdigest()}
        _write(package, "datapackage-digest.json", json.dumps(digest, indent=2).encode("utf-8"))
    return len(lines)


def _resource(path: str, digest: str, size: int) -> dict[str, object]:
    # A Frictionless resource name: lower case, and unique (the files' base names are).
    return {"name": path.rsplit("/", 1)[-1].lower(), "path": path, "hash": f"sha256:{digest}", "bytes": size}


def _add_file(package: zipfile.ZipFile, name: str, path: Path) -> dict[str, object]:
    hasher, size = hashlib.sha256(), 0
    info = zipfile.ZipInfo(name, date_time=_zip_time(path.stat().st_mtime))
    info.compress_type = zipfile.ZIP_STORED  # already gzip members: stored, readable at their offsets
    with path.open("rb") as source, package.open(info, "w", force_zip64=True) as target:
        while chunk := source.read(_CHUNK):
            hasher.update(chunk)
            size += len(chunk)
            target.write(chunk)
    return _resource(name, hasher.hexdigest(), size)


def _add_bytes(package: zipfile.ZipFile, name: str, data: bytes) -> dict[str, object]:
    _write(package, name, data)
    return _resource(name, hashlib.sha256(data).hexdigest(), len(data))


def _write(package: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=_zip_time(datetime.now(UTC).timestamp()))
    info.compress_type = zipfile.ZIP_DEFLATED
    package.writestr(info, data)


def _zip_time(timestamp: float) -> tuple[int, int, int, int, int, int]:
    moment = datetime.fromtimestamp(max(timestamp, 315532800), UTC)  # ZIP times start in 1980
    return (moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)
