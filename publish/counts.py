"""Counts of a page taken from what the archive keeps counted, instead of counting the page's rows.

Datasette counts a page with ``select count(*) from TABLE where CLAUSES``, and publish/facets.py groups the
same rows for the facets: work in proportion to the matching rows, so it grows with the archive. Two kinds of
page have their count kept elsewhere, exactly:

- a page whose only filter is a search: the full-text index counts its matches (``search.index_count_sql``);
- a page of articles with no filter, or only equalities on the facet columns (``?region=青岛&section=社会``):
  the combinations that triggers keep counted (pipelines.archive.facet_counts), summed over those matching
  the same clauses: a few thousand rows at most, whatever the archive's size. Its facets are summed from the
  same rows (publish/facets.py).

The clauses are read from the SQL Datasette wrote, not from the request: whatever produced them
(``?region=``, ``?region__exact=``, a ``_where``), a conjunction of ``column = :param`` on counted columns
means the same over the combinations as over the articles, and anything else (a search, a date range,
``_next``'s position, any other filter) is counted as before. The combinations are used only while their
table and triggers are the declared ones (``facet_counts_are_current``: an archive not yet upgraded, or
another database, is counted as before).

``count_from_kept_counts`` wraps a Datasette database's ``execute`` so those count queries run in their kept
form; every other query runs as written.
"""

from __future__ import annotations

import re
import sqlite3
from typing import Any

from datasette.utils import escape_sqlite

from pipelines.archive.facet_counts import (
    COUNT_COLUMN,
    COUNTED_TABLE,
    FACET_COLUMNS,
    FACET_COUNTS_TABLE,
    facet_counts_are_current,
)
from publish.search import index_count_sql, search_config

# One of Datasette's equality filters ("region" = :p0, as the exact filter writes it) or the same written
# otherwise ([region] = :p0, region = :p0).
_EQUALITY = re.compile(r'(?:"(?P<quoted>\w+)"|\[(?P<bracketed>\w+)\]|(?P<bare>\w+)) = :\w+')


def kept_where(tail: str) -> str | None:
    """``tail``: what follows ``from articles `` in a query of the articles ('' or ``where CLAUSES ``). The
    same ``where`` for the combinations table ('' for none) when every clause is an equality on a counted
    column, else None."""
    tail = tail.strip()
    if not tail:
        return ""
    if not tail.startswith("where "):
        return None
    clauses = tail[len("where ") :]
    for clause in clauses.split(" and "):
        found = _EQUALITY.fullmatch(clause)
        if found is None or (found["quoted"] or found["bracketed"] or found["bare"]) not in FACET_COLUMNS:
            return None
    return f"where {clauses}"


_COUNT_PREFIX = f"select count(*) from {escape_sqlite(COUNTED_TABLE)} "


def kept_count_sql(sql: str) -> str | None:
    """Datasette's count of a page of articles filtered only by equalities on counted columns (or not at all)
    as a sum over the kept combinations, or None for any other query."""
    if not sql.startswith(_COUNT_PREFIX):
        return None
    where = kept_where(sql[len(_COUNT_PREFIX) :])
    if where is None:
        return None
    return f"select coalesce(sum([{COUNT_COLUMN}]), 0) from [{FACET_COUNTS_TABLE}] {where}".rstrip()


def kept_combinations_sql(columns: list[str], where: str, limit: int) -> str:
    """The kept combinations of ``columns`` matching ``where`` (``kept_where``'s), each with its count: the
    rows publish.facets.facet_counts sums."""
    selected = ", ".join(escape_sqlite(column) for column in columns)
    return f"select {selected}, [{COUNT_COLUMN}] from [{FACET_COUNTS_TABLE}] {where} limit {limit}"


async def kept_counts_current(database: Any) -> bool:
    """Whether ``database`` (a Datasette Database) keeps the combinations counted, as declared."""
    try:
        return bool(await database.execute_fn(facet_counts_are_current))
    except sqlite3.Error:
        return False


def count_from_kept_counts(database: Any, datasette: Any) -> None:
    """Have ``database`` (a Datasette Database) run the counts it keeps in their kept form: a search-only
    page's from the full-text index, a page filtered only by equalities on the facet columns from the
    combinations."""
    execute = database.execute

    def config_of(table: str) -> dict[str, str] | None:
        return search_config(datasette.table_metadata(database.name, table) or {})

    async def counting_execute(sql: str, *args: Any, **kwargs: Any) -> Any:
        kept = index_count_sql(sql, config_of)
        if kept is None:
            kept = kept_count_sql(sql)
            if kept is not None and not await kept_counts_current(database):
                kept = None
        return await execute(kept or sql, *args, **kwargs)

    database.execute = counting_execute
