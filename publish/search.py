"""Table search (``?_search=``, ``?_search_COLUMN=``, the search box) of the tables that tables.yml gives an
``archive_search`` (``fts_table``, ``fts_pk``), in place of Datasette's own ``fts_table`` search.

Datasette would write a search as ``KEY in (select rowid from articles_bigrams where articles_bigrams match
...)``, here KEY = ``search_rowid`` (the index's row ids, ``fts_pk`` in tables.yml). SQLite assumes such a
subquery returns about 25 rows, so it always looks each match up: for a word in a third of the archive, the
page's newest 50 rows cost tens of thousands of row lookups and a sort of as many wide rows. The clause
written here is the same set of rows; only when the search matches a large share of the table
(``DENSE_SHARE``) is the key written ``+search_rowid``, which keeps SQLite from looking matches up one by
one: the page then reads the sort order's index (``published_utc``) until it has its 50 rows, which at that
density is a few hundred entries. Rare words keep the lookups, which are then the cheaper plan. The count of a
page whose only filter is a search is taken from the full-text index (``index_count_sql``, run in place of
Datasette's count by publish/counts.py); the facets of a search are publish/facets.py's.

Everything else behaves as Datasette's search: ``?_searchmode=raw`` or ``searchmode: raw`` (FTS syntax) versus
``escape_fts`` (here ``pipelines.archive.search_text.match_query``), ``?_search_COLUMN=`` for one column of
the index, the search box (``supports_search``) and the description "search matches ...".
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Callable
from typing import Any

from datasette.database import QueryInterrupted
from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite
from datasette.utils.asgi import BadRequest

from pipelines.archive.schema import SEARCH_PENDING

# The most matches a bounded search page reads (its facets, its bm25 ranking): the most recently archived.
# One figure for both, so a frequent word's facets and its ranking speak of the same articles.
RECENT_MATCHES = 20_000

# A search matching at least this share of the table's rows is answered by scanning an index in the page's
# order (see the module docstring); rarer ones by looking their rows up. The scan reads about 50 / share
# index entries for a page of 50 (2,500 at 1/50); the look-ups cost ~6 µs a match and grow with the archive:
# at 1,000,000 articles a word in 11.5 % of them (114,669 matches) took 0.7 s a page with 1/8 here.
DENSE_SHARE = 0.02
# Below this many matches the lookups are cheap whatever the table's size.
DENSE_MIN_MATCHES = 1000


def search_config(table_metadata: dict[str, Any]) -> dict[str, str] | None:
    config = table_metadata.get("archive_search")
    if not isinstance(config, dict) or not config.get("fts_table"):
        return None
    return {"fts_table": str(config["fts_table"]), "fts_pk": str(config.get("fts_pk") or "rowid")}


def search_args(request: Any) -> dict[str, str]:
    return {
        key: request.args[key] for key in request.args if key.startswith("_search") and key != "_searchmode"
    }


async def search_filters(request: Any, database: str, table: str, datasette: Any) -> FilterArguments | None:
    table_metadata = datasette.table_metadata(database, table) or {}
    config = search_config(table_metadata)
    if config is None:
        return None
    db = datasette.get_database(database)
    fts_table = escape_sqlite(config["fts_table"])
    raw = table_metadata.get("searchmode") == "raw"
    if request.args.get("_searchmode") in ("raw", "escaped"):
        raw = request.args.get("_searchmode") == "raw"
    where_clauses: list[str] = []
    params: dict[str, str] = {}
    described: list[str] = []
    extra_context: dict[str, Any] = {"supports_search": True}
    args = search_args(request)
    if "_search" in args:
        searches = [("search", fts_table, config["fts_pk"], args["_search"])]
        described.append(f'search matches "{args["_search"]}"')
    else:
        searches = []
        fts_columns = await db.table_columns(config["fts_table"])
        for i, (key, text) in enumerate(args.items()):
            column = key.split("_search_", 1)[1] if "_search_" in key else ""
            if column not in fts_columns:
                raise BadRequest("Cannot search by that column")
            searches.append((f"search_{i}", escape_sqlite(column), config["fts_pk"], text))
            described.append(f'search column "{column}" matches "{text}"')
    # Scanning in the page's order needs an index in that order (or the rowid order of the table itself).
    sort = (
        request.args.get("_sort")
        or request.args.get("_sort_desc")
        or table_metadata.get("sort")
        or table_metadata.get("sort_desc")
    )
    ordered = not sort or sort in await db.primary_keys(table) or sort in await leading_columns(db, table)
    pending = await pending_removals(db)
    for param, match_column, key, text in searches:
        match = f":{param}" if raw else f"escape_fts(:{param})"
        subquery = f"select rowid from {fts_table} where {match_column} match {match}"
        if pending:
            # Entries another writer left for removal (pipelines.archive.schema.SEARCH_PENDING) were indexed
            # with a text the article no longer has: not matches, until the next opening removes them.
            subquery += f" and rowid not in (select search_rowid from {escape_sqlite(SEARCH_PENDING.name)})"
        dense = ordered and await is_dense(db, table, subquery, {param: text})
        where_clauses.append(f"{'+' if dense else ''}{escape_sqlite(key)} in ({subquery})")
        params[param] = text
        extra_context["search"] = text
    return FilterArguments(where_clauses, params, described, extra_context)


# Datasette counts a page's rows with ``select count(*) from TABLE where CLAUSES``. For a page whose only
# clause is a search, that is one look-up per match (a third of the table for a frequent word), where the
# full-text index alone counts its matches at a fraction of the cost: the same number, as long as every entry
# of the index belongs to one article (search_rowid is unique; entries of deleted or changed articles wait in
# SEARCH_PENDING). So that count is rewritten to count the index, and to count as before while entries are
# pending (checked by the query itself, so it is exact whatever changed since the page was planned).
_SEARCH_ONLY_COUNT = re.compile(
    r"select count\(\*\) from (?P<table>\S+) where \+?(?P<key>\S+) in "
    r"\((?P<subquery>select rowid from (?P<fts>\S+) where (?P<column>\S+) match "
    r"(?P<match>escape_fts\(:\w+\)|:\w+))\) ?"
)


def search_only_subquery(count_sql: str) -> str | None:
    """The full-text subquery of a count whose only filter is a search (``select rowid from FTS where ...
    match ...``), else None."""
    found = _SEARCH_ONLY_COUNT.fullmatch(count_sql)
    return found["subquery"] if found else None


def index_count_sql(sql: str, config_of: Callable[[str], dict[str, str] | None]) -> str | None:
    """The count of a page whose only filter is a search as a count of the full-text index's matches, or None
    for any other query. ``config_of``: a table's ``search_config``."""
    found = _SEARCH_ONLY_COUNT.fullmatch(sql)
    if found is None:
        return None
    config = config_of(found["table"].strip("[]"))
    if config is None or found["key"] != escape_sqlite(config["fts_pk"]):
        return None
    if found["fts"] != escape_sqlite(config["fts_table"]):
        return None
    return (
        f"select case when exists (select 1 from {escape_sqlite(SEARCH_PENDING.name)}) then ({sql.strip()}) "
        f"else (select count(*) from {found['fts']} where {found['column']} match {found['match']}) end"
    )


