"""The page's main text block: the element whose paragraphs hold the most text that is not link text.

It is a yardstick independent of trafilatura's choice: an extracted body far shorter than this block (a
menu or a teaser taken for the article) is replaced by the block's paragraphs, lead paragraphs that the
body lacks are taken back from it, and :mod:`.flags` compares the stored body with it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .flags import looks_like_login, looks_like_navigation, text_chars

__all__ = ["MainBlock", "main_block", "recover_lead", "replace_fragment_body"]

_SKIP_ANCESTORS = ("nav", "footer", "aside", "header", "form", "noscript", "button")
_INVISIBLE = {"script", "style", "noscript", "template"}
# The block replaces a body that holds less than this share of its text, when the block is long enough
# to be an article.
FRAGMENT_SHARE = 0.25
MIN_BLOCK_CHARS = 300
FRAGMENT_CHARS = 50
PART_SHARE = 0.8  # a body this much made of the block's own text is a part of it
_SENTENCE = re.compile(r"[，。！？；,.!?;]")
_LEAD_MIN_CHARS = 15
_LINE_TAGS = ("p", "h1", "h2", "h3", "h4", "h5", "h6")


@dataclass
class MainBlock:
    chars: int  # characters (no whitespace) in its paragraphs, link text excluded
    lines: list[str] = field(default_factory=list)  # its paragraphs and headings, spaces collapsed


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def visible_text(el: Any) -> str:
    """The text a reader sees in ``el``: without scripts, styles and comments (text_content() keeps them)."""
    parts: list[str] = []
    for node in el.iter():
        if isinstance(node.tag, str) and node.tag not in _INVISIBLE and node.text:
            parts.append(node.text)
        if node is not el and node.tail:
            parts.append(node.tail)
    return "".join(parts)


def main_block(tree: Any) -> MainBlock | None:
    """The parent of <p> elements whose paragraphs carry the most non-link text, or None (no paragraphs)."""
    totals: dict[Any, int] = {}
    chrome = {p for el in tree.iter(*_SKIP_ANCESTORS) for p in el.iter("p")}
    for p in tree.iter("p"):
        parent = p.getparent()
        if parent is None or p in chrome:
            continue
        own = text_chars(visible_text(p)) - sum(text_chars(visible_text(a)) for a in p.iter("a"))
        if own > 0:
            totals[parent] = totals.get(parent, 0) + own
    if not totals:
        return None
    best = max(totals, key=lambda el: totals[el])
    # Headings inside the block are the article's too: a body replaced by the block keeps them (without
    # them two pages with the same paragraphs under different headings read the same, bench/crawl.py).
    lines = [" ".join(visible_text(child).split()) for child in best if child.tag in _LINE_TAGS]
    return MainBlock(totals[best], [line for line in lines if line])


def replace_fragment_body(lines: list[str], block: MainBlock | None) -> list[str] | None:
    """The block's paragraphs when the extracted body is a fragment beside a main block four times its
    length: a menu, a login box, a line or two, or a part of the block itself (trafilatura kept one
    paragraph of the article); None to keep the body. A short text that is not part of the block is
    kept: a brief notice beside a long "about us" block is still the article."""
    if block is None or block.chars < MIN_BLOCK_CHARS:
        return None
    chars = text_chars("".join(lines))
    if chars >= FRAGMENT_SHARE * block.chars:
        return None
    if chars < FRAGMENT_CHARS or looks_like_navigation(lines) or looks_like_login(lines):
        return list(block.lines)
    inside = _norm("".join(block.lines))
    within = sum(len(key) for key in map(_norm, lines) if key and key in inside)
    return list(block.lines) if within >= PART_SHARE * chars else None


def recover_lead(lines: list[str], block: MainBlock | None) -> list[str]:
    """``lines`` with the block's lead paragraphs put back when the body starts further down the block.

    Why: trafilatura sometimes starts the body at a quotation or a poem and drops the paragraphs above it;
    only whole prose paragraphs (with sentence punctuation) directly above the body's first line return.
    """
    if block is None or not lines:
        return lines
    first = next((line for line in lines if len(line) >= 10), None)
    if first is None:
        return lines
    keys = [_norm(line) for line in block.lines]
    try:
        start = keys.index(_norm(first))
    except ValueError:
        return lines
    have = {_norm(line) for line in lines}
    lead: list[str] = []
    for line, key in zip(reversed(block.lines[:start]), reversed(keys[:start]), strict=True):
        if key in have or len(key) < _LEAD_MIN_CHARS or not _SENTENCE.search(line):
            break
        lead.insert(0, line)
    return [*lead, *lines] if lead else lines
