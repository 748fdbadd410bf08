"""The headline, body lines and credits, read by the rules of the page's language: Chinese pages get
title splitting (:mod:`.titles`), body cleaning (:mod:`.chinese`), the feed cut (:mod:`.feeds`) and the
credits around the body (:mod:`.bylines`, :mod:`.people`); other pages their declared headline."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from trafilatura.settings import Document

from .bylines import Credits, dateline_credits, header_credits
from .chinese import clean_chinese_body, drop_comment_section
from .feeds import drop_appended_feed
from .furniture import strip_image_urls
from .locate import text_after, text_before
from .pagemeta import PageMeta
from .people import (
    AUTHOR_ROLES,
    labelled_credits,
    marked_byline_credits,
    page_author_credits,
    page_credit_lines,
    trailer_credits,
)
from .titles import (
    article_headline,
    choose_headline,
    meta_titles,
    site_and_channel_only,
    split_title,
    strip_site_name,
    title_element_before_body,
    visible_title,
)

__all__ = ["Story", "chinese_story", "declared_site_name", "plain_story"]


@dataclass
class Story:
    """The headline, body lines and credits a language's rules read from the page."""

    title: str | None
    lines: list[str]
    site_name: str | None
    section: str | None = None
    credits: Credits = field(default_factory=Credits)
    original_title: str | None = None
    meta_lines: list[str] = field(default_factory=list)  # lines the date search reads
    tags: list[str] = field(default_factory=list)  # tags printed in the body


def declared_site_name(page: PageMeta) -> str | None:
    """The site name the page declares (og:site_name)."""
    return (page.meta.get("og:site_name") or "").strip() or None


def plain_story(
    page: PageMeta, doc: Document, url: str | None, raw_lines: list[str], og_site: str | None
) -> Story:
    """Any language but Chinese: the declared headline and trafilatura's lines."""
    host = urlsplit(url or page.canonical or "").hostname
    title = choose_headline(
        jsonld_headline=article_headline(page.jsonld),
        meta_titles=meta_titles(page.meta),
        html_title=page.title,
        h1=page.h1,
        site_name=og_site,
        host=host,
        fallback=doc.title,
    ) or (strip_site_name(_base_title(doc, page), og_site, host=host, headline=page.h1) or None)
    lines = [line for line in (strip_image_urls(r) for r in raw_lines) if line]
    return Story(title=title, lines=lines, site_name=doc.sitename or og_site)


def chinese_story(
    tree: Any,
    page: PageMeta,
    doc: Document,
    url: str | None,
    raw_lines: list[str],
    og_site: str | None,
    *,
    in_thread: bool,
) -> Story:
    """Chinese pages: the title split into headline/channel/site, the body cleaned of chrome and
    credits, and the info lines around the body read for credits and the date."""
    base_title = _headline_title(doc, page) or _base_title(doc, page)
    site_names = [n for n in (og_site, doc.sitename, page.meta.get("application-name")) if n]
    host = urlsplit(url or page.canonical or "").hostname
    parts = split_title(base_title, site_names=site_names, headline=page.h1, host=host)
    raw_parts = split_title(page.title or base_title, site_names=site_names, headline=page.h1, host=host)
    title: str | None = parts.title or None
    if title and page.h1 is None and site_and_channel_only(title):
        title = title_element_before_body(tree, raw_lines) or title
    shown = visible_title(tree, title) if title and page.h1 is None else None
    if shown is not None:
        title = shown[0]  # the <title>'s part that an element prints as the headline
    cleaned = clean_chinese_body(
        raw_lines, titles=[base_title, parts.title, page.title or "", page.h1 or "", title or ""]
    )
    # A thread's posts are repeated blocks by design; the feed cut would stop at the second.
    lines = (
        cleaned.lines if in_thread else drop_appended_feed(tree, drop_comment_section(cleaned.lines), page)
    )
    credits, meta_lines = cleaned.credits, cleaned.meta_lines
    # The info line under the headline ("2023年06月18日 来源：示例日报 作者：李晓明") is often
    # outside the extracted body; read source and credits from it too.
    anchor = shown[1] if shown is not None else _headline_anchor(tree, page, title)
    header = text_after(anchor, 400)
    meta_lines.append(header)  # the date search reads the wider window
    # Some sites print the date line above the headline, in the same header block (qq.com's shape); read
    # after the text below it.
    meta_lines.append(text_before(anchor, 160))
    credits.extend(header_credits(_whole_pieces(header, 200)))
    if not any(c["role"] in AUTHOR_ROLES for c in credits.contributors):
        credits.extend(dateline_credits(" ".join(lines[:3])))
        credits.extend(dateline_credits(_whole_pieces(header, 200)))
    credits.extend(trailer_credits(tree, lines))
    # A label element ("<span>作者</span><a>周纯</a>") only when no line credited a writer.
    if not any(c["role"] in AUTHOR_ROLES for c in credits.contributors):
        credits.extend(labelled_credits(tree))
    if not any(c["role"] in AUTHOR_ROLES for c in credits.contributors):
        credits.extend(page_author_credits(tree))
    if not any(c["role"] in AUTHOR_ROLES for c in credits.contributors):
        credits.extend(marked_byline_credits(tree))
    if not any(c["role"] in AUTHOR_ROLES for c in credits.contributors):
        credits.extend(page_credit_lines(tree))
    return Story(
        title=title,
        lines=lines,
        site_name=og_site or parts.site_name or raw_parts.site_name,
        section=parts.section or raw_parts.section,
        credits=credits,
        original_title=cleaned.original_title,
        meta_lines=meta_lines,
        tags=cleaned.tags,
    )


def _whole_pieces(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` characters at a space (between two texts of the page), never inside
    one: a cut sentence "记者从崂山风景区…" would end in a name-shaped "记者从崂山"."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit + 1)
    return text[:cut] if cut > 0 else ""


def _headline_title(doc: Document, page: PageMeta) -> str | None:
    """The <title> when it holds the visible <h1> and trafilatura's title is neither: trafilatura then read
    some other heading ("相关博文", "更多关于 湘江 的新闻", "产品大全" on sina.com.cn pages)."""
    title = " ".join((page.title or "").split())
    found = " ".join((doc.title or "").split())
    if not title or not found or not page.h1 or len(page.h1) < _MIN_HEADLINE or page.h1 not in title:
        return None
    return title if found not in title and page.h1 not in found else None


_MIN_HEADLINE = 4


def _base_title(doc: Document, page: PageMeta) -> str:
    return (doc.title or page.title or page.h1 or "").strip()


def _headline_anchor(tree: Any, page: PageMeta, title: str | None) -> Any:
    """The <h1>, or else the first element whose own text is the headline."""
    if page.h1_element is not None:
        return page.h1_element
    if not title:
        return None
    for el in tree.iter("h2", "h3", "h4", "div", "p", "span", "strong", "td", "b"):
        if el.text and " ".join(el.text.split()) == title:
            return el
    return None
