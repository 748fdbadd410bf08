"""What spiders yield and what the item pipelines pass along, and what Scrapy's feed exports write.

A spider yields a ``RawDocument`` (pipelines.documents): one input exactly as it came (the bytes are kept
verbatim). The extraction pipeline turns it into an ``ArticleItem`` carrying the normalised article record.

Feed exports (``scrapy crawl seeds -a path=seeds/ -O out.jsonl``, ``-O out.csv``) see an ``ArticleItem`` as
its article: ``id`` and ``outcome`` once stored, then the record's columns (those of ``articles``), with no
raw bytes (those are in the WARC files) — ``ArticleItemAdapter``, registered with itemadapter below.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from itemadapter import ItemAdapter
from itemadapter.adapter import AdapterInterface
from scrapy.exporters import CsvItemExporter

from pipelines.documents import RawDocument


@dataclass
class ArticleItem:
    record: dict[str, Any]
    page: RawDocument
    article_id: int | None = None
    outcome: str | None = None  # "new", "updated", "unchanged" once stored

    def export_fields(self) -> dict[str, Any]:
        """The item as feed exports write it: the article's id and outcome, then its record."""
        fields: dict[str, Any] = {"id": self.article_id, "outcome": self.outcome}
        for name, value in self.record.items():
            if isinstance(value, bytes | bytearray):
                continue  # raw bytes are not the article; the WARC record keeps them
            fields.setdefault(name, value)
        return fields


def csv_value(value: Any) -> Any:
    """A list or a mapping as JSON text (CSV cells are text; Python's repr is no format)."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | tuple | dict) else value


class CsvExporter(CsvItemExporter):
    """Scrapy's CSV exporter, lists (authors, tags) and mappings written as JSON (settings.FEED_EXPORTERS)."""

    def serialize_field(self, field: Any, name: str, value: Any) -> Any:
        return super().serialize_field(field, name, csv_value(value))


class ArticleItemAdapter(AdapterInterface):
    """itemadapter's view of an ``ArticleItem``: the exported fields, read-only. Scrapy's exporters (JSON,
    JSON lines, CSV, XML...) read items through itemadapter."""

    def __init__(self, item: Any) -> None:
        super().__init__(item)
        self._fields = item.export_fields()

    @classmethod
    def is_item_class(cls, item_class: type) -> bool:
        return issubclass(item_class, ArticleItem)

    def __getitem__(self, name: str) -> Any:
        return self._fields[name]

    def __setitem__(self, name: str, value: Any) -> None:
        raise TypeError("an ArticleItem's exported view is read-only")

    def __delitem__(self, name: str) -> None:
        raise TypeError("an ArticleItem's exported view is read-only")

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)


if ArticleItemAdapter not in ItemAdapter.ADAPTER_CLASSES:
    ItemAdapter.ADAPTER_CLASSES.appendleft(ArticleItemAdapter)  # type: ignore[attr-defined]
