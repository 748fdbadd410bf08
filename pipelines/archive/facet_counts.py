"""Counts kept on write: how many articles have each combination of the facet columns, in a small table that
triggers on ``articles`` keep exact, so a page filtered by those columns (or not filtered) is counted and
faceted by reading a few thousand rows instead of every matching article (publish/counts.py).

One row per combination of ``FACET_COLUMNS`` that at least one article has (nulls included, as ``group by``
has them), with ``n`` articles. The triggers are plain SQL (no custom functions), so every writer keeps the
table right: pipelines.archive.store, reextract, merge, a sqlite3 shell. What they cannot see: a row removed
by ``INSERT OR REPLACE`` conflict resolution (SQLite fires no delete trigger for it unless ``PRAGMA
recursive_triggers`` is on; nothing here writes articles that way) and writes made while a trigger was
dropped. So ``ensure_facet_counts`` (run by ``schema.ensure_db_shape``, i.e. at each process's first opening)
rebuilds the table when it, its index or a trigger is not the declared one, or when its total is not the
number of articles; readers use it only while the table and triggers are the declared ones
(``facet_counts_are_current``).
"""

from __future__ import annotations

import sqlite3
from typing import Any

import sqlite_utils
from sqlite_utils.db import COLUMN_TYPE_MAPPING

from pipelines.archive.schema import ARTICLES

# The columns counted: those the articles page facets on (tables.yml `facets`, checked by the tests). The one
# place they are listed; the table, its triggers, the backfill and the readers are all written from it.
FACET_COLUMNS: tuple[str, ...] = ("source", "region", "section", "language")
COUNTED_TABLE = ARTICLES.name
FACET_COUNTS_TABLE = f"{COUNTED_TABLE}_facet_counts"
COUNT_COLUMN = "n"

_T = f"[{FACET_COUNTS_TABLE}]"
_COLUMNS = ", ".join(f"[{column}]" for column in FACET_COLUMNS)

# Each column with the type it has in articles, so a value compares the same way in both tables (affinity).
TABLE_SQL = (
    f"CREATE TABLE {_T} ("
    + ", ".join(f"[{column}] {COLUMN_TYPE_MAPPING[ARTICLES.columns[column]]}" for column in FACET_COLUMNS)
    + f", [{COUNT_COLUMN}] INTEGER NOT NULL)"
)
# Nulls are distinct to a unique index, so the triggers find a combination with IS (which the index serves),
# and never rely on a conflict.
INDEX_NAME = f"{FACET_COUNTS_TABLE}_combination"
INDEX_SQL = f"CREATE UNIQUE INDEX [{INDEX_NAME}] ON {_T} ({_COLUMNS})"


def _same_combination(row: str) -> str:
    return " AND ".join(f"[{column}] IS {row}.[{column}]" for column in FACET_COLUMNS)


def _add(row: str) -> str:
    """Statements counting one more article of ``row``'s combination (``new`` or ``old``)."""
    values = ", ".join(f"{row}.[{column}]" for column in FACET_COLUMNS)
    return (
        f"INSERT INTO {_T} ({_COLUMNS}, [{COUNT_COLUMN}]) SELECT {values}, 0 "
        f"WHERE NOT EXISTS (SELECT 1 FROM {_T} WHERE {_same_combination(row)}); "
        f"UPDATE {_T} SET [{COUNT_COLUMN}] = [{COUNT_COLUMN}] + 1 WHERE {_same_combination(row)};"
    )


def _remove(row: str) -> str:
    """Statements counting one article fewer; a combination no article has any more leaves the table (a
    facet never shows a value with no articles)."""
    return (
        f"DELETE FROM {_T} WHERE [{COUNT_COLUMN}] <= 1 AND {_same_combination(row)}; "
        f"UPDATE {_T} SET [{COUNT_COLUMN}] = [{COUNT_COLUMN}] - 1 WHERE {_same_combination(row)};"
    )


_changed = " OR ".join(f"old.[{column}] IS NOT new.[{column}]" for column in FACET_COLUMNS)
TRIGGERS = {
    f"{FACET_COUNTS_TABLE}_insert": (
        f"CREATE TRIGGER [{FACET_COUNTS_TABLE}_insert] AFTER INSERT ON [{COUNTED_TABLE}] "
        f"BEGIN {_add('new')} END"
    ),
    f"{FACET_COUNTS_TABLE}_delete": (
        f"CREATE TRIGGER [{FACET_COUNTS_TABLE}_delete] AFTER DELETE ON [{COUNTED_TABLE}] "
        f"BEGIN {_remove('old')} END"
    ),
    # UPDATE OF: sqlite-utils' update sets every column it is given, changed or not; WHEN: only a real change.
    f"{FACET_COUNTS_TABLE}_update": (
        f"CREATE TRIGGER [{FACET_COUNTS_TABLE}_update] AFTER UPDATE OF {_COLUMNS} ON [{COUNTED_TABLE}] "
        f"WHEN {_changed} BEGIN {_remove('old')} {_add('new')} END"
    ),
}
DECLARED = {FACET_COUNTS_TABLE: TABLE_SQL, INDEX_NAME: INDEX_SQL, **TRIGGERS}

