"""Orchestration: decode → parse once → page metadata → trafilatura → thread body → per-language
headline and body rules → people, dates, images."""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import trafilatura
from htmldate import find_date
from trafilatura.settings import Document, set_date_params, use_config

from .bylines import Credits, _names, header_credits
from .chinese import clean_chinese_body, is_chinese_text
from .dates import find_date_in_text, format_datetime, parse_datetime_text, zone
from .decode import decode_html
from .furniture import strip_image_urls
from .images import absolute, is_tiny
from .locate import line_sources, text_after, text_owners
from .pagemeta import MODIFIED_KEYS, PUBLISHED_KEYS, PageMeta, read_page_meta
from .parse import parse_html
from .threads import thread_body
from .titles import (
    article_headline,
    choose_headline,
    meta_titles,
    site_and_channel_only,
    split_title,
    strip_site_name,
    title_element_before_body,
)

__all__ = [
    "EXTRACTOR_NAME",
    "EXTRACTOR_VERSION",
    "ExtractedArticle",
    "NotAnArticle",
    "extract_article",
    "try_extract",
]

logger = logging.getLogger(__name__)

EXTRACTOR_NAME = "newsarchive"
EXTRACTOR_VERSION = f"1.0+trafilatura-{trafilatura.__version__}"
MIN_BODY_CHARS = 4
PRECISION_FALLBACK_CHARS = 200
AUTHOR_ROLES = ("reporter", "author")

# A private copy: trafilatura's module-level config is shared by every caller in the process.
_CONFIG = copy.deepcopy(use_config())


