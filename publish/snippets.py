"""Readable search snippets: a window of the ORIGINAL text around the first match, with matches marked.

The FTS index holds rewritten text (CJK bigrams), so FTS5's own ``snippet()`` would show bigram soup;
this finds the query's words in the stored text instead. Output is HTML in which everything from the
page is escaped and the only markup is ``<mark>``; ``is_marked_html`` recognises exactly that shape, so a
render hook can trust it.
"""

from __future__ import annotations

import itertools
import re

from markupsafe import escape

from pipelines.archive.search_text import query_phrases
from pipelines.text.cjk import is_cjk

DEFAULT_WIDTH = 160  # characters of text in a snippet
_ESCAPED_OR_MARK = re.compile(r"(?:[^<>\"'&]|&(?:amp|lt|gt|#39|#34);|<mark>|</mark>)*")
_WHITESPACE = re.compile(r"\s+")


def _phrase_pattern(words: list[str]) -> str:
    parts = [re.escape(words[0])]
    for previous, word in itertools.pairwise(words):
        # CJK words of a phrase may be written together; other words are separated by anything unicode61
        # treats as a separator (space, punctuation).
        parts.append(r"\s*" if is_cjk(previous) and is_cjk(word) else r"[\W_]*")
        parts.append(re.escape(word))
    return "".join(parts)


def match_pattern(query: str | None) -> re.Pattern[str] | None:
    """A regex finding any of the query's words or phrases (longest first), or None for an empty query."""
    phrases = sorted(query_phrases(query), key=lambda words: -sum(map(len, words)))
    if not phrases:
        return None
    return re.compile("|".join(_phrase_pattern(words) for words in phrases), re.IGNORECASE)


def mark_html(text: str, pattern: re.Pattern[str] | None) -> str:
    """``text`` escaped, with every match of ``pattern`` wrapped in ``<mark>``."""
    if pattern is None:
        return str(escape(text))
    out: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        if match.end() == match.start():
            continue
        out.append(str(escape(text[position : match.start()])))
        out.append("<mark>" + str(escape(match.group(0))) + "</mark>")
        position = match.end()
    out.append(str(escape(text[position:])))
    return "".join(out)


def search_snippet(text: str | None, query: str | None, width: int = DEFAULT_WIDTH) -> str:
    """Escaped HTML: about ``width`` characters of ``text`` around the first match, matches in ``<mark>``."""
    flat = _WHITESPACE.sub(" ", text or "").strip()
    pattern = match_pattern(query)
    first = pattern.search(flat) if pattern else None
    start = 0
    if first:
        # Put the match about a third into the window, so the reader sees what leads up to it.
        start = max(0, min(first.start() - width // 3, len(flat) - width))
    end = min(len(flat), start + width)
    window = flat[start:end]
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(flat) else ""
    return prefix + mark_html(window, pattern) + suffix


def is_marked_html(value: object) -> bool:
    """True for a string made only of escaped text and ``<mark>``/``</mark>``: safe to insert as HTML."""
    return isinstance(value, str) and _ESCAPED_OR_MARK.fullmatch(value) is not None
