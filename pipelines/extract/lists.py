"""The list-valued fields' one shared rule: each value once, in the order found, empty values dropped."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["unique"]


def unique(items: Iterable[str]) -> list[str]:
    """``items`` without repeats and without empty strings, first occurrence first.

    Used by every list field the extractor fills: authors (people), images (images), tags and categories.
    """
    return list(dict.fromkeys(i for i in items if i))
