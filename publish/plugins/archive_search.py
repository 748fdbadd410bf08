"""Chinese-aware search in Datasette: ``escape_fts`` becomes ``pipelines.archive.search_text.match_query``,
and the table search of ``articles`` is ``publish.search`` (same results, a query plan that suits frequent
words).

Datasette's table search runs ``... match escape_fts(:search)``; its own ``escape_fts`` quotes whole words,
which finds nothing inside the bigram-rewritten index. ``trylast`` makes this hook run after Datasette's
default ``prepare_connection``, so this registration is the one that stays.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from datasette import hookimpl
from markupsafe import Markup

from pipelines.archive.search_text import match_query
from publish.counts import count_from_kept_counts
from publish.search import search_filters
from publish.snippets import is_marked_html, search_snippet

# Searches for frequent words make Datasette look up every matching row several times (rows, count, each
# facet); reading pages through a memory map instead of read() calls makes that about a third faster. Safe in
# WAL mode: SQLite only shrinks the file at a checkpoint no reader's snapshot still needs.
MMAP_BYTES = 1 << 30


@hookimpl(trylast=True)
def prepare_connection(conn: sqlite3.Connection, database: str, datasette: Any) -> None:
    conn.create_function("escape_fts", 1, match_query, deterministic=True)
    conn.create_function("search_snippet", 2, search_snippet, deterministic=True)
    conn.execute(f"PRAGMA mmap_size = {MMAP_BYTES}").fetchall()


@hookimpl
def startup(datasette: Any) -> None:
    # Counts taken from what the archive keeps counted (publish/counts.py): search-only pages from the
    # full-text index, pages filtered only by facet columns from the facet counts.
    for database in datasette.databases.values():
        count_from_kept_counts(database, datasette)


@hookimpl(trylast=True)
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> Any:
    # The search of tables configured with `archive_search` (tables.yml); trylast: its `supports_search` is
    # applied after that of Datasette's own search filter, which does not know these tables.
    async def inner() -> Any:
        return await search_filters(request, database, table, datasette)

    return inner


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    # A snippet column is trusted only when it is exactly escaped text plus <mark> tags (what search_snippet
    # returns); anything else, such as a hand-written `select '<script>' as snippet`, is escaped as usual.
    if (column == "snippet" or column.endswith("_snippet")) and is_marked_html(value):
        return Markup(value)
    # Query results listing articles (id + title): the title links to the article's page.
    if (
        table is None
        and column == "title"
        and isinstance(value, str)
        and _has_columns(row, "id", "published")
    ):
        url = datasette.urls.row(database, "articles", str(row["id"]))
        return Markup('<a href="{}">{}</a>').format(url, value)
    return None


def _has_columns(row: Any, *names: str) -> bool:
    keys = row.keys() if hasattr(row, "keys") else ()
    return all(name in keys for name in names)
