"""Writing articles, their keys, versions and search index, captures, redirects and sources. Every function
takes ``db`` first. This is the one module that writes the ``articles`` table (crawl runs are written by
``pipelines.archive.runs``; reads are in ``pipelines.archive.lookup``).

Storage never loses what is stored: an article whose text changes keeps its previous text in
``article_versions``; keys are only ever added. Callers store a record through ``pipelines.saving``, which
also checks exact duplicates and re-clusters; the functions here are its steps.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import sqlite_utils

from pipelines.archive import capture_document
from pipelines.archive.lookup import find_article_by_keys, redirect_sources, resolve_redirects
from pipelines.archive.schema import FTS_DOCSIZE, FTS_SQL, FTS_TABLE, SEARCH_PENDING
from pipelines.archive.search_text import index_text
from pipelines.documents.records import CONTENT_FIELDS, LIST_FIELDS
from pipelines.sources import Source

Outcome = Literal["new", "updated", "unchanged", "duplicate"]
_ID_BITS = 52  # JavaScript reads integers exactly up to 2**53


@dataclass(frozen=True)
class SaveResult:
    outcome: Outcome
    article_id: int


def last_pk(table: sqlite_utils.db.Table) -> int:
    assert table.last_pk is not None
    return int(table.last_pk)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def stable_id(key: str) -> int:
    return int(hashlib.sha256(key.encode("utf-8")).hexdigest()[: _ID_BITS // 4], 16)


def _row_values(record: Mapping[str, Any]) -> dict[str, Any]:
    columns = {k: v for k, v in record.items() if k != "keys"}
    for field in LIST_FIELDS:
        if field in columns:
            columns[field] = json.dumps(columns[field] or [], ensure_ascii=False)
    return columns


def _comparable(row: Mapping[str, Any]) -> dict[str, Any]:
    return {field: row.get(field) for field in CONTENT_FIELDS}


@contextlib.contextmanager
def write_transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """One transaction around a write of several statements: all of it is stored, or none.

    Needed because sqlite-utils' ``execute`` commits each write statement made outside a transaction, and
    ``with db.conn:`` does not open one (it only commits on exit). Opens ``BEGIN IMMEDIATE`` (the write lock
    is taken before the first read, so busy_timeout applies; see ``pipelines.dedup.near.transaction``), or,
    inside an open transaction, a savepoint: the outer transaction commits it. Table methods of sqlite-utils
    nest as savepoints, so they do not commit halfway. A step that commits the transaction itself (story
    clustering's ``near.transaction``) ends it early; what follows commits on its own.
    """
    if db.conn.in_transaction:
        with db.atomic():  # a savepoint
            yield
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        if db.conn.in_transaction:
            db.conn.execute("ROLLBACK")
        raise
    if db.conn.in_transaction:
        db.conn.execute("COMMIT")


def save_redirect(db: sqlite_utils.Database, from_url: str, to_url: str, status: int) -> None:
    """Remember a redirect; if its target is already an article, the old URL becomes one of its keys."""
    now = now_iso()
    with write_transaction(db):
        db.execute(
            "insert into redirects (from_url, to_url, status, first_seen, last_seen) values (?, ?, ?, ?, ?) "
            "on conflict (from_url) do update set to_url = excluded.to_url, status = excluded.status, "
            "last_seen = excluded.last_seen",
            [from_url, to_url, status, now, now],
        )
        target = find_article_by_keys(db, [resolve_redirects(db, to_url)])
        if target is not None:
            add_keys(db, target, [from_url], kind="redirect")


def add_keys(db: sqlite_utils.Database, article_id: int, keys: Iterable[str], kind: str) -> None:
    """Record keys for an article; a key already known (for any article) is left as it is."""
    seen = now_iso()
    for key in keys:
        db.execute(
            "insert or ignore into article_keys (key, article_id, kind, first_seen) values (?, ?, ?, ?)",
            [key, article_id, kind, seen],
        )


def _ensure_source(db: sqlite_utils.Database, key: str) -> str | None:
    """The region of source ``key``, adding a row for a local or ad-hoc source seen for the first time
    (declared sources are written by ``save_source``)."""
    row = db.execute("select region from sources where key = ?", [key]).fetchone()
    if row:
        return row[0]
    kind = "local" if key == "seeds" else "site"
    name = "Local documents" if key == "seeds" else key  # what Datasette shows for articles.source
    db.table("sources").insert({"key": key, "name": name, "added": now_iso(), "kind": kind})
    return None


def save_source(db: sqlite_utils.Database, source: Source) -> None:
    """Record a declared source (from sources.toml), and give its articles the source's region."""
    row = db.execute("select added from sources where key = ?", [source.key]).fetchone()
    with write_transaction(db):
        db.table("sources").upsert(
            {
                "key": source.key,
                "name": source.name,
                "region": source.region,
                "language": source.language,
                "timezone": source.timezone,
                "homepage": source.start_urls[0] if source.start_urls else None,
                "kind": "site",
                "config": json.dumps(source.as_config(), ensure_ascii=False),
                "added": row[0] if row else now_iso(),
            },
            pk="key",
        )
        if source.region:
            db.execute(
                "update articles set region = ? where source = ? and region is null",
                [source.region, source.key],
            )


# --- The search index (schema.FTS_TABLE: contentless, row ids = articles.search_rowid) ---------------------
# Invariant: an article's search_rowid is in the index with the article's current title and text, unless
# articles_bigrams_pending holds that search_rowid: then the entry was indexed with the pending row's values
# (the triggers keep them when another writer changes or deletes the article). FTS5's docsize table says which
# row ids the index holds.


def next_search_rowid(db: sqlite_utils.Database) -> int:
    """The next row id of the search index: after every one given out, including entries of deleted articles
    still waiting for removal (never given twice, so the index never holds two entries under one)."""
    row = db.execute(
        f"select max(coalesce((select max(search_rowid) from articles), 0), "
        f"coalesce((select max(id) from [{FTS_DOCSIZE}]), 0), "
        f"coalesce((select max(search_rowid) from [{SEARCH_PENDING.name}]), 0))"
    ).fetchone()
    return int(row[0]) + 1


def _indexed(db: sqlite_utils.Database, search_rowid: int) -> bool:
    return db.execute(f"select 1 from [{FTS_DOCSIZE}] where id = ?", [search_rowid]).fetchone() is not None


def _remove_entry(db: sqlite_utils.Database, search_rowid: int, title: str | None, text: str | None) -> None:
    """FTS5's 'delete' of a contentless row: the values must be the ones it was indexed with."""
    if _indexed(db, search_rowid):
        db.execute(
            f"insert into [{FTS_TABLE}] ([{FTS_TABLE}], rowid, title, text) values ('delete', ?, ?, ?)",
            [search_rowid, index_text(title), index_text(text)],
        )


def _refresh_entry(db: sqlite_utils.Database, search_rowid: int) -> None:
    """Make the index entry ``search_rowid`` what the invariant says: a pending entry removed, then the
    article holding it (if any) indexed with its current title and text."""
    pending = db.execute(
        f"select title, text from [{SEARCH_PENDING.name}] where search_rowid = ?", [search_rowid]
    ).fetchone()
    if pending is not None:
        _remove_entry(db, search_rowid, pending[0], pending[1])
        db.execute(f"delete from [{SEARCH_PENDING.name}] where search_rowid = ?", [search_rowid])
    elif _indexed(db, search_rowid):
        return  # indexed with the current values already
    current = db.execute("select title, text from articles where search_rowid = ?", [search_rowid]).fetchone()
    if current is not None:
        db.execute(
            f"insert into [{FTS_TABLE}] (rowid, title, text) values (?, ?, ?)",
            [search_rowid, index_text(current[0]), index_text(current[1])],
        )


def index_article(db: sqlite_utils.Database, article_id: int) -> None:
    """(Re)write an article's entry in the search index from its stored title and text, after the articles row
    was written (the update trigger kept the values it was indexed with). A new article gets its search_rowid
    here unless its row was inserted with one."""
    row = db.execute("select search_rowid from articles where id = ?", [article_id]).fetchone()
    if row is None:
        return
    search_rowid = row[0]
    if search_rowid is None:
        search_rowid = next_search_rowid(db)
        db.execute("update articles set search_rowid = ? where id = ?", [search_rowid, article_id])
    _refresh_entry(db, search_rowid)


def search_index_needs_sync(db: sqlite_utils.Database) -> bool:
    """Whether another writer left entries to remove, or articles without a search_rowid (indexed reads)."""
    return (
        db.execute(f"select 1 from [{SEARCH_PENDING.name}] limit 1").fetchone() is not None
        or db.execute("select 1 from articles where search_rowid is null limit 1").fetchone() is not None
    )


def sync_search_index(db: sqlite_utils.Database) -> int:
    """Bring the index up to date after other writers (the triggers' pending removals; articles inserted
    without a search_rowid): returns the entries refreshed. No commit here."""
    refreshed = 0
    for (search_rowid,) in db.execute(f"select search_rowid from [{SEARCH_PENDING.name}]").fetchall():
        _refresh_entry(db, search_rowid)
        refreshed += 1
    for (article_id,) in db.execute("select id from articles where search_rowid is null").fetchall():
        index_article(db, article_id)
        refreshed += 1
    return refreshed


def rebuild_search_index(db: sqlite_utils.Database, *, renumber: bool = True) -> int:
    """Replace the search index by a new one, each article indexed from its current title and text, then the
    index merged into one segment ('optimize', the smallest form). With ``renumber``, articles are first
    numbered 1, 2, 3... in the order they were first seen: for an index of the earlier layout (content stored,
    row ids = articles.id). Without, each article keeps its search_rowid (those without one are given one by
    ``sync_search_index`` afterwards): for a change of the index's declaration (its columns' order) or of
    ``index_text``, where rewriting every article row would only cost time and a WAL as large as the table.
    The caller holds the transaction (schema.ensure_search_index). Returns the number of articles indexed."""
    db.execute(f"drop table if exists [{FTS_TABLE}]")
    db.execute(f"delete from [{SEARCH_PENDING.name}]")
    db.execute(FTS_SQL)
    if renumber:
        # Numbered in two steps: the unique index on search_rowid forbids two articles one number mid-update.
        db.execute("update articles set search_rowid = null where search_rowid is not null")
        db.execute(
            "update articles set search_rowid = n.number from "
            "(select id, row_number() over (order by first_seen, id) as number from articles) as n "
            "where n.id = articles.id"
        )
    db.conn.create_function("archive_index_text", 1, index_text, deterministic=True)
    # One bulk load: terms gathered in memory up to 64 MB and written as few segments, merged once at the end
    # ('optimize'), rather than flushed every megabyte and merged again and again (about half the time).
    for option, bulk in _BULK_LOAD.items():
        db.execute(f"insert into [{FTS_TABLE}] ([{FTS_TABLE}], rank) values (?, ?)", [option, bulk])
    cursor = db.execute(
        f"insert into [{FTS_TABLE}] (rowid, title, text) select search_rowid, archive_index_text(title), "
        "archive_index_text(text) from articles where search_rowid is not null order by search_rowid"
    )
    db.execute(f"insert into [{FTS_TABLE}] ([{FTS_TABLE}]) values ('optimize')")
    for option, default in _FTS5_DEFAULTS.items():
        db.execute(f"insert into [{FTS_TABLE}] ([{FTS_TABLE}], rank) values (?, ?)", [option, default])
    return int(cursor.rowcount)


# FTS5's settings for the bulk load of rebuild_search_index, and its defaults, set back after it.
_BULK_LOAD = {"hashsize": 64 << 20, "automerge": 0, "crisismerge": 2000}
_FTS5_DEFAULTS = {"hashsize": 1 << 20, "automerge": 4, "crisismerge": 16}


def _new_id(db: sqlite_utils.Database, key: str) -> int:
    article_id = stable_id(key)
    # A 52-bit collision is vanishingly rare; probing keeps ids unique and deterministic for an archive.
    while db.execute("select 1 from articles where id = ?", [article_id]).fetchone():
        article_id = (article_id + 1) % (1 << _ID_BITS)
    return article_id


def save_article(
    db: sqlite_utils.Database,
    record: Mapping[str, Any],
    *,
    run_id: int | None = None,
    capture_id: int | None = None,
) -> SaveResult:
    """Insert a new article, update a changed one (keeping the old text as a version) or leave it be.

    The caller decides what is a duplicate before this (``pipelines.dedup.exact``): a record whose keys are
    unknown is stored as a new article.
    """
    keys = list(record.get("keys") or [])
    now = now_iso()
    values = _row_values(record)
    values.update(run_id=run_id, capture_id=capture_id)
    with write_transaction(db):
        region = _ensure_source(db, values["source"])
        if not values.get("region"):
            values["region"] = region
        article_id = find_article_by_keys(db, keys)
        if article_id is None:
            identity = values.get("canonical_url") or values.get("url") or values["content_hash"]
            article_id = _new_id(db, identity)
            db.table("articles").insert(
                {
                    **values,
                    "id": article_id,
                    "first_seen": now,
                    "last_changed": now,
                    "version": 1,
                    "search_rowid": next_search_rowid(db),
                }
            )
            add_keys(db, article_id, keys, kind="fetched")
            add_keys(db, article_id, redirect_sources(db, keys), kind="redirect")
            index_article(db, article_id)
            return SaveResult("new", article_id)

        stored = db.table("articles").get(article_id)
        add_keys(db, article_id, keys, kind="alias")
        if _comparable(stored) == _comparable(values):
            db.table("articles").update(article_id, {"fetched_at": values.get("fetched_at")})
            return SaveResult("unchanged", article_id)
        db.table("article_versions").insert(
            {
                "article_id": article_id,
                "version": stored["version"] or 1,
                **{f: stored[f] for f in ("title", "text", "content_hash", "published", "modified")},
                "fetched_at": stored["fetched_at"],
                "capture_id": stored["capture_id"],
                "replaced_at": now,
            }
        )
        db.table("articles").update(
            article_id, {**values, "version": (stored["version"] or 1) + 1, "last_changed": now}
        )
        index_article(db, article_id)
        return SaveResult("updated", article_id)


def save_duplicate(db: sqlite_utils.Database, record: Mapping[str, Any], original_id: int) -> None:
    """Remember an exact copy's keys as aliases of the original, so it is recognised next time."""
    with write_transaction(db):
        add_keys(db, original_id, record.get("keys") or [], kind="duplicate")


def stored_form(value: Any) -> Any:
    """A record value as it is written to a column: lists and dicts as JSON."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, list | dict) else value


def save_reextraction(
    db: sqlite_utils.Database,
    article_id: int,
    values: Mapping[str, Any],
    keys: Iterable[str],
    changed: Collection[str],
) -> None:
    """Write what re-extracting an article's own capture gave, in place and without a new version (the
    page did not change, only what was read from it). ``values`` are column values (``stored_form``);
    ``changed`` names the fields that differ from the stored ones. No commit here."""
    db.table("articles").update(article_id, dict(values))
    if changed:
        add_keys(db, article_id, keys, kind="alias")
    index_article(db, article_id)  # a no-op unless the title or text changed (the trigger kept the old ones)


def mark_not_modified(db: sqlite_utils.Database, article_id: int) -> None:
    """A conditional re-fetch answered 304: the article was checked now and is unchanged."""
    with write_transaction(db):
        db.execute("update articles set fetched_at = ? where id = ?", [now_iso(), article_id])


def set_cluster(db: sqlite_utils.Database, article_ids: Iterable[int], cluster_id: int | None) -> None:
    """Put articles into a story cluster, or none (``pipelines.dedup.clusters`` decides; no commit here)."""
    db.conn.executemany(
        "update articles set cluster_id = ? where id = ?", [(cluster_id, a) for a in article_ids]
    )


def move_cluster_members(db: sqlite_utils.Database, from_clusters: Iterable[int], to_cluster: int) -> None:
    """Every member of ``from_clusters`` joins ``to_cluster`` (clusters merged; no commit here)."""
    db.conn.executemany(
        "update articles set cluster_id = ? where cluster_id = ?", [(to_cluster, c) for c in from_clusters]
    )


def set_capture_document(db: sqlite_utils.Database, capture_id: int, document: str) -> None:
    """How the spider described the input of a capture (JSON), so re-extraction can rebuild it; stored
    without the values the row's columns hold (``capture_document.compact``)."""
    # Read and compacted before the write lock is taken: a captures row's columns never change once written.
    columns = ", ".join(capture_document.ROW_COLUMNS)
    found = db.execute(f"select {columns} from captures where id = ?", [capture_id]).fetchone()
    if found is not None:
        row = dict(zip(capture_document.ROW_COLUMNS, found, strict=True))
        document = capture_document.compact(document, row) or document
    with write_transaction(db):
        db.execute("update captures set document = ? where id = ?", [document, capture_id])