# The counts as they are: what the table must hold. Reads the (source, region, section, language, published)
# index of articles when it is there (already grouped), not the wide rows.
FRESH_COUNTS_SQL = (
    f"SELECT {_COLUMNS}, count(*) AS [{COUNT_COLUMN}] FROM [{COUNTED_TABLE}] GROUP BY {_COLUMNS}"
)


def facet_counts_are_current(conn: sqlite3.Connection | sqlite_utils.Database) -> bool:
    """Whether the table, its index and its triggers are the declared ones (one read of sqlite_master): then
    every write since the table was filled was counted. sqlite_master keeps each statement as it was run
    (they are run as declared, with no IF NOT EXISTS to drop), so they are compared as they are."""
    marks = ", ".join("?" for _ in DECLARED)
    sql = f"select name, sql from sqlite_master where name in ({marks})"
    stored = dict(conn.execute(sql, list(DECLARED)).fetchall())
    return stored == DECLARED


def _totals_agree(db: sqlite_utils.Database) -> bool:
    """The kept total is the number of articles (count(*) reads the smallest index of articles)."""
    kept = db.execute(f"select coalesce(sum([{COUNT_COLUMN}]), 0) from {_T}").fetchone()[0]
    return bool(kept == db.execute(f"select count(*) from [{COUNTED_TABLE}]").fetchone()[0])


def facet_counts_need_rebuild(db: sqlite_utils.Database) -> bool:
    """Whether the opening rebuilds the counts: not the declared ones, or a wrong total (two reads)."""
    return not (facet_counts_are_current(db) and _totals_agree(db))


def rebuild_facet_counts(db: sqlite_utils.Database) -> None:
    """Drop and recreate the table and its triggers, filled from articles. No transaction of its own: the
    caller's, so that no write happens between the count and the triggers."""
    for name in TRIGGERS:
        db.execute(f"DROP TRIGGER IF EXISTS [{name}]")
    db.execute(f"DROP TABLE IF EXISTS {_T}")
    db.execute(TABLE_SQL)
    db.execute(INDEX_SQL)
    db.execute(f"INSERT INTO {_T} ({_COLUMNS}, [{COUNT_COLUMN}]) {FRESH_COUNTS_SQL}")
    for sql in TRIGGERS.values():
        db.execute(sql)


def ensure_facet_counts(db: sqlite_utils.Database) -> None:
    """Create and fill the counts (an archive made before them is upgraded), or rebuild them when they are
    not the declared ones or their total is wrong (see the module docstring); else only two reads. Safe to
    re-run; the rebuild is one write transaction, checked again under the write lock."""
    # store writes under the archive's write lock; imported here, as schema does: store imports schema.
    from pipelines.archive.store import write_transaction

    if not facet_counts_need_rebuild(db):
        return
    with write_transaction(db):
        if facet_counts_need_rebuild(db):
            rebuild_facet_counts(db)


def count_differences(db: sqlite_utils.Database | sqlite3.Connection) -> list[tuple[Any, ...]]:
    """Combinations whose kept count is not the count of a fresh ``group by`` over articles, each as (values
    ..., kept, actual); empty when the table is exact. Reads every article's combination: for tests and
    checks, not for pages."""
    kept, fresh = (", ".join(f"{alias}.[{c}]" for c in FACET_COLUMNS) for alias in "kf")
    joined = " AND ".join(f"k.[{c}] IS f.[{c}]" for c in FACET_COLUMNS)
    # Kept combinations with another count (or none), then combinations not kept.
    sql = (
        f"select {kept}, k.[{COUNT_COLUMN}], f.[{COUNT_COLUMN}] from {_T} k "
        f"left join ({FRESH_COUNTS_SQL}) f on {joined} where k.[{COUNT_COLUMN}] is not f.[{COUNT_COLUMN}] "
        f"union all select {fresh}, null, f.[{COUNT_COLUMN}] from ({FRESH_COUNTS_SQL}) f "
        f"where not exists (select 1 from {_T} k where {joined})"
    )
    return [tuple(row) for row in db.execute(sql).fetchall()]
