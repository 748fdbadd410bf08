"""Metadata read straight from the parsed page (meta tags, JSON-LD, <h1>, <img> sizes)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from lxml.html import HtmlElement

__all__ = ["ARTICLE_TYPES", "NEWS_ARTICLE_TYPES", "PageMeta", "has_type", "read_page_meta"]

# Keys (lower-cased name/property/itemprop) in order of trust.  Publication-time keys from
# OpenGraph/schema.org first, then the ad-hoc names Chinese CMSs use ("pubdate", "publishdate").
PUBLISHED_KEYS = (
    "article:published_time", "og:article:published_time", "og:published_time", "datepublished",
    "article:published", "pubdate", "publishdate", "publish_date", "publish-date", "publishtime",
    "publish_time", "publication_date", "published_time", "sailthru.date", "parsely-pub-date",
    "dc.date.issued", "dcterms.issued", "dc.date", "dcterms.date", "dcterms.created", "dc.date.created",
    "article.published", "og:release_date", "weibo:article:create_at", "date", "created",
)  # fmt: skip
MODIFIED_KEYS = (
    "article:modified_time", "og:updated_time", "og:article:modified_time", "datemodified",
    "dcterms.modified", "dc.date.modified", "lastmod", "last-modified", "updated_time",
)  # fmt: skip

# schema.org types of an object that carries the page's own headline (a WebSite's is its slogan) ...
ARTICLE_TYPES = re.compile(r"Article$|Posting$|^Report$|^Review$")
# ... and the narrower set that declares a news story (not a blog post, a review or a Q&A).
NEWS_ARTICLE_TYPES = re.compile(r"NewsArticle$|^Article$|^Report$")


def has_type(obj: dict[str, Any], types: re.Pattern[str]) -> bool:
    """Whether a JSON-LD object's ``@type`` (one name or a list) matches ``types``."""
    kinds = obj.get("@type")
    return any(
        isinstance(k, str) and types.search(k) for k in (kinds if isinstance(kinds, list) else [kinds])
    )


@dataclass
class PageMeta:
    meta: dict[str, str] = field(default_factory=dict)  # first value per lower-cased key
    html_lang: str | None = None
    canonical: str | None = None
    base_href: str | None = None
    title: str | None = None
    h1: str | None = None
    h1_element: HtmlElement | None = None
    jsonld: list[dict[str, Any]] = field(default_factory=list)
    image_sizes: dict[str, tuple[int | None, int | None]] = field(default_factory=dict)

    def first(self, keys: tuple[str, ...]) -> str | None:
        for key in keys:
            value = self.meta.get(key)
            if value and value.strip():
                return value.strip()
        return None

    def jsonld_value(self, key: str) -> Any:
        for obj in self.jsonld:
            if obj.get(key):
                return obj[key]
        return None

    def declares_news_article(self) -> bool:
        """og:type "article" or a schema.org (News)Article: the publisher says this page is a story."""
        if (self.meta.get("og:type") or "").strip().lower() == "article":
            return True
        return any(has_type(obj, NEWS_ARTICLE_TYPES) for obj in self.jsonld)


_MIN_HEADLINE_CHARS = 4


def _in_title(headline: str, title: str | None) -> bool:
    return (
        bool(title) and len(headline) >= _MIN_HEADLINE_CHARS and headline in " ".join((title or "").split())
    )


def _dimension(value: str | None) -> int | None:
    if not value:
        return None
    m = re.match(r"\s*(\d+)", value)
    return int(m.group(1)) if m else None


def _flatten_jsonld(data: Any, out: list[dict[str, Any]]) -> None:
    if isinstance(data, list):
        for item in data:
            _flatten_jsonld(item, out)
    elif isinstance(data, dict):
        out.append(data)
        if "@graph" in data:
            _flatten_jsonld(data["@graph"], out)


def read_page_meta(tree: HtmlElement) -> PageMeta:
    page = PageMeta()
    page.html_lang = (tree.get("lang") or tree.get("xml:lang") or "").strip() or None
    for el in tree.iter("meta", "link", "title", "h1", "base", "img", "script", "time"):
        tag = el.tag
        if tag == "meta":
            key = (
                el.get("property") or el.get("name") or el.get("itemprop") or el.get("http-equiv") or ""
            ).lower()
            content = el.get("content")
            if key and content and key not in page.meta:
                page.meta[key] = content
        elif tag == "time":
            if el.get("itemprop", "").lower() in ("datepublished", "datemodified") and el.get("datetime"):
                page.meta.setdefault(el.get("itemprop", "").lower(), el.get("datetime", ""))
        elif tag == "link":
            if page.canonical is None and "canonical" in (el.get("rel") or "").lower().split():
                page.canonical = el.get("href")
        elif tag == "title":
            if page.title is None:
                page.title = el.text_content().strip() or None
        elif tag == "h1":
            text = " ".join(el.text_content().split())
            # The first <h1>, unless a later one is the headline the <title> holds (the first a logo).
            if text and (
                page.h1 is None or (not _in_title(page.h1, page.title) and _in_title(text, page.title))
            ):
                page.h1, page.h1_element = text, el
        elif tag == "base":
            page.base_href = page.base_href or el.get("href")
        elif tag == "img":
            src = el.get("src") or el.get("data-src") or el.get("data-original")
            if src:
                page.image_sizes[src.strip()] = (_dimension(el.get("width")), _dimension(el.get("height")))
        elif tag == "script" and (el.get("type") or "").lower() == "application/ld+json":
            try:
                _flatten_jsonld(json.loads(el.text or ""), page.jsonld)
            except ValueError:
                continue
    return page
