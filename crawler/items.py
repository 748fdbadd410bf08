"""What spiders yield and what the item pipelines pass along.

A spider yields a ``RawDocument`` (pipelines.documents): one input exactly as it came (the bytes are kept
verbatim). The extraction pipeline turns it into an ``ArticleItem`` carrying the normalised article record.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipelines.documents import RawDocument


@dataclass
class ArticleItem:
    record: dict[str, Any]
    page: RawDocument
    article_id: int | None = None
    outcome: str | None = None  # "new", "updated", "unchanged" once stored
