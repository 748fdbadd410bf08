"""Column facets computed in one pass: ``ArchiveColumnFacet`` (facet type ``columns``, set in tables.yml).

Datasette's column facet runs one query per facet, each wrapping the page's whole query. On a filtered page
of ``articles`` each of those queries reads every matching row again, four times for the four configured
facets, and the rows are wide (the text is inline). This facet type groups the matching rows by all its
columns at once, in one query, and sums the combinations per column in Python: the same counts, order,
labels and links as Datasette's column facet (the results say type ``column``). Unfiltered pages keep
Datasette's per-column queries: each reads its own ``(column, published)`` index already in order, which is
cheaper than any single pass over the table.

A search for a frequent word is written ``+id in (select rowid from articles_bigrams ...)``
(publish/search.py): read the whole table rather than look each match up. Its facets then read an index
holding every column they and the page's filters need, ``articles(source, region, section, language,
published)``, named with
``indexed by``: a narrow index, read in the order of the facet columns, so no sort is needed to group.
"""

from __future__ import annotations

from typing import Any

from datasette.database import QueryInterrupted
from datasette.facets import ColumnFacet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

from publish.search import search_config

FACET_TYPE = "columns"


# A single pass groups by every facet column at once; facet columns have few values, so the combinations are
# few too. More combinations than this and the facets are computed one query each, as Datasette does.
MAX_COMBINATIONS = 20_000


def combinations_sql(columns: list[str], from_sql: str) -> str:
    """The distinct combinations of ``columns`` among ``select ... <from_sql>``, with how many rows have each:
    one pass over the rows and one sort (a group by per column would sort the rows once per column)."""
    selected = ", ".join(escape_sqlite(column) for column in columns)
    return (
        f"select {selected}, count(*) as [count] {from_sql} group by {selected} limit {MAX_COMBINATIONS + 1}"
    )


def _sqlite_order(value: Any) -> tuple[int, Any]:
    # SQLite's order of values: numbers before text before blobs (nulls are never facet values).
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, str):
        return (1, value.encode("utf-8"))  # BINARY collation: byte order of the UTF-8 text
    return (2, bytes(value))


def facet_counts(rows: list[Any], n_columns: int, limit: int) -> list[list[tuple[Any, int]]]:
    """Per column, (value, count) summed over the combination rows (value, ..., count), nulls left out, by
    count descending then value (SQLite's order), at most ``limit``: what Datasette's facet query returns."""
    counts: list[dict[Any, int]] = [{} for _ in range(n_columns)]
    for row in rows:
        count = row[n_columns]
        for n in range(n_columns):
            value = row[n]
            if value is not None:
                counts[n][value] = counts[n].get(value, 0) + count
    return [
        sorted(column.items(), key=lambda item: (-item[1], _sqlite_order(item[0])))[:limit]
        for column in counts
    ]


async def is_rowid(db: Any, table: str, column: str) -> bool:
    """Whether ``column`` is the rowid of ``table`` (``rowid`` or its ``integer primary key``)."""
    if column == "rowid":
        return True
    info = await db.execute("select name, type, pk from pragma_table_info(:table)", {"table": table})
    pks = [row for row in info.rows if row["pk"]]
    return len(pks) == 1 and pks[0]["name"] == column and str(pks[0]["type"]).upper() == "INTEGER"


async def covering_index(
    db: Any, table: str, needed: set[str], grouped: list[str]
) -> tuple[str, list[str]] | None:
    """An index of ``table`` holding every column of ``needed`` (the rowid is in every index), with its
    columns: preferably one starting with the ``grouped`` columns (in any order), else the narrowest."""
    info = await db.execute(
        "select l.name as index_name, i.name as column from pragma_index_list(:table) l "
        "join pragma_index_info(l.name) i where l.partial = 0 order by l.name, i.seqno",
        {"table": table},
    )
    indexes: dict[str, list[str]] = {}
    for row in info.rows:
        indexes.setdefault(str(row["index_name"]), []).append(row["column"])
    candidates = []
    for name, indexed in indexes.items():
        if needed <= set(indexed):
            starts_grouped = set(indexed[: len(grouped)]) == set(grouped)
            candidates.append((not starts_grouped, len(indexed), name, indexed))
    if not candidates:
        return None
    _, _, name, indexed = min(candidates)
    return name, indexed


