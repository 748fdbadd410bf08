"""Deciding whether a record is a copy of an article already in the archive."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlite_utils

from pipelines.archive.lookup import find_article_by_content, find_article_by_keys

# Below this many characters, equal texts are too generic ("图片新闻", a one-line notice) to call copies.
MIN_DUPLICATE_CHARS = 50


def find_duplicate(db: sqlite_utils.Database, record: Mapping[str, Any]) -> int | None:
    """The id of a stored article that ``record`` exactly copies, or None.

    A record whose keys (URLs, document path) are already known is that article coming back, which is an
    update or nothing new, never a duplicate.
    """
    if find_article_by_keys(db, record.get("keys") or []) is not None:
        return None
    if (record.get("char_count") or 0) < MIN_DUPLICATE_CHARS:
        return None
    return find_article_by_content(db, record["content_hash"])
