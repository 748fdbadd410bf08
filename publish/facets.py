"""Column facets computed in one pass: ``ArchiveColumnFacet`` (facet type ``columns``, set in tables.yml).

Datasette's column facet runs one query per facet, each wrapping the page's whole query. On a filtered page
of ``articles`` each of those queries reads every matching row again, four times for the four configured
facets, and the rows are wide (the text is inline). This facet type groups the matching rows by all its
columns at once, in one query, and sums the combinations per column in Python: the same counts, order,
labels and links as Datasette's column facet (the results say type ``column``). A page of articles that is
unfiltered or filtered only by equalities on the facet columns (``?region=青岛&section=社会``) reads its
combinations, already counted, from the table that triggers keep (pipelines.archive.facet_counts, through
publish/counts.py): a few thousand rows whatever the archive's size, where grouping the matching articles
grows with it. Other unfiltered pages keep Datasette's per-column queries: each reads its own ``(column,
published)`` index already in order, which is cheaper than any single pass over the table.

Facets of a search are counted over its matches: each match looked up by ``search_rowid`` (the full-text
index's row id, publish/search.py) in a narrow index that starts with it and holds every column the facets
and the page's filters need, named with ``indexed by`` (the rows are wide: the text is inline). That costs
a few microseconds per match (a look-up, and the sort that groups): 0.25 s for the 83,000 matches of 青岛
in 250,000 articles at load 6, about a second for a word in a third of a million articles. So a search with
more than ``FACET_ROWS`` rows has its facets counted over its ``FACET_ROWS`` most recently archived rows
(the highest search_rowid), and says so (``sample`` in each facet's results, shown above the facets). Those
counts are exact for that part of the matches (the same as Datasette's column facets of the page with
``search_rowid__gte=`` the cut), and selecting a value filters all the matches, so its page counts them
all. A demanding reader gets a page in time, with facets that say what they counted, rather than facets
that time out (Datasette's facet_time_limit_ms) or a page that takes a second.
"""

from __future__ import annotations

from typing import Any

from datasette.database import QueryInterrupted
from datasette.facets import ColumnFacet
from datasette.utils import escape_sqlite, path_with_added_args, path_with_removed_args

from pipelines.archive.facet_counts import COUNTED_TABLE, FACET_COLUMNS
from publish.counts import kept_combinations_sql, kept_counts_current, kept_where
from publish.search import RECENT_MATCHES, search_config, search_only_subquery

FACET_TYPE = "columns"
# The most rows of a search whose facets are counted (the most recently archived ones); see the docstring.
FACET_ROWS = RECENT_MATCHES


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
    db: Any, table: str, needed: set[str], grouped: list[str], *, leading: str | None = None
) -> tuple[str, list[str]] | None:
    """An index of ``table`` holding every column of ``needed`` (the rowid is in every index), with its
    columns: preferably one starting with ``leading`` (the column its rows are looked up by), else one
    starting with the ``grouped`` columns (in any order), else the narrowest."""
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
            candidates.append((indexed[0] != leading, not starts_grouped, len(indexed), name, indexed))
    if not candidates:
        return None
    *_, name, indexed = min(candidates)
    return name, indexed


