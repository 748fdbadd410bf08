"""A linear pass over a decoded page, before it is parsed, that bounds the markup shapes whose cost grows
faster than their size in the parsers and extractors after it (issue 14).

What it bounds, and why (CPU seconds of ``extract_page`` before this pass, on a 2-core machine):

- **Attributes per tag.** libxml2 checks each new attribute of a tag against all the earlier ones, and
  justext's and htmldate's passes over the page repeat per-attribute work: one tag with 20,000 attributes
  took 6 s, 40,000 took 19 s, 100,000 (a 1 MB page) 222 s. A tag keeps its first ``MAX_ATTRIBUTES``
  attributes of distinct names; later ones, and repeats of a name (which libxml2 drops anyway: the first
  value wins), go.
- **Attribute value length.** A 10 MB ``data:`` URI took 4 s, read by every pass that walks attributes. A
  quoted value longer than ``MAX_ATTRIBUTE_VALUE`` characters becomes empty (no extraction step reads such
  a value: ``data:`` images are skipped, and no URL, date or name is that long; real pages do hold JSON of
  100-200 KB in ``data-`` attributes, kept).
- **Runs of empty elements.** ``<br>`` (or ``<i></i>``, a text element with nothing inside) a hundred
  thousand times in a row cost 60-70 µs each in trafilatura's cleaning passes with no text to show for it:
  a million of them (4 MB) took 66 s. A run of more than ``MAX_EMPTY_RUN`` empty elements, with only white
  space between them, keeps its first ``MAX_EMPTY_RUN``.

Measured and left alone (time linear in size, bounded by the worker's budget and the download/file size
caps): deep nesting (libxml2 stops at depth 255, in 0.3 s), huge comments, one 10 MB text node, many small
tags with text, big tables, many links, entities.

Only tags and runs over a limit are rewritten (never inside a comment, a script or a style element); every
other byte of the page is left as it is. Of the 1,066 labelled pages of ../shared/datasets, 4 change (runs
of 17 or more empty ``<p>``/``<div>``/``<br>``) and extract exactly as before; the pass costs ~1.4 ms of CPU
for their mean page of 218,000 characters (a few per cent of an extraction). Each pattern is possessive
(no backtracking) and every start tag is read once, quoted values included, so the pass is linear in the
page's length whatever the markup.
"""

from __future__ import annotations

import re

__all__ = ["MAX_ATTRIBUTES", "MAX_ATTRIBUTE_VALUE", "MAX_EMPTY_RUN", "sanitize_html"]

MAX_ATTRIBUTES = 256
MAX_ATTRIBUTE_VALUE = 1024 * 1024
MAX_EMPTY_RUN = 16

# Empty elements: a line break, a word break or a rule, or a text element with nothing inside (not a
# script, a table cell or a picture's part: runs of those are common on real pages and cheap).
_VOID = frozenset({"br", "wbr", "hr"})
_EMPTY_PAIRS = frozenset(
    {"a", "abbr", "b", "big", "cite", "code", "div", "em", "font", "i", "kbd", "mark", "p", "q", "s"}
    | {"small", "span", "strong", "sub", "sup", "tt", "u", "var"}
)

