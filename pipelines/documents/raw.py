"""From a raw document (exactly the bytes read or received) to an article record: the extraction step.

``record_from_document`` is the single entry point used by the seed reader and the spiders, and by
re-extraction from the raw archive. It is a plain function of plain data, so it can run in a worker process.
"""

from __future__ import annotations

import codecs
import dataclasses
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from pipelines.documents.frontmatter import parse_front_matter
from pipelines.documents.records import build_record
from pipelines.documents.seed_files import known_timezone
from pipelines.errors import DocumentError
from pipelines.extract import NotAnArticle, extract_page
from pipelines.extract.charsets import declared_charset, normalise_charset
from pipelines.headers import header_value, with_header

_HTML_SNIFF = re.compile(rb"<(!doctype\s+html|html|head|body|meta|title|div|article|p)\b", re.IGNORECASE)
# Control bytes that no text document contains (TAB, LF, VT, FF and CR are text).
_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])
# The start of a text document in ASCII: markup, front matter or a BOM-less XML declaration.
_ASCII_MARKUP = re.compile(rb"^\s*(?:<|---)")


@dataclass
class RawDocument:
    """One input exactly as it came: a crawled response or a local file."""

    body: bytes
    name: str  # how messages refer to it: the path or the URL
    fetched_at: str  # ISO 8601
    url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    status: int | None = None
    path: str | None = None
    source: str | None = None
    timezone: str | None = None
    kind: str = "auto"  # "frontmatter", "html" or "auto" (sniffed)
    aliases: list[str] = field(default_factory=list)  # other URLs that led here (redirects, requested URL)
    capture_id: int | None = None  # the captures row (WARC record) it was read from


def sniff_kind(body: bytes) -> str:
    head = body[:4096].lstrip(codecs.BOM_UTF8).lstrip()
    if head.startswith(b"---"):
        return "frontmatter"
    if _HTML_SNIFF.search(head):
        return "html"
    return "unknown"


def utf16_as_utf8(doc: RawDocument) -> RawDocument:
    """A UTF-16 document re-encoded as UTF-8 (and said so in its Content-Type), so that the junk check, which
    refuses NUL bytes, and the decoders read it as the text it is; any other document as it is. UTF-16 is
    recognised by its BOM, or without one by ASCII markup ('<', '---') in every other byte of its start."""
    body = doc.body
    if body.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return doc
    head = body[:8]
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encoding = "utf-16"
    elif len(head) == 8 and head[1::2] == b"\0" * 4 and _ASCII_MARKUP.match(head[0::2]):
        encoding = "utf-16-le"
    elif len(head) == 8 and head[0::2] == b"\0" * 4 and _ASCII_MARKUP.match(head[1::2]):
        encoding = "utf-16-be"
    else:
        return doc
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError:
        return doc
    content_type = header_value(doc.headers, "Content-Type") or "text/html"
    mime = content_type.split(";", 1)[0].strip() or "text/html"
    headers = with_header(doc.headers, "Content-Type", f"{mime}; charset=utf-8")
    return dataclasses.replace(doc, body=text.encode("utf-8"), headers=headers)


def check_not_junk(doc: RawDocument) -> None:
    if not doc.body.strip():
        raise DocumentError(doc.name, "empty file" if doc.path else "empty response")
    sample = doc.body[:8192]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if b"\x00" in sample or controls > len(sample) * 0.02:
        raise DocumentError(doc.name, "binary data, not a text or HTML document")


def decode_text_document(doc: RawDocument) -> str:
    """Front-matter documents are UTF-8 unless their sidecar declares otherwise; no guessing. A declared
    label means what it means for HTML pages (pipelines.extract.charsets: gb2312 and gbk read as GB18030)."""
    label = declared_charset(doc.headers)
    declared = normalise_charset(label) if label else "utf-8"
    if declared is None:
        raise DocumentError(doc.name, f"unknown encoding {label!r} declared in its sidecar")
    body = doc.body.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode(declared)
    except UnicodeDecodeError as exc:
        hint = ""
        try:
            body.decode("gb18030")
            hint = "; it looks like GBK/GB18030: save it as UTF-8 or declare the charset in a sidecar"
        except UnicodeDecodeError:
            pass
        raise DocumentError(
            doc.name, f"not valid {declared} text (byte {exc.start} cannot be decoded){hint}"
        ) from None


def record_from_document(doc: RawDocument) -> dict[str, Any]:
    """The article record of one document (pipelines.documents.records), or DocumentError: a front-matter
    document is read as its HTML plus its header's fields, an HTML page as received; both go through
    pipelines.extract.extract_page, and a page that is not an article is a DocumentError with ``not_article``.
    """
    doc = utf16_as_utf8(doc)
    check_not_junk(doc)
    kind = doc.kind if doc.kind != "auto" else sniff_kind(doc.body)
    fetched_at = datetime.fromisoformat(doc.fetched_at)
    # What extract_page reads, and what build_record knows of the document besides the extractor's fields.
    page: bytes
    url: str | None
    headers: dict[str, str] | None
    timezone: str | None
    record_fields: dict[str, Any]
    if kind == "frontmatter":
        front = parse_front_matter(decode_text_document(doc), doc.name, timezone=doc.timezone)
        if not known_timezone(front.timezone):  # never a silent UTC, nor a path ('../../etc/passwd')
            raise DocumentError(doc.name, f"timezone is not a known time zone: {front.timezone!r}")
        if front.url and urlsplit(front.url).scheme.lower() not in ("http", "https"):
            raise DocumentError(doc.name, f"url must be an http(s) URL, not {front.url!r}")
        page, url, headers, timezone = front.to_html(), front.url or doc.url, None, front.timezone
        record_fields = {
            "source": front.source or doc.source,
            "archived_by": front.archived_by,
            "overrides": {"tags": front.tags, "categories": front.categories, "published": front.published},
        }
    elif kind == "html":
        page, url, headers, timezone = doc.body, doc.url, doc.headers, doc.timezone
        record_fields = {"source": doc.source, "aliases": doc.aliases}
    else:
        raise DocumentError(
            doc.name, "neither a front-matter document (starting with '---') nor an HTML page"
        )
    try:
        extracted = extract_page(page, url, headers, fetched_at=fetched_at, timezone=timezone)
    except NotAnArticle as exc:
        raise DocumentError(doc.name, f"not an article: {exc}", not_article=True) from None
    return build_record(
        extracted.as_dict(), url=url, fetched_at=doc.fetched_at, path=doc.path, **record_fields
    )
