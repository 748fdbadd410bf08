"""The local seed reader's file handling: which files under the given paths are documents, and sidecars.

A saved page ``page.html`` may have a sidecar ``page.html.json`` telling what a crawler would have known:
``{"url": ..., "fetched_at": ..., "source": ..., "headers": {...}, "timezone": ...}``.
"""

from __future__ import annotations

import json
import os
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipelines.errors import DocumentError
from pipelines.headers import with_header

if TYPE_CHECKING:
    from pipelines.documents.raw import RawDocument

DOCUMENT_SUFFIXES = {".txt", ".md", ".markdown", ".html", ".htm", ".shtml", ".xhtml"}
# A folder's own documentation, not a seed: skipped in folder walks (still read when named explicitly).
FOLDER_DOCS = {"readme", "license", "licence", "changelog", "contributing"}
SIDECAR_SUFFIX = ".json"
_SIDECAR_KEYS = {"url", "fetched_at", "source", "headers", "timezone", "encoding"}
# A document (or sidecar) larger than this is not read: a news page is far smaller (crawls cut responses at
# DOWNLOAD_MAXSIZE, 8 MB, too).
MAX_DOCUMENT_BYTES = 32 * 1024 * 1024
MAX_SIDECAR_BYTES = 1024 * 1024
_TZ_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*$")


@dataclass(frozen=True)
class SeedFile:
    path: Path  # absolute
    name: str  # as the user would write it: relative to the working directory when inside it


