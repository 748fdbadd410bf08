"""Table search (``?_search=``, ``?_search_COLUMN=``, the search box) of the tables that tables.yml gives an
``archive_search`` (``fts_table``, ``fts_pk``), in place of Datasette's own ``fts_table`` search.

Datasette writes a search as ``id in (select rowid from articles_bigrams where articles_bigrams match ...)``.
SQLite assumes such a subquery returns about 25 rows, so it always looks each match up by id: for a word in a
third of the archive, the page's newest 50 rows cost tens of thousands of row lookups and a sort of as many
wide rows, and the count as many lookups again. The clause written here is the same set of rows; only when the
search matches a large share of the table (``DENSE_SHARE``) is the key written ``+id``, which keeps SQLite
from looking matches up one by one: the page then reads the sort order's index (``published_utc``) until it
has its 50 rows, which at that density is a few hundred entries, and the count scans the smallest index once.
Rare words keep the lookups, which are then the cheaper plan.

Everything else behaves as Datasette's search: ``?_searchmode=raw`` or ``searchmode: raw`` (FTS syntax) versus
``escape_fts`` (here ``pipelines.archive.search_text.match_query``), ``?_search_COLUMN=`` for one column of
the index, the search box (``supports_search``) and the description "search matches ...".
"""

from __future__ import annotations

import math
import sqlite3
from typing import Any

from datasette.database import QueryInterrupted
from datasette.filters import FilterArguments
from datasette.utils import escape_sqlite
from datasette.utils.asgi import BadRequest

# A search matching at least this share of the table's rows is answered by scanning an index in the page's
# order (see the module docstring); rarer ones by looking their rows up.
DENSE_SHARE = 0.125
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
    for param, match_column, key, text in searches:
        match = f":{param}" if raw else f"escape_fts(:{param})"
        subquery = f"select rowid from {fts_table} where {match_column} match {match}"
        dense = ordered and await is_dense(db, table, subquery, {param: text})
        where_clauses.append(f"{'+' if dense else ''}{escape_sqlite(key)} in ({subquery})")
        params[param] = text
        extra_context["search"] = text
    return FilterArguments(where_clauses, params, described, extra_context)


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
