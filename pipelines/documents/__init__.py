"""Documents: one input exactly as it came (:class:`RawDocument`, a crawled response or a local file) and the
article record made of it (:func:`record_from_document`, the extraction step every path takes).

Both live in :mod:`.raw` and load on first use: importing a light sibling (``records``, ``urls``) from the
scheduler or the store does not import the extractor (trafilatura, htmldate and lxml, ~0.2 s).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pipelines.documents.raw import RawDocument, record_from_document

__all__ = ["RawDocument", "record_from_document"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from pipelines.documents import raw

        return getattr(raw, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
