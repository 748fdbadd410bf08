"""``captures.document`` without the values its own row already holds, and back.

A crawl describes each page it stores (the ``RawDocument`` less its body: ``crawler/item_pipelines/store.py``)
with values the page's ``captures`` row holds too: the fetched URL as ``name`` (and often as ``url``), the
response headers (the very dict written to ``captures.headers``), the status, the source, the path. Stored
twice, that is ~0.3 KB an article. So the document keeps only what differs, and names the keys it left to the
row's columns (``FROM_CAPTURE``); ``expand`` puts them back exactly. A key is left out only when its value
serialises exactly as the column does (JSON text equal, so key order, types and nulls come back as they were).
A document written before this (no ``FROM_CAPTURE`` key) is read as it is.

``compact`` is applied by ``pipelines.archive.store`` to every document it writes, and to the documents
already stored by ``compact_stored`` (``schema.ensure_db_shape``). ``expand`` is how a reader
(``pipelines.warc.reextract``) gets the document.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import sqlite_utils

# The key of a compact document listing the keys taken from the row; written first, so a compact document
# starts with COMPACT_PREFIX (what the index of documents still to compact tells apart).
FROM_CAPTURE = "from_capture"
COMPACT_PREFIX = '{"' + FROM_CAPTURE + '":'
# Document key -> the captures column that may hold the same value. headers is JSON text in its column.
COLUMNS = {
    "name": "url",
    "url": "url",
    "fetched_at": "fetched_at",
    "headers": "headers",
    "status": "status",
    "path": "path",
    "source": "source",
}
# The captures columns those keys are held in, each once, in a fixed order (for selecting them).
ROW_COLUMNS = tuple(dict.fromkeys(COLUMNS.values()))
_JSON_COLUMNS = frozenset({"headers"})
_INTEGER_COLUMNS = frozenset({"status"})  # the others are TEXT

# Documents not compacted yet (written by an earlier version, or by a process running one): normally none, so
# this partial index is a page or two, and finding them at an opening is one indexed read.
# Only JSON objects are compacted (anything else is kept as it is, so it is never pending).
PENDING_INDEX = "idx_captures_document_to_compact"
PENDING_WHERE = (
    f"document is not null and substr(document, 1, 1) = '{{' "
    f"and substr(document, 1, {len(COMPACT_PREFIX)}) != '{COMPACT_PREFIX}'"
)
# The index of an earlier version, whose condition also held documents that are no JSON object: dropped.
OLD_PENDING_INDEXES = ("idx_captures_document_pending",)
PENDING_INDEX_SQL = f"CREATE INDEX IF NOT EXISTS [{PENDING_INDEX}] ON [captures] (id) WHERE {PENDING_WHERE}"


def _column_json(column: str, value: Any) -> str | None:
    """The column's value as the JSON text a document value equal to it serialises to; None for a value the
    column would not store as it is (SQLite's type affinity turns 200.0 or True into 200 or 1 in an INTEGER
    column, 5 into '5' in a TEXT one): such a value stays in the document."""
    if column in _JSON_COLUMNS:
        return value if isinstance(value, str) else None
    if value is not None and type(value) is not (int if column in _INTEGER_COLUMNS else str):
        return None
    return json.dumps(value, ensure_ascii=False)


def compact(document: str | None, row: Mapping[str, Any]) -> str | None:
    """``document`` (JSON text) without the keys whose values ``row`` (the captures row's columns) holds,
    naming them under FROM_CAPTURE. Anything but a JSON object is returned as it is; a compact one is written
    with FROM_CAPTURE first (which is how a compact document is found: :data:`PENDING_WHERE`)."""
    if document is None:
        return None
    try:
        described = json.loads(document)
    except ValueError:
        return document
    if not isinstance(described, dict):
        return document
    if FROM_CAPTURE in described:  # compact already, with other spacing or key order: written as ours
        taken, kept = described.pop(FROM_CAPTURE), described
    else:
        taken = [
            key
            for key, column in COLUMNS.items()
            if key in described
            and column in row
            and json.dumps(described[key], ensure_ascii=False) == _column_json(column, row[column])
        ]
        kept = {key: value for key, value in described.items() if key not in taken}
    return json.dumps({FROM_CAPTURE: taken, **kept}, ensure_ascii=False, separators=(",", ":"))


def expand(row: Mapping[str, Any]) -> dict[str, Any]:
    """The document of a captures ``row`` as it was described ({} when it has none)."""
    document = row.get("document")
    described = json.loads(document) if document else {}
    if not isinstance(described, dict) or FROM_CAPTURE not in described:
        return described
    taken = described.pop(FROM_CAPTURE)
    for key in taken:
        value = row[COLUMNS[key]]
        described[key] = json.loads(value) if COLUMNS[key] in _JSON_COLUMNS else value
    return described


def compact_stored(db: sqlite_utils.Database, batch: int = 5000) -> int:
    """Compact every stored document that is not yet (the partial index finds them). No commit here: the
    caller holds the transaction. Returns the documents rewritten."""
    columns = ", ".join(ROW_COLUMNS)
    names = ["id", *ROW_COLUMNS, "document"]
    done, last = 0, -1
    while True:
        rows = db.execute(
            f"select id, {columns}, document from captures indexed by [{PENDING_INDEX}] "
            f"where {PENDING_WHERE} and id > ? order by id limit ?",
            [last, batch],
        ).fetchall()
        if not rows:
            return done
        updates = []
        for values in rows:
            row = dict(zip(names, values, strict=True))
            updates.append((compact(row["document"], row), row["id"]))
        db.conn.executemany("update captures set document = ? where id = ?", updates)
        done += len(updates)
        last = rows[-1][0]


def needs_compacting(db: sqlite_utils.Database) -> bool:
    """Whether a stored document is not compact yet (one read of the partial index)."""
    sql = f"select 1 from captures indexed by [{PENDING_INDEX}] where {PENDING_WHERE} limit 1"
    return db.execute(sql).fetchone() is not None
