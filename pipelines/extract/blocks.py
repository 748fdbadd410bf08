"""Page blocks and their features: the input of the learned block model (:mod:`.block_model`).

A block is the text a reader sees between two block-level boundaries (a <p>, a <div>, a list item, a table
cell, a heading, a <br>), as boilerpipe and dragnet cut a page. Each block gets a feature vector that says
nothing about one site in particular: its length, link density, punctuation, the tag that holds it, whether
the class/id names of its ancestors read like content or like chrome, its depth, its place in the page
relative to the <h1> and to the main text block, and the same few figures for its neighbours.
"""

from __future__ import annotations

import contextlib
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import accumulate
from typing import Any

from pipelines.text.cjk import HAN_CHAR

__all__ = ["FEATURES", "Block", "features", "page_blocks"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_BLOCK_TAGS = _words(
    "p div section article main li td th h1 h2 h3 h4 h5 h6 pre blockquote dd dt table ul ol dl tr form "
    "header footer nav aside figure figcaption center body address"
)
_SKIP = frozenset(("script", "style", "noscript", "template", "iframe", "select", "option", "button", "svg"))
_CHROME_TAGS = frozenset(("nav", "footer", "aside", "header", "form"))
_HEADINGS = frozenset(("h1", "h2", "h3", "h4", "h5", "h6"))
_TOKEN_SPLIT = re.compile(r"[^a-z]+")
_GOOD = _words(
    "content article text body main post entry story detail news artibody cont zw zhengwen txt para con "
    "endtext mainbody postbody"
)
_BAD = _words(
    "nav menu footer foot header head sidebar side comment comments share related recommend rec ad ads "
    "advert banner copyright login logo breadcrumb crumb tags tag hot rank list links link widget toolbar "
    "popup modal subscribe newsletter social pagination pager bottom top right"
)
_CJK_PUNCT = re.compile(r"[，。！？；：、“”「」（）]")
_SENTENCE_END = re.compile(r"[。！？.!?]['\"”’」)）]?\s*$")
_LATIN_PUNCT = re.compile(r"[,.;:!?]")
_DIGIT = re.compile(r"\d")
_WORD = re.compile(r"[^\W\d_]+")
_CREDIT = re.compile(r"编辑|来源|作者|记者|责任|版权|copyright|©|all rights|ICP|备案|声明", re.I)
_DATE = re.compile(r"\d{4}[-/年.]\d{1,2}[-/月.]\d{1,2}")


@dataclass
class Block:
    """One block of text in document order, with the figures its features are made from."""

    text: str
    tag: str  # the innermost block-level element holding it
    depth: int
    link_chars: int
    good: int  # ancestors whose class/id reads like content
    bad: int  # ancestors whose class/id reads like chrome
    chrome: bool  # inside nav/footer/aside/header/form
    in_list: bool  # inside a list item
    in_link: bool  # the whole block is one link
    heading: bool
    chars: int = 0  # characters without spaces
    owner: Any = field(default=None, repr=False)  # the element, for look-ups (main block, h1)
    ancestors: tuple[Any, ...] = field(default=(), repr=False)  # its block-level ancestors, outermost first


@lru_cache(maxsize=4096)
def _reads(cls: str | None, ident: str | None) -> tuple[bool, bool]:
    """Whether an element's class/id names read like content, and like chrome. Cached: a page repeats a few
    dozen class names over thousands of elements."""
    if not cls and not ident:
        return False, False
    names = set(_TOKEN_SPLIT.split(f"{cls or ''} {ident or ''}".lower()))
    return bool(names & _GOOD), bool(names & _BAD)


class _Walker:
    def __init__(self) -> None:
        self.blocks: list[Block] = []
        self.parts: list[str] = []
        self.link_chars = 0
        self.stack: list[Any] = []  # block-level elements open
        self.good = 0
        self.bad = 0
        self.chrome = 0
        self.lists = 0
        self.depth = 0

    def flush(self) -> None:
        if not self.parts:
            return
        words = "".join(self.parts).split()
        self.parts = []
        if words:
            text = " ".join(words)
            chars = len(text) - len(words) + 1
            owner = self.stack[-1] if self.stack else None
            tag = owner.tag if owner is not None else "body"
            link = min(self.link_chars, chars)
            self.blocks.append(
                Block(
                    text=text,
                    tag=tag,
                    depth=self.depth,
                    link_chars=link,
                    good=self.good,
                    bad=self.bad,
                    chrome=self.chrome > 0,
                    in_list=self.lists > 0,
                    in_link=link >= chars,
                    heading=tag in _HEADINGS,
                    chars=chars,
                    owner=owner,
                    ancestors=tuple(self.stack),
                )
            )
        self.link_chars = 0

    def walk(self, el: Any, in_link: bool) -> None:
        # Called for every element of every Chinese page: counters move only when they change, and the
        # text is added inline (a call per text node costs as much as the work).
        tag = el.tag
        if not isinstance(tag, str) or tag in _SKIP:
            return
        if tag == "br":
            self.flush()
            return
        is_block = tag in _BLOCK_TAGS
        good, bad = _reads(el.get("class"), el.get("id"))
        if is_block:
            self.flush()
            self.stack.append(el)
        if good:
            self.good += 1
        if bad:
            self.bad += 1
        chrome, item = tag in _CHROME_TAGS, tag == "li"
        if chrome:
            self.chrome += 1
        if item:
            self.lists += 1
        self.depth += 1
        link = in_link or tag == "a"
        parts = self.parts
        text = el.text
        if text:
            parts.append(text)
            if link:
                self.link_chars += len("".join(text.split()))
        for child in el:
            self.walk(child, link)
            tail = child.tail
            if tail:
                parts = self.parts  # a flush inside the child started a new list
                parts.append(tail)
                if link:
                    self.link_chars += len("".join(tail.split()))
        self.depth -= 1
        if good:
            self.good -= 1
        if bad:
            self.bad -= 1
        if chrome:
            self.chrome -= 1
        if item:
            self.lists -= 1
        if is_block:
            self.flush()
            self.stack.pop()


def page_blocks(tree: Any) -> list[Block]:
    """The blocks of the page's <body> (or of the whole tree when it has none), in document order."""
    body = tree.find("body") if tree.tag == "html" else None
    root = body if body is not None else tree
    walker = _Walker()
    with contextlib.suppress(RecursionError):  # a pathologically deep tree: the blocks found so far
        walker.walk(root, False)
    walker.flush()
    return walker.blocks


_TAGS = ("p", "div", "li", "td", "h1", "h2", "span_like")
_OWN = (
    "log_chars",
    "link_density",
    "cjk_share",
    "cjk_punct_per_char",
    "latin_punct_per_word",
    "digit_share",
    "sentence_end",
    "credit_words",
    "date_like",
    "good_names",
    "bad_names",
    "chrome",
    "in_list",
    "in_link",
    "heading",
    "depth",
    *(f"tag_{t}" for t in _TAGS),
)
_CONTEXT = (
    "position",
    "after_h1",
    "in_main",
    "main_share",
    "prev_log_chars",
    "prev_link_density",
    "next_log_chars",
    "next_link_density",
    "window_log_chars",
    "window_link_density",
    "window_cjk_punct",
    "share_of_page",
)
FEATURES: tuple[str, ...] = (*_OWN, *_CONTEXT)


def _own(block: Block) -> list[float]:
    text = block.text
    chars = max(block.chars, 1)
    cjk = len(HAN_CHAR.findall(text))
    words = len(_WORD.findall(text)) if cjk < chars / 2 else 0
    tag = block.tag if block.tag in _TAGS else ("h1" if block.heading else "span_like")
    if block.tag in ("h3", "h4", "h5", "h6", "h2"):
        tag = "h2"
    return [
        math.log1p(block.chars),
        block.link_chars / chars,
        cjk / chars,
        min(len(_CJK_PUNCT.findall(text)) / chars * 10, 3.0),
        min(len(_LATIN_PUNCT.findall(text)) / max(words, 1), 3.0) if words else 0.0,
        len(_DIGIT.findall(text)) / chars,
        1.0 if _SENTENCE_END.search(text) else 0.0,
        1.0 if block.chars < 120 and _CREDIT.search(text) else 0.0,
        1.0 if block.chars < 80 and _DATE.search(text) else 0.0,
        float(min(block.good, 3)),
        float(min(block.bad, 3)),
        float(block.chrome),
        float(block.in_list),
        float(block.in_link),
        float(block.heading),
        min(block.depth, 40) / 20,
        *(1.0 if tag == t else 0.0 for t in _TAGS),
    ]


def _main_element(blocks: list[Block]) -> Any:
    """The block-level element whose own blocks (not nested) hold the most non-link text."""
    totals: dict[Any, int] = {}
    for b in blocks:
        if b.owner is None:
            continue
        own = b.chars - b.link_chars
        # Credit the paragraph's parent as well: an article is a run of <p> under one element.
        parent = b.owner.getparent() if b.tag == "p" else b.owner
        if parent is not None and own > 0:
            totals[parent] = totals.get(parent, 0) + own
    return max(totals, key=lambda el: totals[el]) if totals else None


def features(blocks: list[Block], h1: Any = None) -> list[list[float]]:
    """One feature vector per block (the order of :data:`FEATURES`)."""
    n = len(blocks)
    if not n:
        return []
    own = [_own(b) for b in blocks]
    total = sum(b.chars for b in blocks) or 1
    main = _main_element(blocks)
    # (``in`` compares lxml elements by identity: they define no equality of their own.)
    inside = [main is not None and main in b.ancestors for b in blocks]
    main_chars = sum(b.chars for b, x in zip(blocks, inside, strict=True) if x)
    h1_index = next((i for i, b in enumerate(blocks) if h1 is not None and b.owner is h1), None)
    # Running totals: each block's window of five sums in constant time.
    chars_to = list(accumulate((b.chars for b in blocks), initial=0))
    links_to = list(accumulate((b.link_chars for b in blocks), initial=0))
    rows = []
    for i, b in enumerate(blocks):
        prev, nxt = own[i - 1] if i else None, own[i + 1] if i + 1 < n else None
        lo, hi = max(0, i - 2), min(n, i + 3)
        w_chars = (chars_to[hi] - chars_to[lo]) or 1
        in_main = inside[i]
        rows.append(
            [
                *own[i],
                i / n,
                1.0 if h1_index is None else (1.0 if i > h1_index else 0.0),
                1.0 if in_main else 0.0,
                main_chars / total if in_main else 0.0,
                prev[0] if prev else 0.0,
                prev[1] if prev else 0.0,
                nxt[0] if nxt else 0.0,
                nxt[1] if nxt else 0.0,
                math.log1p(w_chars),
                (links_to[hi] - links_to[lo]) / w_chars,
                sum(o[3] for o in own[lo:hi]) / (hi - lo),
                b.chars / total,
            ]
        )
    return rows