class NotAnArticle(Exception):
    """The page has no article body; ``reason`` says why in one line."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass
class ExtractedArticle:
    title: str | None
    section: str | None
    site_name: str | None
    original_title: str | None
    authors: list[str]
    contributors: list[dict[str, str]]
    editor: str | None
    source_outlet: str | None
    published: str | None
    modified: str | None
    language: str | None
    summary: str | None
    text: str
    tags: list[str] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    images: list[str] = field(default_factory=list)
    image: str | None = None
    canonical_url: str | None = None
    encoding: str = "utf-8"
    extractor: str = EXTRACTOR_NAME
    extractor_version: str = EXTRACTOR_VERSION

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def extract_article(
    body: bytes,
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    fetched_at: datetime | None = None,
    timezone: str | None = None,
) -> ExtractedArticle | None:
    """Extract an article, or None (reason logged) for a page that is not one."""
    try:
        return try_extract(body, url, headers, fetched_at=fetched_at, timezone=timezone)
    except NotAnArticle as exc:
        logger.info("not an article: %s (%s)", exc.reason, url or "no url")
        return None


def _lang_code(value: str | None) -> str | None:
    if not value:
        return None
    m = re.match(r"\s*([A-Za-z]{2,3})(?:[-_]|\s|$)", value)
    return m.group(1).lower() if m else None


def _split_list(value: str | None) -> list[str]:
    if not value:
        return []
    return [v.strip() for v in re.split(r"\s*;\s*", value) if v.strip()]


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


def try_extract(
    body: bytes,
    url: str | None = None,
    headers: Mapping[str, str] | None = None,
    *,
    fetched_at: datetime | None = None,
    timezone: str | None = None,
) -> ExtractedArticle:
    """Like :func:`extract_article` but raises :class:`NotAnArticle` instead of returning None."""
    if not body or not body.strip():
        raise NotAnArticle("empty response body")
    html, encoding = decode_html(body, headers)
    tree = parse_html(html)
    if tree is None:
        raise NotAnArticle("not parseable as HTML")
    page = read_page_meta(tree)
    doc = _body_document(tree, url, page)

    raw_lines = [line.strip() for line in (doc.text or "").split("\n")]
    thread = thread_body(tree, page, raw_lines)
    if thread is not None:
        raw_lines = thread[0]
    # The thread's first post when the body opens with it (not with a question or a lead above it).
    first_post = thread[1] if thread is not None and thread[0][:1] == thread[1].lines[:1] else None
    html_lang = _lang_code(page.html_lang) or _lang_code(
        page.meta.get("content-language") or page.meta.get("og:locale")
    )
    chinese = is_chinese_text(doc.text or "") and html_lang not in ("ja", "ko")
    language = "zh" if chinese else html_lang
    tz_name = timezone or ("Asia/Shanghai" if chinese else "UTC")

    og_site = (page.meta.get("og:site_name") or "").strip() or None
    if chinese:
        story = _chinese_story(tree, page, doc, url, raw_lines, og_site, in_thread=thread is not None)
    else:
        story = _story(page, doc, url, raw_lines, og_site)
    lines, credits = story.lines, story.credits

    # U+FFFD carries no information (the source already lost those bytes); never pass it on.
    text = "\n".join(lines).replace("\ufffd", "")
    title = story.title.replace("\ufffd", "") if story.title else story.title
    if len(re.sub(r"\s", "", text)) < MIN_BODY_CHARS:
        raise NotAnArticle(f"body shorter than {MIN_BODY_CHARS} characters")

    jsonld = _jsonld_people(page)
    authors, contributors = _people(
        (jsonld if chinese else None) or doc.author,
        credits,
        chinese,
        {story.site_name, og_site, credits.source_outlet},
        jsonld,
    )
    if first_post is not None and first_post.author and not jsonld:
        # Why: a thread's author is its first post's poster; page meta names the forum software.
        authors = _unique([first_post.author, *[a for a in authors if a not in _split_list(doc.author)]])
        if not any(c["name"] == first_post.author for c in contributors):
            contributors.insert(0, {"name": first_post.author, "role": "author"})
    editor = next((c["name"] for c in contributors if c["role"] == "editor"), None)
    meta_lines = story.meta_lines
    if first_post is not None and first_post.time:
        # The first post's time before reply dates in the body (a body opening with a lead is
        # dated by the page's own date line, not by the first reply).
        meta_lines.insert(0, first_post.time)
    published = _published(
        lambda: _htmldate(tree, doc, page, url), page, chinese, tz_name, fetched_at, meta_lines
    )

    images = _images(tree, lines, page, url)
    canonical = page.canonical or page.meta.get("og:url")
    return ExtractedArticle(
        title=title,
        section=story.section,
        site_name=story.site_name,
        original_title=story.original_title,
        authors=authors,
        contributors=contributors,
        editor=editor,
        source_outlet=credits.source_outlet,
        published=published,
        modified=_modified(page, tz_name, fetched_at),
        language=language,
        summary=_summary(doc, text, lines),
        text=text,
        tags=_unique([t.strip() for t in [*(doc.tags or []), *story.tags]]),
        categories=_unique([c.strip() for c in doc.categories or []]),
        images=images,
        image=_lead_image(doc, page, images, url),
        canonical_url=absolute(canonical, page.base_href or url) if canonical else None,
        encoding=encoding,
    )


def _body_document(tree: Any, url: str | None, page: PageMeta) -> Document:
    """trafilatura's result for the page, in the mode that suits it; raises when it finds no body.

    Why two modes: Chinese news pages surround the article with teaser lists, feeds and footers
    that the balanced mode keeps; precision mode drops them.  When precision leaves little text
    (threads, short notices), the balanced result is taken instead.
    """
    precise = _looks_chinese(page)
    doc = _trafilatura(tree, url, precise, page)
    if precise and len(_text_of(doc)) < PRECISION_FALLBACK_CHARS:
        # Why without metadata: the page's metadata does not depend on the mode, and the
        # precision run already read it; the second run only needs the body.
        balanced = _trafilatura(tree, url, False, page, with_metadata=doc is None)
        kept, found = len(_text_of(doc)), len(_text_of(balanced))
        # Balanced wins when precision kept almost nothing, or when balanced is not much
        # longer (then the extra text is the short page's own); a far longer balanced
        # result is page chrome.
        if (
            found > kept
            and (kept < PRECISION_FALLBACK_CHARS / 2 or found <= 4 * kept)
            and not _chrome_only(_text_of(doc), _text_of(balanced))
        ):
            if doc is not None and balanced is not None:
                doc.text, doc.raw_text, doc.body = balanced.text, balanced.raw_text, balanced.body
            else:
                doc = balanced
    if not isinstance(doc, Document) or not _text_of(doc).strip():
        raise NotAnArticle("no body text found")
    return doc


@dataclass
class _Story:
    """The headline, body lines and credits a language's rules read from the page."""

    title: str | None
    lines: list[str]
    site_name: str | None
    section: str | None = None
    credits: Credits = field(default_factory=Credits)
    original_title: str | None = None
    meta_lines: list[str] = field(default_factory=list)  # lines the date search reads
    tags: list[str] = field(default_factory=list)  # tags printed in the body


