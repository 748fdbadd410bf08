"""Normalisation: turn an extractor's output plus what is known of the document into an article record.

A record is a plain dict whose keys are ``articles`` columns (lists stay lists until storage), plus
``keys``: every identifier the article is known by (canonical URL, fetched URL, local document path).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from pipelines.documents.urls import url_keys
from pipelines.text.cjk import CJK_CHAR, OTHER_WORD

_BLANK_LINES = re.compile(r"\n\s*\n+")
_TRAILING_SPACE = re.compile(r"[ \t\u3000]+\n")

# Fields copied from the extractor's output into the record as they are.
EXTRACTED_FIELDS = (
    "title",
    "section",
    "site_name",
    "original_title",
    "authors",
    "contributors",
    "editor",
    "source_outlet",
    "published",
    "modified",
    "language",
    "summary",
    "tags",
    "categories",
    "images",
    "image",
)
# Extracted fields that are lists in a record (JSON arrays in the database, pipelines.archive.store).
LIST_FIELDS = ("authors", "contributors", "tags", "categories", "images", "extraction_flags")
# How the record was produced and how sure the extractor is: stored, but a change here alone is not a
# change of the article (the precision and UTC form of ``published`` follow from it; the flags are the
# extractor's judgement, which a newer extractor may revise without the page changing).
PROVENANCE_FIELDS = (
    "extractor",
    "extractor_version",
    "encoding",
    "published_precision",
    "published_utc",
    "published_text",
    "extraction_flags",
)

# What makes two fetches of one article "the same": a change in any of these is a new version. The URL it
# was fetched by is not among them: reaching the same page by an alias is not a change of the article.
CONTENT_FIELDS = (*EXTRACTED_FIELDS, "text", "canonical_url", "archived_by")


def normalise_text(text: str) -> str:
    """NFC, no trailing spaces, single newlines between paragraphs."""
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    text = _TRAILING_SPACE.sub("\n", text)
    return _BLANK_LINES.sub("\n", text).strip()


def content_hash(text: str) -> str:
    """Hash of the text with width, case and whitespace differences removed: equal for exact copies."""
    folded = " ".join(unicodedata.normalize("NFKC", text).casefold().split())
    return "sha256:" + hashlib.sha256(folded.encode("utf-8")).hexdigest()


def count_words(text: str) -> tuple[int, int]:
    """(characters without whitespace, words) where each CJK character (pipelines.text.cjk) is a word."""
    chars = sum(map(len, text.split()))  # split() drops exactly the str.isspace() characters
    return chars, len(CJK_CHAR.findall(text)) + len(OTHER_WORD.findall(text))


def file_key(path: str) -> str:
    return "file:" + path.replace("\\", "/")


def source_from_url(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.") or None


_SECOND_LEVEL = {"com", "net", "org", "gov", "edu", "ac", "co"}


def site_of(url: str) -> str:
    """The registrable part of a URL's host: qingdao.ifeng.com -> ifeng.com, news.qq.com.cn -> qq.com.cn."""
    labels = (urlsplit(url).hostname or "").split(".")
    size = 3 if len(labels) >= 3 and len(labels[-1]) == 2 and labels[-2] in _SECOND_LEVEL else 2
    return ".".join(labels[-size:])


def same_site(a: str, b: str) -> bool:
    return site_of(a) == site_of(b)


def build_record(
    extracted: Mapping[str, Any],
    *,
    url: str | None = None,
    fetched_at: str,
    source: str | None = None,
    archived_by: str | None = None,
    path: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    aliases: list[str] | None = None,
) -> dict[str, Any]:
    """The article record for one document. ``overrides`` (e.g. front matter tags) win over extraction."""
    record: dict[str, Any] = {
        field: extracted.get(field) for field in (*EXTRACTED_FIELDS, *PROVENANCE_FIELDS)
    }
    for field, value in (overrides or {}).items():
        if value not in (None, "", []):
            record[field] = value
    for list_field in LIST_FIELDS:
        record[list_field] = list(record.get(list_field) or [])
    text = normalise_text(extracted.get("text") or "")
    canonical = extracted.get("canonical_url") or None
    if canonical and url and not same_site(canonical, url):
        canonical = None  # a canonical link to another site is a repost's credit, not this page's identity
    record.update(
        text=text,
        url=url or canonical,
        canonical_url=canonical,
        archived_by=archived_by,
        fetched_at=fetched_at,
        source=source or source_from_url(url or canonical) or "seeds",
        content_hash=content_hash(text),
    )
    record["char_count"], record["word_count"] = count_words(text)
    # Canonical spellings (documents.urls) first, so a page reached by another URL finds its article.
    keys = url_keys(canonical, url, *(aliases or []))
    if path:
        keys.append(file_key(path))
    record["keys"] = list(dict.fromkeys(keys))
    return record
