"""From a raw document (exactly the bytes read or received) to an article record: the extraction step.

``document_to_record`` is the single entry point used by the seed reader and the spiders, and later by
re-extraction from the raw archive. It is a plain function of plain data, so it can run in a worker process.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pipelines.documents.frontmatter import parse_front_matter
from pipelines.documents.records import build_record
from pipelines.errors import DocumentError
from pipelines.extract import NotAnArticle, try_extract

_HTML_SNIFF = re.compile(rb"<(!doctype\s+html|html|head|body|meta|title|div|article|p)\b", re.IGNORECASE)
# Control bytes that no text document contains (TAB, LF, VT, FF and CR are text).
_CONTROL_BYTES = bytes([*range(9), *range(14, 32)])
_CHARSET_IN_TYPE = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)


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


def check_not_junk(doc: RawDocument) -> None:
    if not doc.body.strip():
        raise DocumentError(doc.name, "empty file" if doc.path else "empty response")
    sample = doc.body[:8192]
    controls = len(sample) - len(sample.translate(None, _CONTROL_BYTES))
    if b"\x00" in sample or controls > len(sample) * 0.02:
        raise DocumentError(doc.name, "binary data, not a text or HTML document")


def _declared_charset(doc: RawDocument) -> str | None:
    for key, value in doc.headers.items():
        if key.lower() == "content-type" and (match := _CHARSET_IN_TYPE.search(value)):
            return match.group(1)
    return None


def decode_text_document(doc: RawDocument) -> str:
    """Front-matter documents are UTF-8 unless their sidecar declares otherwise; no guessing."""
    declared = _declared_charset(doc) or "utf-8"
    if declared.lower().replace("-", "") in {"gb2312", "gbk"}:
        declared = "gb18030"  # the superset every GB-labelled text really uses
    body = doc.body.removeprefix(codecs.BOM_UTF8)
    try:
        return body.decode(declared)
    except LookupError:
        raise DocumentError(doc.name, f"unknown encoding {declared!r} declared in its sidecar") from None
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


def document_to_record(doc: RawDocument) -> dict[str, Any]:
    """Extract and normalise one document into an article record, or raise DocumentError."""
    check_not_junk(doc)
    kind = doc.kind if doc.kind != "auto" else sniff_kind(doc.body)
    fetched_at = datetime.fromisoformat(doc.fetched_at)
    if kind == "frontmatter":
        text = decode_text_document(doc)
        front = parse_front_matter(text, doc.name, timezone=doc.timezone)
        extracted = _extract(
            doc, front.to_html(), front.url or doc.url, fetched_at=fetched_at, timezone=front.timezone
        )
        overrides = {"tags": front.tags, "categories": front.categories, "published": front.published}
        return build_record(
            extracted,
            url=front.url or doc.url,
            fetched_at=doc.fetched_at,
            source=front.source or doc.source,
            archived_by=front.archived_by,
            path=doc.path,
            overrides=overrides,
        )
    if kind == "html":
        extracted = _extract(
            doc, doc.body, doc.url, doc.headers, fetched_at=fetched_at, timezone=doc.timezone
        )
        return build_record(
            extracted,
            url=doc.url,
            fetched_at=doc.fetched_at,
            source=doc.source,
            path=doc.path,
            aliases=doc.aliases,
        )
    raise DocumentError(doc.name, "neither a front-matter document (starting with '---') nor an HTML page")


def _extract(
    doc: RawDocument,
    html: bytes,
    url: str | None,
    headers: dict[str, str] | None = None,
    *,
    fetched_at: datetime,
    timezone: str | None,
) -> dict[str, Any]:
    """The extractor's fields for ``html``; a page that is not an article is ``doc``'s DocumentError."""
    try:
        return try_extract(html, url, headers, fetched_at=fetched_at, timezone=timezone).as_dict()
    except NotAnArticle as exc:
        raise DocumentError(doc.name, f"not an article: {exc}", not_article=True) from None