def _capture_values(capture: Mapping[str, Any]) -> dict[str, Any]:
    """A captures row as written: headers as JSON, the document without what the columns hold."""
    values = dict(capture)
    if isinstance(values.get("headers"), Mapping):
        values["headers"] = json.dumps(dict(values["headers"]), ensure_ascii=False)
    if values.get("document") is not None:
        # A column left out of the insert is stored null.
        row = {column: values.get(column) for column in capture_document.ROW_COLUMNS}
        values["document"] = capture_document.compact(values["document"], row)
    return values


def save_capture(db: sqlite_utils.Database, capture: Mapping[str, Any]) -> int:
    values = _capture_values(capture)
    with write_transaction(db):
        return last_pk(db.table("captures").insert(values))


def save_captures(db: sqlite_utils.Database, rows: list[dict[str, Any]]) -> list[int]:
    """Insert a batch of captures rows (headers already JSON) in one transaction; returns their ids."""
    prepared = [_capture_values(values) for values in rows]  # outside the write lock
    with write_transaction(db):
        return [last_pk(db.table("captures").insert(values)) for values in prepared]


def warc_file_opened(db: sqlite_utils.Database, name: str, run_id: int | None) -> None:
    with write_transaction(db):
        db.table("warc_files").insert({"name": name, "run_id": run_id, "opened": now_iso()})