class ArchiveColumnFacet(ColumnFacet):
    type = FACET_TYPE

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        configs = self.get_configs()
        from_sql = await self._from_sql() if configs else None
        if from_sql is None:
            # Unfiltered (or not a plain table query): Datasette's per-column queries.
            return await self._per_column()

        columns: list[str] = []
        sources: dict[str, str] = {}
        for source_and_config in configs:
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            if column not in sources:
                columns.append(column)
                sources[column] = source_and_config["source"]
        facet_size = self.get_facet_size()
        from_sql, order = await self._hinted(from_sql, columns)
        sql = combinations_sql(order, from_sql)
        time_limit = self.ds.setting("facet_time_limit_ms") * len(columns)
        try:
            rows = (
                await self.ds.execute(
                    self.database, sql, self.params, truncate=False, custom_time_limit=time_limit
                )
            ).rows
        except QueryInterrupted:
            return [], columns
        if len(rows) > MAX_COMBINATIONS:
            return await self._per_column()
        per_column = dict(zip(order, facet_counts(rows, len(order), facet_size + 1), strict=True))
        results = [
            await self._facet_info(column, sources[column], per_column[column], facet_size)
            for column in columns
        ]
        return results, []

    async def _per_column(self) -> tuple[list[dict[str, Any]], list[str]]:
        results, timed_out = await super().facet_results()
        for info in results:
            info["type"] = ColumnFacet.type
        return results, timed_out

    async def _from_sql(self) -> str | None:
        """``from <table> where ...`` of the page's query when it is a filtered query of a table."""
        if not self.table:
            return None
        db = self.ds.get_database(self.database)
        select_all = ", ".join(escape_sqlite(column) for column in await db.table_columns(self.table))
        prefix = f"select {select_all} from {escape_sqlite(self.table)} "
        if not self.sql.startswith(prefix) or not self.sql[len(prefix) :].startswith("where "):
            return None
        return f"from {escape_sqlite(self.table)} {self.sql[len(prefix) :]}"

    async def _hinted(self, from_sql: str, columns: list[str]) -> tuple[str, list[str]]:
        """For a search written to scan rather than look its matches up (``+id in (...)``, see
        publish/search.py), read a narrow index holding every column needed instead of the table: the
        ``from`` clause naming it, and the facet columns in its order (so it is read already grouped)."""
        config = search_config(self.metadata or {})
        key = config["fts_pk"] if config else "rowid"
        if f"+{escape_sqlite(key)} in (select rowid from " not in self.sql:
            return from_sql, columns
        db = self.ds.get_database(self.database)
        table_columns = await db.table_columns(self.table)
        needed = set(columns) | {column for column, _ in self._filter_columns(table_columns)}
        if not await is_rowid(db, self.table, key):
            needed.add(key)
        found = await covering_index(db, self.table, needed, columns)
        if found is None:
            return from_sql, columns
        name, indexed = found
        table = escape_sqlite(self.table)
        hinted = f"from {table} indexed by {escape_sqlite(name)} {from_sql[len(f'from {table} ') :]}"
        return hinted, sorted(columns, key=indexed.index)

    def _filter_columns(self, table_columns: list[str]) -> list[tuple[str, str]]:
        """Columns the page's filters use: its column arguments (``?region=``, ``?published__gte=``) and, for
        the date range of ``_since``/``_until``, ``published``."""
        used = []
        for key, value in self.get_querystring_pairs():
            column = key.split("__", 1)[0]
            if column in table_columns and not key.startswith("_"):
                used.append((column, value))
            elif key in ("_since", "_until") and value:
                used.append(("published", value))
            elif key in ("_sort", "_sort_desc") and value:  # with _next, the page's position is a filter
                used.append((value, value))
            elif key == "_where":
                used.append(("*", value))  # arbitrary SQL: can name any column
        return used

    async def _facet_info(
        self, column: str, source: str, facet_rows: list[tuple[Any, int]], facet_size: int
    ) -> dict[str, Any]:
        qs_pairs = self.get_querystring_pairs()
        values: list[dict[str, Any]] = []
        info = {
            "name": column,
            "type": ColumnFacet.type,
            "hideable": source != "metadata",
            "toggle_url": self.ds.urls.path(
                path_with_removed_args(self.request, {f"_facet_{self.type}": column})
            ),
            "results": values,
            "truncated": len(facet_rows) > facet_size,
        }
        facet_rows = facet_rows[:facet_size]
        expanded = await self.ds.expand_foreign_keys(
            self.database, self.table, column, [value for value, _ in facet_rows]
        )
        for value, count in facet_rows:
            column_qs = f"{column}__exact" if column.startswith("_") else column
            selected = (column_qs, str(value)) in qs_pairs
            if selected:
                toggle_path = path_with_removed_args(self.request, {column_qs: str(value)})
            else:
                toggle_path = path_with_added_args(self.request, {column_qs: value})
            values.append(
                {
                    "value": value,
                    "label": expanded.get((column, value), value),
                    "count": count,
                    "toggle_url": self.ds.absolute_url(self.request, self.ds.urls.path(toggle_path)),
                    "selected": selected,
                }
            )
        return info