def _story(
    page: PageMeta, doc: Document, url: str | None, raw_lines: list[str], og_site: str | None
) -> _Story:
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
    return _Story(title=title, lines=lines, site_name=doc.sitename or og_site)


def _chinese_story(
    tree: Any,
    page: PageMeta,
    doc: Document,
    url: str | None,
    raw_lines: list[str],
    og_site: str | None,
    *,
    in_thread: bool,
) -> _Story:
    """Chinese pages: the title split into headline/channel/site, the body cleaned of chrome and
    credits, and the info lines around the body read for credits and the date."""
    base_title = _base_title(doc, page)
    site_names = [n for n in (og_site, doc.sitename, page.meta.get("application-name")) if n]
    host = urlsplit(url or page.canonical or "").hostname
    parts = split_title(base_title, site_names=site_names, headline=page.h1, host=host)
    raw_parts = split_title(page.title or base_title, site_names=site_names, headline=page.h1, host=host)
    title: str | None = parts.title or None
    if title and page.h1 is None and site_and_channel_only(title):
        title = title_element_before_body(tree, raw_lines) or title
    cleaned = clean_chinese_body(raw_lines, titles=[base_title, parts.title, page.title or "", page.h1 or ""])
    # A thread's posts are repeated blocks by design; the feed cut would stop at the second.
    lines = cleaned.lines if in_thread else _drop_appended_feed(tree, cleaned.lines, page)
    credits, meta_lines = cleaned.credits, cleaned.meta_lines
    # The info line under the headline ("2023年06月18日 来源：示例日报 作者：李晓明") is often
    # outside the extracted body; read source and credits from it too.
    header = text_after(_headline_anchor(tree, page, title), 400)
    meta_lines.append(header)  # the date search reads the wider window
    credits.extend(header_credits(header[:200]))
    credits.extend(_trailer_credits(tree, lines))
    return _Story(
        title=title,
        lines=lines,
        site_name=og_site or parts.site_name or raw_parts.site_name,
        section=parts.section or raw_parts.section,
        credits=credits,
        original_title=cleaned.original_title,
        meta_lines=meta_lines,
        tags=cleaned.tags,
    )


def _base_title(doc: Document, page: PageMeta) -> str:
    return (doc.title or page.title or page.h1 or "").strip()


def _modified(page: PageMeta, tz_name: str, fetched_at: datetime | None) -> str | None:
    raw = page.first(MODIFIED_KEYS) or _jsonld_str(page, "dateModified")
    return format_datetime(parse_datetime_text(raw, default_tz=tz_name, now=fetched_at)) if raw else None


def _summary(doc: Document, text: str, lines: list[str]) -> str | None:
    summary = (doc.description or "").strip() or None
    if summary and re.sub(r"\s", "", summary) == re.sub(r"\s", "", text):
        summary = None  # a description that *is* the whole body is no summary
    if summary is None and len(lines) > 1:
        summary = lines[0]
    return summary


