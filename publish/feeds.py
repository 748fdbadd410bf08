"""Atom feeds (RFC 4287) of article rows: any table page or query returning ``id`` and ``title``.

Built with ElementTree, so every value from a page is XML-escaped text; titles and summaries are
``type="text"`` (a reader never renders them as markup) and links are only made from http(s) URLs.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from html import unescape
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from publish.reader import json_list, safe_href

ATOM_NS = "http://www.w3.org/2005/Atom"
REQUIRED_COLUMNS = frozenset({"id", "title"})
SUMMARY_CHARS = 300
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Characters XML 1.0 forbids; a page's stray control characters must not make the feed unparseable.
_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_TAGS = re.compile(r"</?mark>")
# Where the archive is published, for feed links (else the request's own host, checked against _HOST).
BASE_URL_ENV = "NEWSARCHIVE_BASE_URL"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_HOST = re.compile(rf"^(?:(?:{_LABEL}\.)*{_LABEL}|\[[0-9a-f:.]+\])(?::\d{{1,5}})?$", re.IGNORECASE)

ET.register_namespace("", ATOM_NS)


def rebase(url: str, base: str | None) -> str:
    """A feed link built from the request (whose Host header a client chooses) on the archive's public
    address: ``base`` (``NEWSARCHIVE_BASE_URL``, e.g. ``https://news.example.org/archive``) when it is set;
    else the request's own host when it is a well-formed host name or address, and a path on this site
    (``/archive/...``) when it is not."""
    parts = urlsplit(url)
    if base:
        root = urlsplit(base)
        prefix = root.path.rstrip("/")
        return urlunsplit((root.scheme, root.netloc, prefix + (parts.path or "/"), parts.query, ""))
    if _HOST.match(parts.netloc):
        return url
    return urlunsplit(("", "", parts.path or "/", parts.query, ""))


def can_render(columns: Iterable[str]) -> bool:
    return set(columns) >= REQUIRED_COLUMNS


def unlabel(row: Mapping[str, Any]) -> dict[str, Any]:
    """A row with ``?_labels=on`` expansions ({"value", "label"}) turned back into plain values."""
    return {k: v["value"] if isinstance(v, dict) and "value" in v else v for k, v in row.items()}


def clean(value: Any) -> str:
    return _INVALID_XML.sub("", "" if value is None else str(value))


def rfc3339(value: Any) -> datetime | None:
    """A timezone-aware datetime from ISO 8601 text (a date or a time without offset is taken as UTC)."""
    if not value or not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def entry_updated(row: Mapping[str, Any]) -> datetime:
    for column in ("modified", "published", "last_changed", "fetched_at", "first_seen"):
        found = rfc3339(row.get(column))
        if found:
            return found
    return EPOCH


def entry_summary(row: Mapping[str, Any]) -> str:
    if row.get("summary"):
        return clean(row["summary"])
    if row.get("text"):
        text = clean(row["text"])
        return text[:SUMMARY_CHARS] + ("…" if len(text) > SUMMARY_CHARS else "")
    if row.get("snippet"):
        # search_snippet's HTML, back to plain text
        return clean(unescape(_TAGS.sub("", str(row["snippet"]))))
    return ""


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attributes)
    if text is not None:
        element.text = text
    return element


def atom_feed(
    rows: Iterable[Mapping[str, Any]],
    *,
    feed_id: str,
    title: str,
    self_url: str,
    alternate_url: str,
    article_url: Any,
) -> bytes:
    """The feed document. ``article_url(row)`` gives the absolute URL of a row's article page. Every link
    is rebased on ``NEWSARCHIVE_BASE_URL`` when it is set (``rebase``)."""
    base = os.environ.get(BASE_URL_ENV) or None
    feed_id, self_url, alternate_url = (rebase(u, base) for u in (feed_id, self_url, alternate_url))

    def page_url(row: Mapping[str, Any]) -> str:
        return rebase(str(article_url(row)), base)

    entries = [unlabel(row) for row in rows]
    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    _sub(feed, "id", clean(feed_id))
    _sub(feed, "title", clean(title), type="text")
    updated = max((entry_updated(row) for row in entries), default=EPOCH)
    _sub(feed, "updated", updated.isoformat())
    _sub(feed, "link", rel="self", type="application/atom+xml", href=self_url)
    _sub(feed, "link", rel="alternate", type="text/html", href=alternate_url)
    author = _sub(feed, "author")
    _sub(author, "name", "newsarchive")
    _sub(feed, "generator", "newsarchive (Datasette)")
    for row in entries:
        entry = _sub(feed, "entry")
        page = page_url(row)
        _sub(entry, "id", page)
        _sub(entry, "title", clean(row.get("title")) or "Untitled article", type="text")
        _sub(entry, "updated", entry_updated(row).isoformat())
        published = rfc3339(row.get("published"))
        if published:
            _sub(entry, "published", published.isoformat())
        _sub(entry, "link", rel="alternate", type="text/html", href=page)
        original = safe_href(row.get("url"))
        if original:
            _sub(entry, "link", rel="via", href=original)
        for name in json_list(row.get("authors")):
            if name:
                _sub(_sub(entry, "author"), "name", clean(name))
        if row.get("source"):
            _sub(entry, "category", term=clean(row["source"]))
        summary = entry_summary(row)
        if summary:
            _sub(entry, "summary", summary, type="text")
    return ET.tostring(feed, encoding="utf-8", xml_declaration=True)
