"""Tags: the page's keywords as separate tags, however the page joins them."""

from __future__ import annotations

import re
from collections.abc import Iterable

from pipelines.text.cjk import CJK_CHAR

from .lists import unique

__all__ = ["split_keywords"]

# Keywords meta tags join their items with commas (either width), 、, semicolons or bars.
_LIST_SEPARATOR = re.compile(r"\s*[,，、;；|｜]\s*")


def split_keywords(values: Iterable[object]) -> list[str]:
    """Each keyword once, in order: "市北区,学校,学位,秋季开学" is four tags, and so is the space-separated
    "市北区 学校 学位 秋季开学" of a Chinese page; "New York" (words without CJK) stays one tag.

    Values that are not text (a page's metadata may hold lists or numbers) are read as text or skipped."""
    tags: list[str] = []
    for value in values:
        items = value if isinstance(value, list | tuple) else [value]
        for item in items:
            if not isinstance(item, str | int | float) or isinstance(item, bool):
                continue
            for piece in _LIST_SEPARATOR.split(str(item).strip()):
                words = piece.split()
                # Space-separated Chinese keywords are a list; Latin words with spaces are one keyword.
                if len(words) > 1 and all(CJK_CHAR.search(word) for word in words):
                    tags.extend(words)
                elif piece:
                    tags.append(" ".join(words))
    return unique([t for t in tags if t])