class ArchiveColumnFacet(ColumnFacet):
    type = FACET_TYPE

    async def facet_results(self) -> tuple[list[dict[str, Any]], list[str]]:
        configs = self.get_configs()
        columns: list[str] = []
        sources: dict[str, str] = {}
        for source_and_config in configs:
            config = source_and_config["config"]
            column = config.get("column") or config["simple"]
            if column not in sources:
                columns.append(column)
                sources[column] = source_and_config["source"]
        facet_size = self.get_facet_size()
        tail = await self._after_table() if columns else None  # the page's query after its table, read once
        # The combinations kept counted (publish/counts.py), else grouped from the page's rows.
        rows = await self._kept_rows(columns, tail) if columns else None
        order, sample = columns, None
        if rows is None:
            from_sql = self._from_sql(tail)
            if from_sql is None:
                # Unfiltered without kept counts (or not a plain table query): Datasette's per-column queries.
                return await self._per_column()
            try:
                grouped = await self._grouped_rows(columns, from_sql)
            except QueryInterrupted:
                return [], columns
            if grouped is None:
                return await self._per_column()
            rows, order, sample = grouped
        per_column = dict(zip(order, facet_counts(rows, len(order), facet_size + 1), strict=True))
        results = [
            await self._facet_info(column, sources[column], per_column[column], facet_size)
            for column in columns
        ]
        if sample is not None:
            for info in results:
                info["sample"] = sample
        return results, []

    async def _per_column(self) -> tuple[list[dict[str, Any]], list[str]]:
        results, timed_out = await super().facet_results()
        for info in results:
            info["type"] = ColumnFacet.type
        return results, timed_out

    async def _grouped_rows(
        self, columns: list[str], from_sql: str
    ) -> tuple[list[Any], list[str], Any] | None:
        """The combinations of ``columns`` with their counts grouped from the page's rows (``from_sql``), the
        order of their columns, and the sample the page was bounded to; None when there are too many
        combinations (then one query per column serves better). QueryInterrupted past the time limit."""
        page_from_sql = from_sql
        from_sql, order = await self._hinted(from_sql, columns)
        from_sql, sample = await self._bounded(from_sql, page_from_sql)
        sql = combinations_sql(order, from_sql)
        time_limit = self.ds.setting("facet_time_limit_ms") * len(columns)
        result = await self.ds.execute(
            self.database, sql, self.params, truncate=False, custom_time_limit=time_limit
        )
        rows = list(result.rows)
        return None if len(rows) > MAX_COMBINATIONS else (rows, order, sample)

    async def _kept_rows(self, columns: list[str], tail: str | None) -> list[Any] | None:
        """The combinations of ``columns`` with their counts, read from the kept counts (publish/counts.py)
        when the page (``tail``: its query after the table, :meth:`_after_table`) is of the counted table,
        unfiltered or filtered only by equalities on counted columns, and the facet columns are counted; else
        None."""
        if self.table != COUNTED_TABLE or not set(columns) <= set(FACET_COLUMNS):
            return None
        where = kept_where(tail) if tail is not None else None
        db = self.ds.get_database(self.database)
        if where is None or not await kept_counts_current(db):
            return None
        sql = kept_combinations_sql(columns, where, MAX_COMBINATIONS + 1)
        try:
            rows = (await self.ds.execute(self.database, sql, self.params, truncate=False)).rows
        except QueryInterrupted:
            return None
        return None if len(rows) > MAX_COMBINATIONS else list(rows)

    async def _after_table(self) -> str | None:
        """What follows ``select <every column> from <table> `` in the page's query ('' when unfiltered,
        else ``where ...``), or None when it is not a plain query of a table."""
        if not self.table:
            return None
        db = self.ds.get_database(self.database)
        select_all = ", ".join(escape_sqlite(column) for column in await db.table_columns(self.table))
        prefix = f"select {select_all} from {escape_sqlite(self.table)} "
        return self.sql[len(prefix) :] if self.sql.startswith(prefix) else None

    def _from_sql(self, tail: str | None) -> str | None:
        """``from <table> where ...`` of the page's query (``tail``: after the table) when it is a filtered
        query of a table."""
        if tail is None or not tail.startswith("where "):
            return None
        return f"from {escape_sqlite(self.table)} {tail}"

    def _search_clause(self) -> tuple[str, str] | None:
        """For a search page: the start of its search clause (``search_rowid in (select rowid from FTS where
        ``, publish/search.py) and the full-text table."""
        config = search_config(self.metadata or {})
        if config is None:
            return None
        fts = escape_sqlite(config["fts_table"])
        start = f"{escape_sqlite(config['fts_pk'])} in (select rowid from {fts} where "
        return (start, fts) if start in self.sql else None

    async def _hinted(self, from_sql: str, columns: list[str]) -> tuple[str, list[str]]:
        """For a search, count the matches by looking each up (``search_rowid in (...)``, not the page's
        ``+search_rowid``, which scans) in a narrow index holding every column needed, starting with
        search_rowid (see the module docstring): the ``from`` clause naming it, and the facet columns."""
        clause = self._search_clause()
        if clause is None:
            return from_sql, columns
        start, _ = clause
        from_sql = from_sql.replace(f"+{start}", start)
        config = search_config(self.metadata or {})
        assert config is not None
        key = config["fts_pk"]
        db = self.ds.get_database(self.database)
        table_columns = await db.table_columns(self.table)
        needed = set(columns) | {column for column, _ in self._filter_columns(table_columns)}
        if not await is_rowid(db, self.table, key):
            needed.add(key)
        found = await covering_index(db, self.table, needed, columns, leading=key)
        if found is None:
            return from_sql, columns
        name, indexed = found
        table = escape_sqlite(self.table)
        hinted = f"from {table} indexed by {escape_sqlite(name)} {from_sql[len(f'from {table} ') :]}"
        return hinted, sorted(columns, key=indexed.index)

    async def _bounded(self, from_sql: str, page_from_sql: str) -> tuple[str, dict[str, Any] | None]:
        """A search with more than ``FACET_ROWS`` rows: its ``from`` clause restricted to the FACET_ROWS with
        the highest search_rowid (each full-text subquery gets ``rowid >= cut``), and what was counted.
        ``page_from_sql``: the page's own, to tell a search without other filters."""
        clause = self._search_clause()
        if clause is None or (self.row_count is not None and self.row_count <= FACET_ROWS):
            return from_sql, None
        _, fts = clause
        config = search_config(self.metadata or {})
        assert config is not None
        key = escape_sqlite(config["fts_pk"])
        only = search_only_subquery(f"select count(*) {page_from_sql}")
        if only is not None:  # the matches alone: the full-text index gives the cut without any look-up
            cut_sql = f"{only} order by rowid desc limit 1 offset {FACET_ROWS - 1}"
        else:
            cut_sql = f"select {key} {from_sql} order by {key} desc limit 1 offset {FACET_ROWS - 1}"
        try:
            found = (await self.ds.execute(self.database, cut_sql, self.params)).rows
        except QueryInterrupted:
            return from_sql, None
        if not found or found[0][0] is None:
            return from_sql, None  # no more than FACET_ROWS rows after all
        cut = int(found[0][0])
        bounded = from_sql.replace(
            f"select rowid from {fts} where ", f"select rowid from {fts} where rowid >= {cut} and "
        )
        return bounded, {"rows": FACET_ROWS, "of": self.row_count, "search_rowid_from": cut}

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
