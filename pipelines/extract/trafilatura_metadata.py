"""trafilatura's metadata step, run for the fields the extractor reads, with the same values.

Why not trafilatura's own step (``bare_extraction(with_metadata=True)``): on the 1,066 labelled pages it cost
~10 ms a page, a fifth of an extraction, and much of it went on values nobody reads or reads rarely:

- the author search in the markup (~8.5 ms where it runs, on 58 % of the pages): three XPaths whose regular
  expressions call back into Python for every element of the page, on a deep copy pruned by two more;
  :func:`markup_author` finds the same author by looking at the few elements whose attributes could match;
- htmldate's day (~2 ms), which :func:`pipelines.extract.page_dates.published` reads only when neither the
  page's declared date nor its date lines give one: it asks htmldate then (:func:`htmldate_day`);
- the licence look-up (~0.5 ms), never read.

Every other value comes from trafilatura's own functions, in its order. The unit tests
(test_extract_trafilatura_metadata.py) compare the result with ``trafilatura.metadata.extract_metadata`` field
by field, and :func:`markup_author` with ``extract_author``: a trafilatura release that changes either
shows up there.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from htmldate import find_date
from lxml.etree import XPath, _ElementUnicodeResult
from trafilatura.json_metadata import normalize_authors
from trafilatura.metadata import (
    META_URL,
    examine_meta,
    extract_author,
    extract_catstags,
    extract_meta_json,
    extract_sitename,
    extract_title,
    extract_url,
)
from trafilatura.settings import Document, set_date_params
from trafilatura.utils import trim

__all__ = ["htmldate_day", "markup_author", "trafilatura_metadata"]

LOGGER = logging.getLogger(__name__)


def trafilatura_metadata(tree: Any, url: str | None) -> Document:
    """What ``trafilatura.metadata.extract_metadata(tree, url)`` returns, without its ``date``, ``license``
    and ``hostname`` (left None). ``tree`` is not changed."""
    metadata = examine_meta(tree)
    if metadata.author and " " not in metadata.author:
        metadata.author = None  # trafilatura's rule: a one-word author meta is a handle
    try:
        metadata = extract_meta_json(tree, metadata)
    except Exception as err:  # trafilatura's guard: its JSON-LD reader has raised on real pages
        LOGGER.debug("error in JSON metadata extraction: %s", err)
    if not metadata.title:
        metadata.title = extract_title(tree)
    if not metadata.author:
        metadata.author = markup_author(tree)
    if not metadata.url:
        metadata.url = extract_url(tree, url)
    if not metadata.sitename:
        metadata.sitename = extract_sitename(tree)
    if metadata.sitename:
        metadata.sitename = metadata.sitename.lstrip("@")
        if metadata.sitename and "." not in metadata.sitename and not metadata.sitename[0].isupper():
            metadata.sitename = metadata.sitename.title()
    elif metadata.url:
        match = META_URL.match(metadata.url)
        if match:
            metadata.sitename = match[1]
    if not metadata.categories:
        metadata.categories = extract_catstags("category", tree)
    if not metadata.tags:
        metadata.tags = extract_catstags("tag", tree)
    metadata.clean_and_trim()
    return metadata


def htmldate_day(tree: Any, url: str | None) -> str | None:
    """htmldate's day for the page with trafilatura's default (extensive) parameters: the ``date`` its
    metadata step gives. ``url`` is the page's URL as that step reads it (its canonical link, else the
    given one). htmldate searches a copy: ``tree`` is not changed."""
    return find_date(tree, **{**set_date_params(extensive=True), "url": url})


# --- the author search in the markup -----------------------------------------------------------------
# trafilatura's AUTHOR_XPATHS, tried in order, the first element whose text is 3-119 characters winning, on a
# copy of the page without AUTHOR_DISCARD_XPATHS' elements. Each expression's test reads only the element's
# own name and attributes, so an element matches in the pruned copy exactly when it matches in the page and
# has no discarded ancestor-or-self. The attributes those tests read, and the two element names they name,
# are collected by one XPath on the attribute axis (cheap in libxml2); the tests then run in Python on the
# few elements whose values hold one of the words below, with the same regular expressions (EXSLT's
# re:test is Python's re.search on the attribute's value).
_ATTRIBUTES = XPath("//@class|//@id|//@itemprop|//@rel|//@data-testid|//@data-component|//author|//rel")
_MAY_MATCH = re.compile(
    "uthor|zuozhe|bianji|xiaobian|channel-name|submitted-by|posted-by|journalist-name|screenname|writer"
    "|byl|yline|BBL|username"
)
_FIRST_TAGS = frozenset({"a", "address", "div", "link", "p", "span", "strong"})
_SECOND_TAGS = frozenset({"a", "div", "h3", "h4", "p", "span"})
_FIRST_CLASS = re.compile("author-?name|AuthorName|authorName")
_SECOND_ID = re.compile("author|zuozhe|bianji|xiaobian")
_SECOND_CLASS = re.compile(
    "author|channel-name|zuozhe|bianji|xiaobian|submitted-by|posted-by|journalist-name"
)
_THIRD_ID = re.compile("[Aa]uthor")
_THIRD_CLASS = re.compile("[Aa]uthor|screenname|writer|[Bb]yline")
_DISCARD_TAGS = frozenset({"a", "div", "section", "span"})
_DISCARD_ID = re.compile("^comments|comment-?list|ProductReviews")
_DISCARD_CLASS = re.compile(
    "^[Cc]omments|commentlist|comments-list|sidebar|is-hidden|quote|embedly-instagram|article-(?:share|support)"
    "|print|category|meta-date|meta-reviewer"
)


def _first(el: Any) -> bool:
    if el.tag == "author":
        return True
    get = el.get
    return el.tag in _FIRST_TAGS and (
        get("rel") == "author"
        or get("id") == "author"
        or get("class") == "author"
        or get("itemprop") == "author name"
        or get("data-testid") in ("AuthorCard", "AuthorURL")
        or _FIRST_CLASS.search(get("class") or "") is not None
    )


def _second(el: Any) -> bool:
    get = el.get
    return el.tag in _SECOND_TAGS and (
        get("class") in ("byline", "username", "byl", "BBL")
        or "author" in (get("itemprop") or "")
        or _SECOND_ID.search(get("id") or "") is not None
        or _SECOND_CLASS.search(get("class") or "") is not None
    )


def _third(el: Any) -> bool:
    get = el.get
    return (
        "Byline" in (get("data-component") or "")
        or "author" in (get("itemprop") or "")
        or _THIRD_ID.search(get("id") or "") is not None
        or _THIRD_CLASS.search(get("class") or "") is not None
    )


def _discarded(el: Any) -> bool:
    tag = el.tag
    if tag in ("time", "figure"):
        return True
    if tag not in _DISCARD_TAGS:
        return False
    get = el.get
    return (
        get("id") == "comments"
        or get("class") in ("comments", "title", "date")
        or _DISCARD_ID.search(get("id") or "") is not None
        or _DISCARD_CLASS.search(get("class") or "") is not None
        or "Figure" in (get("data-component") or "")
    )


def markup_author(tree: Any) -> str | None:
    """What ``trafilatura.metadata.extract_author(tree)`` returns, without copying the page.

    Where the pruned copy's text of the winning element could differ from the page's (a discarded element
    inside it), or where the page has a ``<rel>`` element (one test reads a child of that name), trafilatura's
    own search runs instead.
    """
    candidates: dict[Any, None] = {}  # in document order
    for node in _ATTRIBUTES(tree):
        if isinstance(node, _ElementUnicodeResult):  # an attribute's value, which lxml gives with its element
            if _MAY_MATCH.search(node):
                candidates[node.getparent()] = None
        elif node.tag == "rel":
            return extract_author(tree)
        else:  # an <author> element
            candidates[node] = None
    for test in (_first, _second, _third):
        for el in candidates:
            if not test(el) or any(map(_discarded, el.iterancestors())) or _discarded(el):
                continue
            if any(_discarded(inner) for inner in el.iterdescendants()):
                return extract_author(tree)
            content = trim(" ".join(el.itertext()))
            if content and 2 < len(content) < 120:
                return normalize_authors(None, content)
    return None