FRAGMENT_CHARS = 10
FRAGMENT_SHARE = 0.8
_SENTENCE_MARK = re.compile(r"[，。！？；,!?;]")


def _chrome_only(precise: str, balanced: str) -> bool:
    """Is what the balanced run adds made of fragments (menu items, counters, buttons)?

    Why: on a short post or notice, precision mode keeps just the post; the balanced run adds
    the page's navigation, action bar and footer, line by line (most added lines are
    fragments) or run together with the post on one line ("鹿小町 发布于 2020-12-30 管理
    <the post> 交流 5 浏览 (640) 收藏": every added piece is a fragment).
    """
    kept = {line.strip() for line in precise.split("\n") if line.strip()}
    lines = [line.strip() for line in balanced.split("\n") if line.strip() and line.strip() not in kept]
    if lines and sum(map(_fragment, lines)) >= FRAGMENT_SHARE * len(lines):
        return True
    rest = balanced
    for line in sorted(kept, key=len, reverse=True):
        rest = rest.replace(line, "\n")
    pieces = rest.split()
    return bool(pieces) and all(map(_fragment, pieces))


def _fragment(text: str) -> bool:
    # A short text with sentence punctuation (a verse, a terse reply) is no fragment.
    return len(text) <= FRAGMENT_CHARS and not _SENTENCE_MARK.search(text)


def _trafilatura(
    tree: Any, url: str | None, precise: bool, page: PageMeta, *, with_metadata: bool = True
) -> Document | None:
    # trafilatura copies a tree it is given, so ours stays intact for the look-ups after it.
    doc = trafilatura.bare_extraction(
        tree,
        url=url,
        with_metadata=with_metadata,
        favor_precision=precise,
        config=_CONFIG,
        date_extraction_params=set_date_params(extensive=_htmldate_may_be_needed(page)),
    )
    return doc if isinstance(doc, Document) else None


def _htmldate_may_be_needed(page: PageMeta) -> bool:
    """Whether the published date may come from htmldate: only when the page has no parseable
    structured date (``_published`` takes that one before anything else).

    Why: the metadata pass inside trafilatura runs htmldate anyway.  When its day may be used,
    that pass runs the extensive search (trafilatura's default), and its result *is* htmldate's
    day, with no second search of the page; otherwise the fast search, whose day is never read,
    as the extensive one (dateparser's locale matching) is the costliest part of the pass.
    """
    # Whether a text parses does not depend on the zone or the reference time.
    raw = _structured_published(page)
    return raw is None or parse_datetime_text(raw, default_tz="UTC") is None


def _htmldate(tree: Any, doc: Document, page: PageMeta, url: str | None) -> str | None:
    """htmldate's day with trafilatura's own default (extensive) parameters."""
    if _htmldate_may_be_needed(page):
        return doc.date  # the metadata pass ran exactly this search (same tree, same URL)
    return find_date(tree, **{**set_date_params(extensive=True), "url": doc.url or url})


def _structured_published(page: PageMeta) -> str | None:
    """The publication time the page declares in its meta tags or JSON-LD, as written."""
    return page.first(PUBLISHED_KEYS) or _jsonld_str(page, "datePublished")


def _text_of(doc: Document | None) -> str:
    return (doc.text or "") if doc is not None else ""


def _looks_chinese(page: PageMeta) -> bool:
    """Before extraction: does the page declare Chinese, or is its title/lead Chinese?"""
    lang = _lang_code(page.html_lang)
    if lang in ("ja", "ko"):
        return False
    sample = " ".join(x for x in (page.title, page.h1, page.meta.get("description")) if x)
    return lang == "zh" or is_chinese_text(sample, min_han=4)


def _aware(value: datetime, tz_name: str) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=zone(tz_name))