def warc_file_closed(
    db: sqlite_utils.Database, name: str, size: int, *, cut: int | None = None, problem: str | None = None
) -> None:
    """A WARC file closed by its writer, or found unclosed and checked (``cut`` bytes of a half-written
    record taken off its end, and why)."""
    values: dict[str, Any] = {"closed": now_iso(), "size": size}
    if cut is not None:
        values.update(cut=cut, problem=problem)
    with write_transaction(db):
        db.table("warc_files").update(name, values)


# --- Rows another archive already holds (``newsarchive merge``: pipelines.archive.merge) -------------------
# Merging copies what a shard stored rather than extracting it again; these write the rows as given. No
# commit here: the merge writes one shard in one transaction.


def insert_article_row(db: sqlite_utils.Database, values: Mapping[str, Any]) -> int:
    """Insert an article row as another archive stored it (its id kept unless another article here has
    it), with its search index row (under a search_rowid of this archive, not the other's). Returns the id it
    has here."""
    row = {**values, "search_rowid": None}
    if db.execute("select 1 from articles where id = ?", [row["id"]]).fetchone():
        row["id"] = _new_id(db, row.get("canonical_url") or row.get("url") or row["content_hash"])
    row["search_rowid"] = next_search_rowid(db)
    db.table("articles").insert(row)
    index_article(db, row["id"])
    return int(row["id"])


