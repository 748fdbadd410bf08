"""The article body as trafilatura finds it, run in the mode that suits the page (precision or balanced)."""

from __future__ import annotations

import copy
import re
from typing import Any

import trafilatura
from trafilatura.settings import Document, use_config

from .language import looks_chinese
from .pagemeta import PageMeta
from .trafilatura_metadata import trafilatura_metadata

__all__ = ["body_document", "chrome_only"]

PRECISION_FALLBACK_CHARS = 200
FRAGMENT_CHARS = 10
FRAGMENT_SHARE = 0.8
_SENTENCE_MARK = re.compile(r"[，。！？；,!?;]")

# A private copy: trafilatura's module-level config is shared by every caller in the process.
_CONFIG = copy.deepcopy(use_config())


def body_document(tree: Any, url: str | None, page: PageMeta) -> Document | None:
    """trafilatura's result for the page, in the mode that suits it; None when it finds no body text.

    Why two modes: Chinese news pages surround the article with teaser lists, feeds and footers
    that the balanced mode keeps; precision mode drops them.  When precision leaves little text
    (threads, short notices), the balanced result is taken instead.
    """
    precise = looks_chinese(page)
    doc = _trafilatura(tree, url, precise)
    if precise and len(_text_of(doc)) < PRECISION_FALLBACK_CHARS:
        balanced = _trafilatura(tree, url, False)
        kept, found = len(_text_of(doc)), len(_text_of(balanced))
        # Balanced wins when precision kept almost nothing, or when balanced is not much
        # longer (then the extra text is the short page's own); a far longer balanced
        # result is page chrome.
        if (
            found > kept
            and (kept < PRECISION_FALLBACK_CHARS / 2 or found <= 4 * kept)
            and not chrome_only(_text_of(doc), _text_of(balanced))
        ):
            doc = balanced
    if not isinstance(doc, Document) or not _text_of(doc).strip():
        return None
    # The page's metadata (trafilatura's, read once whatever the mode): the body runs skip it.
    metadata = trafilatura_metadata(tree, url)
    metadata.text, metadata.raw_text, metadata.body = doc.text, doc.raw_text, doc.body
    return metadata


def chrome_only(precise: str, balanced: str) -> bool:
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


def _trafilatura(tree: Any, url: str | None, precise: bool) -> Document | None:
    # trafilatura copies a tree it is given, so ours stays intact for the look-ups after it. Without its
    # metadata step (trafilatura_metadata runs it, once): with links and images off, the URL that step
    # finds (a canonical link) would change nothing in the body.
    doc = trafilatura.bare_extraction(tree, url=url, favor_precision=precise, config=_CONFIG)
    return doc if isinstance(doc, Document) else None


def _text_of(doc: Document | None) -> str:
    return (doc.text or "") if doc is not None else ""