def _jsonld_str(page: PageMeta, key: str) -> str | None:
    value = page.jsonld_value(key)
    return value if isinstance(value, str) else None


def _jsonld_people(page: PageMeta) -> str | None:
    """Author names declared as schema.org Person objects (kept verbatim: "私~川流")."""
    value = page.jsonld_value("author")
    items = value if isinstance(value, list) else [value]
    names = [i.get("name", "").strip() for i in items if isinstance(i, dict) and i.get("@type") == "Person"]
    return "; ".join(n for n in names if n) or None


def _people(
    meta_author: str | None,
    credits: Credits,
    chinese: bool,
    outlets: set[str | None],
    jsonld: str | None = None,
) -> tuple[list[str], list[dict[str, str]]]:
    contributors = list(credits.contributors)
    authors = [c["name"] for c in contributors if c["role"] in AUTHOR_ROLES]
    for name in _split_list(meta_author):
        if chinese and name in outlets:  # "作者：新华网" names the outlet, not a writer
            continue
        # On Chinese pages the author meta often holds the outlet or a CMS account; keep people only
        # (a schema.org Person is a person by declaration).
        if chinese and not _names(name) and name not in (jsonld or ""):
            continue
        authors.append(name)
        if not any(c["name"] == name for c in contributors):
            contributors.append({"name": name, "role": "author"})
    return _unique(authors), contributors


def _published(
    htmldate: Callable[[], str | None],
    page: PageMeta,
    chinese: bool,
    tz_name: str,
    fetched_at: datetime | None,
    meta_lines: list[str],
) -> str | None:
    # 1. Structured metadata carries time and offset; prefer it.
    raw = _structured_published(page)
    if raw:
        parsed = parse_datetime_text(raw, default_tz=tz_name, now=fetched_at)
        if parsed is not None:
            if re.search(r"\d[:：]\d", raw):
                return format_datetime(parsed)
            # Why: a date-only meta tag loses the time the visible date line prints
            # ("发布时间：2021年06月18日 09:12"); take that line's time when it is the same day.
            for candidate in meta_lines if chinese else []:
                found = (
                    find_date_in_text(candidate, default_tz=tz_name, now=fetched_at) if candidate else None
                )
                if (
                    found is not None
                    and found.date() == parsed.date()
                    and (found.hour, found.minute) != (0, 0)
                ):
                    return format_datetime(found)
            # "2024-05-20" alone says nothing about the time: keep it a date, not fake midnight.
            return parsed.date().isoformat()
    # 2. Chinese pages print "2019年02月24日 22:16" or "发布时间：…" right by the headline.
    if chinese:
        for candidate in meta_lines:
            found = find_date_in_text(candidate, default_tz=tz_name, now=fetched_at) if candidate else None
            if found is not None:
                midnight = (found.hour, found.minute, found.second) == (0, 0, 0)
                return found.date().isoformat() if midnight else format_datetime(found)
        # "3小时前" / "昨天 10:20" only mean something against the time the page was fetched.
        if fetched_at is not None:
            for candidate in meta_lines:
                found = parse_datetime_text(candidate[:200], default_tz=tz_name, now=fetched_at)
                age = _aware(fetched_at, tz_name) - found if found is not None else None
                if found is not None and age is not None and timedelta(0) <= age <= timedelta(days=400):
                    return format_datetime(found)
    # 3. htmldate's day (it also looks at the URL); a date without time stays a date.
    return htmldate() or None


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


def _trailer_credits(tree: Any, lines: list[str]) -> Credits:
    """Credits printed right after the body ("[作者: 刘满仓 责任编辑: 杨丹宇]")."""
    probe = next((line[-12:] for line in reversed(lines) if len(line) >= 12), None)
    if probe is None:
        return Credits()
    for node in tree.xpath("//body//text()"):
        if probe in node:
            found = header_credits(text_after(node.getparent(), 120))
            found.source_outlet = None  # a trailer's "来源" may belong to the next teaser
            return found
    return Credits()