def update_article_row(
    db: sqlite_utils.Database, article_id: int, values: Mapping[str, Any], *, reindex: bool
) -> None:
    """Rewrite some columns of an article (its newer text from another archive, or when it was first seen
    and last fetched), re-indexing it when its title or text changed. Another archive's search_rowid is not
    copied: the row id in this archive's index stays."""
    row = {k: v for k, v in values.items() if k != "search_rowid"}
    db.table("articles").update(article_id, row)
    if reindex or {"title", "text"} & row.keys():
        index_article(db, article_id)


def insert_version_row(db: sqlite_utils.Database, values: Mapping[str, Any]) -> None:
    """Keep a text an article had (from another archive's versions, or its current text being replaced)."""
    db.table("article_versions").insert(dict(values))


def save_source_row(db: sqlite_utils.Database, values: Mapping[str, Any]) -> None:
    """A source as another archive recorded it: added when unknown here, else only its empty fields filled."""
    row = dict(values)
    stored = db.execute("select * from sources where key = ?", [row["key"]]).fetchone()
    if stored is None:
        db.table("sources").insert(row)
        return
    have = dict(
        zip([d[0] for d in db.execute("select * from sources limit 0").description], stored, strict=True)
    )
    missing = {k: v for k, v in row.items() if have.get(k) in (None, "") and v not in (None, "")}
    if missing:
        db.table("sources").update(row["key"], missing)


def save_redirect_row(db: sqlite_utils.Database, values: Mapping[str, Any]) -> None:
    """A redirect another archive saw: the latest target wins, first and last seen widened."""
    db.execute(
        "insert into redirects (from_url, to_url, status, first_seen, last_seen) values (?, ?, ?, ?, ?) "
        "on conflict (from_url) do update set "
        "to_url = iif(excluded.last_seen >= coalesce(last_seen, ''), excluded.to_url, to_url), "
        "status = iif(excluded.last_seen >= coalesce(last_seen, ''), excluded.status, status), "
        "first_seen = coalesce(min(first_seen, excluded.first_seen), first_seen, excluded.first_seen), "
        "last_seen = max(coalesce(last_seen, ''), coalesce(excluded.last_seen, ''))",
        [
            values["from_url"],
            values["to_url"],
            values.get("status"),
            values.get("first_seen"),
            values.get("last_seen"),
        ],
    )


def save_warc_file_row(db: sqlite_utils.Database, values: Mapping[str, Any]) -> None:
    """A WARC file another archive wrote (named as this archive finds it), added or brought up to date."""
    db.table("warc_files").upsert(dict(values), pk="name")
