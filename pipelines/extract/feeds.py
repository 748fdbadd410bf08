"""The body's end: where another article, appended below this one (infinite scroll), begins."""

from __future__ import annotations

from typing import Any

from .flags import SHORT_BODY_CHARS, text_chars
from .locate import line_sources
from .pagemeta import PageMeta

__all__ = ["drop_appended_feed"]

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


def _other_headline(el: Any, page: PageMeta) -> bool:
    """Does ``el`` sit in an <h1> other than the page's headline (another story's)?"""
    h1 = el if el.tag == "h1" else next(el.iterancestors("h1"), None)
    return h1 is not None and h1 is not page.h1_element


def drop_appended_feed(tree: Any, lines: list[str], page: PageMeta) -> list[str]:
    """Cut the body where another article begins after it.

    Why: infinite-scroll pages append the next stories below the article; their text follows a
    second <h1>, or sits in a list of same-class items that each link elsewhere, outside the
    block holding the article's first paragraph.
    """
    if len(lines) < 2:
        return lines
    sources = line_sources(tree, lines)
    found = next((i for i, s in enumerate(sources) if s is not None), None)
    if found is None:
        return lines
    first = sources[found]
    # A line joined from several elements ("<span>【</span>#话题#<span>】</span> 据…") is not found by its
    # start. When the article's lines are such, the first line found can be the next story's headline: with
    # a body above it (more than the flags call short), that second headline ends the article.
    if found > 0 and _other_headline(first, page) and text_chars("".join(lines[:found])) >= SHORT_BODY_CHARS:
        return lines[:found]
    # The article's own block: the first paragraph's parent for a later <h1> (Chinese CMSs use
    # <h1> for headlines only), two levels up for feed lists (the article's own lists and
    # sections sit within that).
    parent = first.getparent() if first.getparent() is not None else first
    block = parent.getparent() if parent.getparent() is not None else parent
    near, wide = set(parent.iter()), set(block.iter())
    above = set(first.iterancestors())
    for index in range(1, len(lines)):
        el = sources[index]
        if el is None:
            continue
        if el not in near and _other_headline(el, page):
            return lines[:index]
        if el in wide:
            continue
        feed = _feed_list(el)
        if feed is not None and feed not in wide and feed not in above:
            return lines[:index]
    return lines