async def pending_removals(db: Any) -> bool:
    """Whether the search index holds entries waiting for removal (an indexed read; false when the table is
    not there, as in a database that is not an archive)."""
    try:
        rows = await db.execute(f"select 1 from {escape_sqlite(SEARCH_PENDING.name)} limit 1")
    except sqlite3.Error:
        return False
    return bool(rows.rows)


async def leading_columns(db: Any, table: str) -> set[str]:
    """The first column of each index of ``table``."""
    rows = await db.execute(
        "select i.name from pragma_index_list(:table) l join pragma_index_info(l.name) i "
        "where i.seqno = 0 and l.partial = 0",
        {"table": table},
    )
    return {row[0] for row in rows.rows if row[0] is not None}


async def is_dense(db: Any, table: str, subquery: str, params: dict[str, str]) -> bool:
    """Whether ``subquery`` returns at least ``DENSE_SHARE`` of ``table``'s rows (and ``DENSE_MIN_MATCHES``).

    Counting a table's rows reads its smallest index; counting the matches reads the full-text index, and only
    up to the number that decides (a few milliseconds for the commonest word of 100,000 articles)."""
    try:
        rows = (await db.execute(f"select count(*) from {escape_sqlite(table)}")).rows[0][0]
        enough = max(DENSE_MIN_MATCHES, math.ceil(DENSE_SHARE * rows))
        count_sql = f"select count(*) from ({subquery} limit {enough})"
        matches = (await db.execute(count_sql, params, log_sql_errors=False)).rows[0][0]
    except (sqlite3.Error, QueryInterrupted):
        return False  # e.g. bad FTS syntax in raw mode: the page's own query reports it
    return bool(matches >= enough)