# The page read once, as a sequence of comments, script or style elements (raw text: what looks like a tag
# inside is not one, and is never touched) and start tags; the rest (text, end tags) is skipped by the
# search. A start tag is read the way libxml2's HTML parser reads it: the name, then separators,
# attributes (name, optionally = and a value, quoted or not) and stray characters, up to ``>``; then its
# end tag when nothing is inside ("close"), then white space. A quote left open runs to the end of the page
# (libxml2 drops the rest of such a page too). Everything is possessive, so nothing is read twice.
_START_TAG = (
    r"""<(?P<name>[A-Za-z][^\s/>]*+)(?:[\s/]++"""
    r"""|[^\s/>="']++(?:\s*+=\s*+(?:"[^"]*+"?+|'[^']*+'?+|[^\s>]*+))?+|["'=][^\s>]*+)*+>?+"""
)
_TOKEN = re.compile(
    r"<!--(?:[^-]++|-(?!->))*+(?:-->)?+"
    r"|<(?:script|style)\b[^>]*+>(?:[^<]++|<(?!/(?:script|style)\b))*+"
    + f"|(?P<tag>{_START_TAG})(?P<close>\\s*+</(?P=name)\\s*+>)?+\\s*+",
    re.IGNORECASE,
)
_NAME, _TAG, _CLOSE = (_TOKEN.groupindex[g] for g in ("name", "tag", "close"))
_TAG_NAME = re.compile(r"<[A-Za-z][^\s/>]*+")
_ATTRIBUTE = re.compile(r"""([^\s/>="']++)(?:\s*+=\s*+("[^"]*+"?+|'[^']*+'?+|[^\s>]*+))?+""")
# No tag with fewer characters can hold more than MAX_ATTRIBUTES attributes ("a " each) or an over-long
# value: shorter tags are skipped without a look.
_SUSPECT_LENGTH = min(2 * MAX_ATTRIBUTES, MAX_ATTRIBUTE_VALUE)


def sanitize_html(html: str) -> str:
    """``html`` with its attribute lists, attribute values and runs of empty elements bounded (see the
    module's notes); the same string when nothing is over a limit."""
    pieces: list[str] = []
    done = 0
    run = 0  # empty elements in a row so far
    previous_end = -1
    for match in _TOKEN.finditer(html):
        start, end = match.span()
        name = match.group(_NAME)
        if name is None:  # a comment, a script or a style element: left as it is
            run = 0
            continue
        tag_end = match.end(_TAG)
        # (Lower-cased only when it may be one: an empty pair, or a name as short as "wbr".)
        empty = (match.start(_CLOSE) >= 0 or len(name) < 4) and (
            (lowered := name.lower()) in _VOID or (match.start(_CLOSE) >= 0 and lowered in _EMPTY_PAIRS)
        )
        if empty:
            run = run + 1 if start == previous_end else 1
            previous_end = end
            if run > MAX_EMPTY_RUN:  # past the run's first MAX_EMPTY_RUN: dropped
                pieces.append(html[done:start])
                done = end
                continue
        else:
            run = 0
        if tag_end - start >= _SUSPECT_LENGTH:
            bounded = _bounded_tag(html[start:tag_end])
            if bounded is not None:
                pieces += [html[done:start], bounded]
                done = tag_end
    if not pieces:
        return html
    pieces.append(html[done:])
    return "".join(pieces)


def _bounded_tag(tag: str) -> str | None:
    """The start tag ``tag`` within the limits, or None when it already is."""
    name_end = _TAG_NAME.match(tag).end()  # type: ignore[union-attr]  # _TOKEN matched it
    closing = ">" if tag.endswith(">") else ""
    body = tag[name_end : len(tag) - len(closing)]
    attributes = [(a.group(1), a.group(2), a.group()) for a in _ATTRIBUTE.finditer(body)]
    over_long = [value is not None and _over_long(value) for _, value, _ in attributes]
    if len(attributes) <= MAX_ATTRIBUTES and not any(over_long):
        return None
    kept: list[str] = []
    names: set[str] = set()
    for (name, _, text), too_long in zip(attributes, over_long, strict=True):
        key = name.lower()
        if key in names:
            continue  # libxml2 keeps the first of a name, as here
        if len(names) >= MAX_ATTRIBUTES:
            break
        names.add(key)
        kept.append(f'{name}=""' if too_long else text)
    self_closing = "/" if body.rstrip().endswith("/") else ""
    return "".join([tag[:name_end], *(f" {a}" for a in kept), self_closing, closing])


def _over_long(value: str) -> bool:
    # A value whose quote is never closed is left alone: libxml2 drops the rest of the page with it anyway.
    closed = len(value) > 1 and value[0] in "\"'" and value[-1] == value[0]
    return closed and len(value) > MAX_ATTRIBUTE_VALUE + 2