def display_name(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _is_seed_name(name: str) -> bool:
    stem, suffix = Path(name).stem.lower(), Path(name).suffix.lower()
    return not name.startswith(".") and suffix in DOCUMENT_SUFFIXES and stem not in FOLDER_DOCS


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a folder" if stat.S_ISDIR(mode) else "not a file"


def _file_problem(path: Path, folder: Path | None) -> str | None:
    """Why the document at ``path`` (found in ``folder``, or named itself) is not read, None when it is
    a regular file within budget. Only regular files: a FIFO would hang the reader and a device (a link to
    ``/dev/zero``) never ends; the size is checked before anything is read; a symbolic link inside a
    folder must stay inside it (a link to ``/etc/passwd`` is not a seed). A file named explicitly may be a
    link to anywhere: the user asked for it."""
    try:
        info = path.stat()
    except OSError as exc:
        return f"cannot read: {exc.strerror or exc}"
    if not stat.S_ISREG(info.st_mode):
        return f"not a regular file ({_kind(info.st_mode)})"
    if folder is not None and not path.resolve().is_relative_to(folder.resolve()):
        return f"a symbolic link out of {display_name(folder.absolute())}, not followed"
    if info.st_size > MAX_DOCUMENT_BYTES:
        return f"too large: {info.st_size:,} bytes (at most {MAX_DOCUMENT_BYTES:,} are read)"
    return None


def discover_seed_files(paths: Iterable[str]) -> tuple[list[SeedFile], list[DocumentError]]:
    """Expand files and folders (recursively, in name order) into seed files, and errors for bad paths.

    A file named explicitly is always read; inside folders only document suffixes are taken, and hidden
    files and folders are skipped. Only regular files within ``MAX_DOCUMENT_BYTES`` are read, and no
    symbolic link out of a named folder is followed (``_file_problem``): the others are errors.
    """
    files: list[SeedFile] = []
    errors: list[DocumentError] = []
    seen: set[Path] = set()
    for raw in paths:
        path = Path(raw).expanduser()
        if not path.exists():
            errors.append(DocumentError(raw, "no such file or folder"))
            continue
        folder: Path | None = None
        if path.is_dir():
            folder = path
            found: list[Path] = []
            for root, dirs, names in os.walk(path):  # os.walk does not descend into linked folders
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                found.extend(Path(root, n) for n in names if _is_seed_name(n))
            candidates = sorted(found)
        else:
            candidates = [path]
        for candidate in candidates:
            problem = _file_problem(candidate, folder)
            if problem is not None:
                errors.append(DocumentError(display_name(candidate.absolute()), problem))
                continue
            resolved = candidate.resolve()
            if resolved not in seen:
                seen.add(resolved)
                files.append(SeedFile(resolved, display_name(candidate.absolute())))
    return files, errors


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def read_sidecar_bytes(path: Path, name: str) -> bytes | None:
    """The sidecar of the document at ``path`` as it is on disk, None when it has none; DocumentError
    naming the sidecar when it is there but cannot be read."""
    sidecar = sidecar_path(path)
    try:
        info = sidecar.stat()
        if not stat.S_ISREG(info.st_mode):
            kind = _kind(info.st_mode)
            raise DocumentError(name + SIDECAR_SUFFIX, f"unreadable sidecar: not a regular file ({kind})")
        if info.st_size > MAX_SIDECAR_BYTES:
            raise DocumentError(
                name + SIDECAR_SUFFIX, f"unreadable sidecar: too large ({info.st_size:,} bytes)"
            )
        return sidecar.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise DocumentError(name + SIDECAR_SUFFIX, f"unreadable sidecar: {exc.strerror or exc}") from None


def parse_sidecar(data: bytes, name: str) -> dict[str, Any]:
    """The fields of the sidecar ``data`` of the document ``name``, checked: ``fetched_at`` in ISO form,
    ``headers`` a dict of strings as the sidecar writes them; DocumentError naming the sidecar when it is
    not UTF-8 JSON of the documented shape."""
    sidecar_name = name + SIDECAR_SUFFIX
    try:
        fields = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DocumentError(sidecar_name, f"unreadable sidecar: {exc}") from None
    if not isinstance(fields, dict):
        raise DocumentError(sidecar_name, "sidecar must be a JSON object")
    unknown = set(fields) - _SIDECAR_KEYS
    if unknown:
        raise DocumentError(sidecar_name, f"unknown sidecar field(s): {', '.join(sorted(unknown))}")
    if fields.get("fetched_at") is not None:
        try:
            fetched = datetime.fromisoformat(str(fields["fetched_at"]))
        except ValueError:
            raise DocumentError(
                sidecar_name, f"fetched_at is not an ISO 8601 time: {fields['fetched_at']!r}"
            ) from None
        if fetched.tzinfo is None:
            raise DocumentError(sidecar_name, "fetched_at needs a UTC offset, e.g. 2024-03-01T10:00:00+08:00")
        fields["fetched_at"] = fetched.isoformat()
    url = fields.get("url")
    if url is not None:
        parts = urlsplit(str(url)) if isinstance(url, str) else None
        if parts is None or parts.scheme.lower() not in ("http", "https") or not parts.netloc:
            raise DocumentError(sidecar_name, f"url must be an http(s) URL, not {url!r}")
    timezone = fields.get("timezone")
    if timezone is not None and not known_timezone(timezone):
        raise DocumentError(sidecar_name, f"timezone is not a known time zone: {timezone!r}")
    headers = fields.get("headers") or {}
    if not isinstance(headers, dict):
        raise DocumentError(sidecar_name, "headers must be a JSON object of strings")
    fields["headers"] = {str(k): str(v) for k, v in headers.items()}
    return fields


def known_timezone(name: object) -> bool:
    """An IANA time zone name (``Asia/Shanghai``, ``UTC``); never a path (``../../etc/passwd``)."""
    if not isinstance(name, str) or not _TZ_NAME.match(name) or ".." in name:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def read_sidecar(path: Path, name: str) -> dict[str, Any]:
    """The sidecar's fields for the document at ``path``, {} when it has none; DocumentError when it is
    unreadable. ``headers`` are those the document is read with: an ``encoding`` field replaces the
    Content-Type header (whatever the case of its name) by ``text/html; charset=ENCODING``."""
    data = read_sidecar_bytes(path, name)
    if data is None:
        return {}
    fields = parse_sidecar(data, name)
    if fields.get("encoding"):
        content_type = f"text/html; charset={fields['encoding']}"
        fields["headers"] = with_header(fields["headers"], "Content-Type", content_type)
    return fields


def sidecar_to_archive(path: Path, name: str) -> tuple[bytes | None, dict[str, Any]]:
    """For the WARC capture of a seed: its sidecar's bytes, archived verbatim (None without a sidecar),
    and its fields as ``parse_sidecar`` reads them, with the headers the sidecar writes.

    Never raises for a broken sidecar (the seeds spider reports its document as failed, and the crawl goes
    on): its bytes are still archived when they can be read, and none of its fields is used ({}).
    """
    try:
        data = read_sidecar_bytes(path, name)
    except DocumentError:
        return None, {}
    if data is None:
        return None, {}
    try:
        return data, parse_sidecar(data, name)
    except DocumentError:
        return data, {}


def seed_document(path: Path, name: str, body: bytes, *, capture_id: int | None = None) -> RawDocument:
    """A seed file as the seed reader hands it to extraction: its bytes and what its sidecar says (URL,
    fetch time, else now; headers, source, time zone). Raises DocumentError for a broken sidecar."""
    from pipelines.documents.raw import RawDocument  # here: importing it loads the extractor

    sidecar = read_sidecar(path, name)
    return RawDocument(
        body=body,
        name=name,
        fetched_at=sidecar.get("fetched_at") or datetime.now(UTC).isoformat(timespec="seconds"),
        url=sidecar.get("url"),
        headers=sidecar.get("headers") or {},
        path=name,
        source=sidecar.get("source"),
        timezone=sidecar.get("timezone"),
        capture_id=capture_id,
    )