def _container(tree: Any, lines: list[str]) -> Any:
    """The element holding the extracted body: common ancestor of its first and last paragraphs."""
    probes = [line[:20] for line in lines if len(line) >= 12]
    if not probes:
        return None
    # Why xpath: libxml2 finds the few text nodes holding a probe; walking every element
    # from Python cost more than the rest of this module together.
    first, last = text_owners(tree, probes[0], probes[-1])
    if first is None:
        return None
    if last is None:
        last = first
    ancestors = {id(el): el for el in first.iterancestors()}
    ancestors[id(first)] = first
    el = last
    while el is not None and id(el) not in ancestors:
        el = el.getparent()
    # A single paragraph is too narrow: its images sit in sibling elements.
    if el is not None and el.tag in ("p", "span", "strong", "b", "em", "font", "a", "li"):
        el = el.getparent()
    return el


def _images(tree: Any, lines: list[str], page: PageMeta, url: str | None) -> list[str]:
    base = page.base_href or url
    container = _container(tree, lines)
    if container is None:
        return []
    found: list[str] = []
    for img in container.iter("img"):
        src = img.get("src") or ""
        lazy = img.get("data-src") or img.get("data-original") or img.get("data-lazy-src")
        # Lazy-loading pages put a placeholder in src and the real picture in data-src.
        if lazy and (not src or src.startswith("data:") or is_tiny(src)):
            src = lazy
        full = absolute(src, base) if src else None
        if full:
            found.append(full)
    return _unique(found)


def _lead_image(doc: Any, page: PageMeta, images: list[str], url: str | None) -> str | None:
    base = page.base_href or url
    if doc.image:
        full = absolute(doc.image, base)
        if full and not is_tiny(full):
            return full
    sizes = {absolute(src, base): size for src, size in page.image_sizes.items()}
    for image in images:
        width, height = sizes.get(image, (None, None))
        if not is_tiny(image, width, height):
            return image
    return None


_FEED_ITEMS = 3


def _feed_list(el: Any) -> Any:
    """The list element when ``el`` sits in one of several same-class items that each hold a link."""
    node = el
    while node is not None:
        parent = node.getparent()
        if parent is None:
            return None
        cls = node.get("class")
        if cls and node.tag in ("li", "div", "article", "section"):
            same = [c for c in parent if c.tag == node.tag and c.get("class") == cls]
            if len(same) >= _FEED_ITEMS and all(
                c.find(".//a[@href]") is not None for c in same[:_FEED_ITEMS]
            ):
                return parent
        node = parent
    return None


def _drop_appended_feed(tree: Any, lines: list[str], page: PageMeta) -> list[str]:
    """Cut the body where another article begins after it.

    Why: infinite-scroll pages append the next stories below the article; their text follows a
    second <h1>, or sits in a list of same-class items that each link elsewhere, outside the
    block holding the article's first paragraph.
    """
    if len(lines) < 2:
        return lines
    sources = line_sources(tree, lines)
    first = next((s for s in sources if s is not None), None)
    if first is None:
        return lines
    # The article's own block: the first paragraph's parent for a later <h1> (Chinese CMSs use
    # <h1> for headlines only), two levels up for feed lists (the article's own lists and
    # sections sit within that).
    parent = first.getparent() if first.getparent() is not None else first
    block = parent.getparent() if parent.getparent() is not None else parent
    near, wide = set(parent.iter()), set(block.iter())
    above = set(first.iterancestors())
    headline = page.h1_element
    for index in range(1, len(lines)):
        el = sources[index]
        if el is None:
            continue
        h1 = el if el.tag == "h1" else next(el.iterancestors("h1"), None)
        if el not in near and h1 is not None and h1 is not headline:
            return lines[:index]
        if el in wide:
            continue
        feed = _feed_list(el)
        if feed is not None and feed not in wide and feed not in above:
            return lines[:index]
    return lines
