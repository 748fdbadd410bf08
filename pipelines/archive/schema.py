"""The archive's schema, declared as data, and ``ensure_db_shape()`` which makes a database match it.

Running ``ensure_db_shape`` is always safe: it creates what is missing, adds columns that later versions
declare, and never drops stored data. What it rewrites is derived (the search index; the counts kept by
triggers, ``facet_counts``, rebuilt when damaged) or said again in a more compact form that reads back the
same (``captures.document``: ``capture_document``). New capabilities add tables and columns here.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from pipelines.archive import capture_document

log = logging.getLogger("newsarchive.archive")


@dataclass(frozen=True)
class Table:
    name: str
    columns: dict[str, Any]  # column -> Python type (str, int, float)
    pk: str
    not_null: frozenset[str] = frozenset()
    defaults: dict[str, Any] = field(default_factory=dict)
    foreign_keys: tuple[tuple[str, str, str], ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    unique_indexes: tuple[tuple[str, ...], ...] = ()


SOURCES = Table(
    "sources",
    {
        "key": str,  # short identifier, e.g. "ifeng-qingdao"; "seeds" for local documents without one
        "name": str,
        "region": str,
        "language": str,
        "timezone": str,
        "homepage": str,
        "kind": str,  # "site" (crawled) or "local" (documents read from disk)
        "config": str,  # JSON: the source definition as declared
        "added": str,
    },
    pk="key",
)

CRAWL_RUNS = Table(
    "crawl_runs",
    {
        "id": int,
        "kind": str,  # "ingest", "crawl", "reextract"
        "spider": str,
        "source": str,  # source key, or null when a run covers several
        "args": str,  # JSON: paths / start URLs / options of the run
        "started": str,
        "finished": str,
        "status": str,  # "running", "finished", "interrupted" (stopped by a signal), "killed" (died)
        "finish_reason": str,  # Scrapy's close reason
        "inputs": int,  # files read or responses received
        "requests": int,
        "new": int,
        "updated": int,
        "unchanged": int,
        "duplicates": int,
        "failed": int,
        "skipped_known": int,  # article pages not fetched because the archive already holds them
        "dropped": str,  # JSON {reason: count}
        "responses_by_status": str,  # JSON {status: count}
        "stats": str,  # JSON of the crawler's stats
        "pid": int,  # the process running it, to tell a running run from a killed one
        "host": str,
    },
    pk="id",
    not_null=frozenset({"kind", "started", "status"}),
    defaults={"status": "running"},
    indexes=(("source", "started"), ("started",)),
)

CRAWL_ERRORS = Table(
    "crawl_errors",
    {"id": int, "run_id": int, "input": str, "stage": str, "reason": str, "at": str},
    pk="id",
    not_null=frozenset({"input", "reason", "at"}),
    foreign_keys=(("run_id", "crawl_runs", "id"),),
    indexes=(("run_id",),),
)

# One row per response or local document read: the raw bytes live in a WARC file (warc_* columns),
# so an article can always be re-extracted from exactly what was received.
CAPTURES = Table(
    "captures",
    {
        "id": int,
        "run_id": int,
        "url": str,  # the URL fetched, or a file: URI for a local document
        "path": str,  # local document path as given to the reader
        "fetched_at": str,
        "status": int,
        "content_type": str,
        "headers": str,  # JSON
        "digest": str,  # "sha256:<hex>" of the payload
        "length": int,
        "warc_file": str,
        "warc_offset": int,
        "warc_length": int,
        # The record (warc_file, warc_offset, warc_length) and the records written with it (the request, a
        # seed's sidecar) are contiguous: warc_group_length bytes from warc_offset, copied whole on export.
        "warc_group_length": int,
        "warc_type": str,  # "response", "revisit" (unchanged re-fetch: no second copy) or "resource" (seed)
        "warc_record_id": str,
        "revisit_of": int,  # for a revisit: the capture holding the payload
        "source": str,  # the crawled source's key (null for seed documents)
        # JSON: how the spider described the input (url, source, timezone, kind, aliases, ...), so that
        # re-extraction rebuilds exactly the document the crawl extracted. Without the values this row's
        # columns hold (the headers, the URL...): pipelines.archive.capture_document reads it back whole.
        "document": str,
    },
    pk="id",
    not_null=frozenset({"url", "fetched_at"}),
    foreign_keys=(("run_id", "crawl_runs", "id"),),
    indexes=(("url",), ("digest",), ("warc_file", "warc_offset"), ("fetched_at",)),
)

# The WARC files a run wrote: "closed" stays null until the writer closed the file cleanly, so the next run
# knows which files may end in a half-written record (see pipelines.warc.repair.check_tail).
WARC_FILES = Table(
    "warc_files",
    {
        "name": str,  # file name inside the WARC folder
        "run_id": int,
        "opened": str,
        "closed": str,
        "size": int,  # bytes, once closed
        "cut": int,  # bytes of a half-written record cut off its end by a later run
        "problem": str,  # damage found and left alone
    },
    pk="name",
    foreign_keys=(("run_id", "crawl_runs", "id"),),
)

ARTICLES = Table(
    "articles",
    {
        # Stable 52-bit integer from the canonical URL (or content for documents without one): it is the
        # rowid, so the FTS index stays aligned through VACUUM, and it survives JSON in JavaScript.
        "id": int,
        "url": str,
        "canonical_url": str,
        "source": str,
        "region": str,  # copied from the source so Datasette can facet on it
        "site_name": str,
        "section": str,
        "title": str,
        "original_title": str,
        "authors": str,  # JSON list of names
        "contributors": str,  # JSON list of {"name", "role"}
        "editor": str,
        "source_outlet": str,  # the outlet a repost credits ("来源：")
        "published": str,  # ISO 8601 with offset, or "2004", "2004-05", "2004-05-20": as the page states it
        "modified": str,
        "language": str,
        "summary": str,
        "text": str,
        "tags": str,  # JSON list
        "categories": str,  # JSON list
        "image": str,
        "images": str,  # JSON list
        "archived_by": str,  # who saved a local document (front matter "author")
        "char_count": int,
        "word_count": int,
        "content_hash": str,  # sha256 of the normalised text: exact duplicates share it
        "first_seen": str,
        "fetched_at": str,
        "last_changed": str,
        "version": int,
        "capture_id": int,
        "run_id": int,
        "cluster_id": int,  # near-duplicate story cluster (filled by deduplication)
        "extractor": str,
        "extractor_version": str,
        "encoding": str,
        "published_precision": str,  # how much of the date the page states: year, month, day, minute, second
        "published_utc": str,  # the published moment in UTC ("…Z"; a period's start): sorts across offsets
        "published_text": str,  # the date as the page wrote it
        "extraction_flags": str,  # JSON list of what looks wrong (pipelines.extract.flags.FLAGS)
        # The article's row id in the search index (articles_bigrams): 1, 2, 3... in the order articles
        # were stored, allocated by pipelines.archive.store. Not the id: FTS5 stores each match's row id as
        # a delta from the previous one, 1-2 bytes for dense ids against 5-6 for 52-bit hashes.
        "search_rowid": int,
    },
    pk="id",
    not_null=frozenset({"text", "content_hash", "first_seen"}),
    defaults={"version": 1},
    foreign_keys=(
        ("source", "sources", "key"),
        ("capture_id", "captures", "id"),
        ("run_id", "crawl_runs", "id"),
    ),
    # (facet, published) pairs keep Datasette's faceted, newest-first pages off full table scans.
    indexes=(
        ("published",),
        ("source", "published"),
        ("region", "published"),
        ("section", "published"),
        # The reader lists articles newest first by published_utc (tables.yml sort_desc), filtered or not.
        ("published_utc",),
        ("source", "published_utc"),
        ("region", "published_utc"),
        ("section", "published_utc"),
        ("language",),
        ("content_hash",),
        ("cluster_id",),
        # Health looks at the last day and week of articles by first_seen: without this index it would read
        # every article (text included) each time.
        ("first_seen",),
        # The four facet columns together: the facets of a filtered page (publish/facets.py) can read this
        # narrow index, already grouped, instead of each matching row (the text is inline).
        ("source", "region", "section", "language", "published"),
        # The same looked up by the search index's row id: the facets of a search (publish/facets.py).
        ("search_rowid", "source", "region", "section", "language", "published"),
        # The health page counts each source's flagged articles from this index, not from the wide rows.
        ("source", "extraction_flags"),
    ),
    # A search maps the index's row ids to articles through this (publish/search.py).
    unique_indexes=(("search_rowid",),),
)

# Every key an article is known by: canonical URL, fetched URLs, redirects, local document paths and the
# URLs of exact duplicates. Looking a key up here is how a re-read or re-crawl finds its article.
ARTICLE_KEYS = Table(
    "article_keys",
    {"key": str, "article_id": int, "kind": str, "first_seen": str},
    pk="key",
    not_null=frozenset({"article_id", "kind"}),
    foreign_keys=(("article_id", "articles", "id"),),
    indexes=(("article_id",),),
)

# HTTP redirects seen while crawling (canonical URLs), so an old address maps to its article even when
# the crawler never needed to fetch the target through it.
REDIRECTS = Table(
    "redirects",
    {"from_url": str, "to_url": str, "status": int, "first_seen": str, "last_seen": str},
    pk="from_url",
    not_null=frozenset({"to_url"}),
    indexes=(("to_url",),),
)

# The text an article had before a later fetch changed it.
ARTICLE_VERSIONS = Table(
    "article_versions",
    {
        "id": int,
        "article_id": int,
        "version": int,
        "title": str,
        "text": str,
        "content_hash": str,
        "published": str,
        "modified": str,
        "fetched_at": str,
        "replaced_at": str,
        "capture_id": int,
    },
    pk="id",
    foreign_keys=(("article_id", "articles", "id"),),
    unique_indexes=(("article_id", "version"),),
)

# Story clusters (pipelines.dedup.clusters): copies of one story share articles.cluster_id, which is the id of
# the article that started the story; the representative is the copy the others name as the original, or
# the earliest published.
STORY_CLUSTERS = Table(
    "story_clusters",
    {
        "id": int,
        "representative_id": int,
        "title": str,  # the representative's title
        "size": int,  # articles in the cluster (exact copies are keys of an article, not counted)
        "sources": int,  # distinct sources among them
        "first_published": str,
        "last_published": str,
        "updated": str,
    },
    pk="id",
    indexes=(("size",), ("first_published",)),
)

# The near-duplicate LSH index (pipelines.dedup.near): one row per (band bucket, article), so a lookup
# is one indexed query whatever the archive's size. Derived data: rebuild_lsh_index() recreates it.
# A WITHOUT ROWID table keyed (bucket, article_id): one b-tree, read by lookups without a second seek, plus
# dedup_signatures, each article's MinHash signature in one row (504 bytes): its buckets, to find and drop
# its rows by primary key when its text changes (an (article_id) index did that at twice the size and twice
# the random page writes), and a similarity estimate that spares verifying unlikely candidates. A Table
# declaration cannot say WITHOUT ROWID, so this is SQL, run by pipelines.dedup.near.ensure_lsh_table (which
# also replaces the earlier layouts; the index is then rebuilt from articles).
DEDUP_LSH_SQL = (
    "CREATE TABLE IF NOT EXISTS [dedup_lsh] (bucket INTEGER NOT NULL, article_id INTEGER NOT NULL, "
    "PRIMARY KEY (bucket, article_id)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS [dedup_signatures] (article_id INTEGER PRIMARY KEY, signature BLOB NOT NULL)",
)

# How many different stories of a site showed a line (hash of site + folded line): lines in many are the
# site's template (footer, app promotion) and are ignored when comparing texts. Derived data as well.
DEDUP_LINES = Table("dedup_lines", {"hash": int, "site": str, "stories": int}, pk="hash")

# Parameters the LSH index was built with; a change of parameters rebuilds the index.
DEDUP_STATE = Table("dedup_state", {"key": str, "value": str}, pk="key")

# Pages a crawl took for articles (their URL matched an article pattern) that extraction rejected: a gazette
# resolution, a blog or forum page, a list page. Remembered with the reason, so the user sees what the archive
# skipped and why, and the next crawl treats them as known pages: not fetched before recheck_after, then with
# a conditional GET. Written by pipelines.archive.skipped only; read by pipelines.archive.lookup.skipped_page.
SKIPPED_PAGES = Table(
    "skipped_pages",
    {
        "id": int,
        "source": str,
        "url": str,  # the URL fetched (after redirects)
        "canonical_url": str,  # what a later request for the page is looked up by
        "reason": str,  # why extraction rejected it, as the crawl reported it
        "first_seen": str,
        "last_seen": str,  # last fetched and found not to be an article (a 304 included)
        "times_seen": int,
        "etag": str,  # validators of the last full response, for the conditional re-fetch
        "last_modified": str,
        "status": int,  # HTTP status of the last full response
        "capture_id": int,  # the capture (raw response) it was last read from
    },
    pk="id",
    not_null=frozenset({"canonical_url", "reason", "first_seen", "last_seen"}),
    defaults={"times_seen": 1},
    indexes=(("source", "last_seen"),),
    unique_indexes=(("canonical_url",),),
)

# Shards merged into this archive (``newsarchive merge``, pipelines/archive/merge.py): per shard, how far the
# last merge read it, so the next merge takes only what is new. Written by pipelines.archive.merge only.
MERGE_STATE = Table(
    "merge_state",
    {
        "shard": str,  # the shard database's absolute path
        "run_floor": int,  # shard crawl_runs from this id on are read again (the lowest still running)
        "last_capture": int,  # shard captures up to this id are merged
        "last_error": int,  # shard crawl_errors up to this id are merged
        "changed_mark": str,  # shard articles with last_changed (or keys with first_seen) from this are read
        "merged_at": str,
        "warc_location": str,  # the folder the merged captures of this shard point at
    },
    pk="shard",
)

# What a shard's rows became here: a shard's crawl_runs and captures ids are its own, so each gets a new id
# in the merged archive; an article that is an exact copy of another here maps to that one.
MERGED_IDS = Table(
    "merged_ids",
    {"id": int, "shard": str, "kind": str, "shard_id": int, "merged_id": int},
    pk="id",
    not_null=frozenset({"shard", "kind", "shard_id", "merged_id"}),
    unique_indexes=(("shard", "kind", "shard_id"),),
)

TABLES: tuple[Table, ...] = (
    SOURCES,
    CRAWL_RUNS,
    CRAWL_ERRORS,
    CAPTURES,
    WARC_FILES,
    ARTICLES,
    ARTICLE_KEYS,
    ARTICLE_VERSIONS,
    REDIRECTS,
    STORY_CLUSTERS,
    DEDUP_LINES,
    DEDUP_STATE,
    SKIPPED_PAGES,
    MERGE_STATE,
    MERGED_IDS,
)

# Stock FTS5 over text rewritten by search_text.index_text (CJK bigrams). Not named articles_fts: that is the
# name sqlite-utils gives an index of its own kind (the words as written, content read from articles), and its
# search, enable-fts and rebuild-fts took this one for it and failed.
#
# Contentless (content=''): FTS5 keeps no copy of the indexed text (the bigram form of every article: 6.6 KB
# an article that nothing read, snippets are made from articles.text), only the index and each row's column
# sizes (bm25 needs them). Its row ids are articles.search_rowid (dense, in the order articles were stored),
# not the 52-bit ids. A contentless row can only be removed by FTS5's 'delete' command given the exact values
# it was indexed with (SQLite 3.40 has no contentless_delete), so pipelines.archive.store writes the index
# (index_article), and for any other writer the triggers below keep the title and text an entry was indexed
# with until store.sync_search_index removes it (run by ensure_db_shape, i.e. at the next opening).
FTS_TABLE = "articles_bigrams"
OLD_FTS_TABLE = "articles_fts"  # its name in archives made before 2026-12, renamed when they are opened
#
# Text before title: FTS5 writes each match's positions per column, and a column other than the first costs
# two bytes more (a marker and the column's number) in every (term, article) entry. Nearly all of an
# article's terms are in its text only, so text first makes the index ~30 % smaller (1.4 KB an article) than
# title first; every query and bm25 score is the same (columns are named in queries, and BM25_SQL gives the
# weights in this order). Changing the order rebuilds the index (ensure_search_index).
FTS_COLUMNS = ("text", "title")
FTS_SQL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS [{FTS_TABLE}] USING fts5("
    f"{', '.join(FTS_COLUMNS)}, content='', tokenize = 'unicode61 remove_diacritics 2')"
)
# The ranked search's score: bm25 with the title weighted 5 to the text's 1 (bm25 takes the weights in the
# index's column order).
_BM25_WEIGHTS = {"title": 5.0, "text": 1.0}
BM25_SQL = f"bm25([{FTS_TABLE}], {', '.join(str(_BM25_WEIGHTS[c]) for c in FTS_COLUMNS)})"
# FTS5's table of each row's column sizes: its ids are exactly the row ids in the index.
FTS_DOCSIZE = f"{FTS_TABLE}_docsize"
# The ids of the articles matching an FTS5 query (``search_text.match_query``), in the order they were stored.
SEARCH_IDS_SQL = (
    f"select id from articles where search_rowid in "
    f"(select rowid from [{FTS_TABLE}] where [{FTS_TABLE}] match ?) order by search_rowid"
)

# Index entries waiting to be removed: the title and text an entry was indexed with, kept by the triggers when
# an article is deleted or its title, text or search_rowid changed by another writer than store.py (a sqlite3
# shell). A search never shows such an article (matches are joined by search_rowid, and a deleted article has
# no row); a count taken from the index alone (publish/search.py) is only used while this table is empty.
SEARCH_PENDING = Table(
    "articles_bigrams_pending",
    {"search_rowid": int, "article_id": int, "title": str, "text": str},
    pk="search_rowid",
)
# Plain SQL only (no custom functions), so a delete or update from a sqlite3 shell keeps the index exact. OR
# IGNORE: the first values kept are the ones indexed (a second change before the sync was never indexed).
_KEEP_INDEXED = (
    f"INSERT OR IGNORE INTO [{SEARCH_PENDING.name}] (search_rowid, article_id, title, text) "
    "VALUES (old.search_rowid, old.id, old.title, old.text)"
)
TRIGGERS = {
    f"{FTS_TABLE}_delete": (
        f"CREATE TRIGGER IF NOT EXISTS [{FTS_TABLE}_delete] AFTER DELETE ON [articles] "
        f"WHEN old.search_rowid IS NOT NULL BEGIN {_KEEP_INDEXED}; END"
    ),
    f"{FTS_TABLE}_update": (
        f"CREATE TRIGGER IF NOT EXISTS [{FTS_TABLE}_update] AFTER UPDATE OF title, text, search_rowid "
        "ON [articles] WHEN old.search_rowid IS NOT NULL AND (old.title IS NOT new.title "
        f"OR old.text IS NOT new.text OR old.search_rowid IS NOT new.search_rowid) BEGIN {_KEEP_INDEXED}; END"
    ),
}


def _same_sql(stored: str | None, declared: str) -> bool:
    # sqlite_master keeps a statement as written, less its IF NOT EXISTS.
    return "".join((stored or "").split()) == "".join(declared.replace(" IF NOT EXISTS", "").split())


def _is_contentless(sql: str | None) -> bool:
    """Whether an FTS5 declaration stores no content (content=''): an index whose row ids are search_rowid."""
    return "content=''" in "".join((sql or "").split()).lower()


def search_index_is_current(db: sqlite_utils.Database) -> bool:
    """Whether the search index, its table of pending removals and its triggers are as declared."""
    names = [FTS_TABLE, SEARCH_PENDING.name, *TRIGGERS]
    marks = ", ".join("?" for _ in names)
    stored = dict(
        db.execute(f"select name, sql from sqlite_master where name in ({marks})", names).fetchall()
    )
    if not _same_sql(stored.get(FTS_TABLE), FTS_SQL) or SEARCH_PENDING.name not in stored:
        return False
    return all(_same_sql(stored.get(name), sql) for name, sql in TRIGGERS.items())


def search_index_is_up_to_date(db: sqlite_utils.Database) -> bool:
    """Whether :func:`ensure_search_index` has nothing to do: the index as declared, no removal pending."""
    from pipelines.archive import store  # it imports this module

    return search_index_is_current(db) and not store.search_index_needs_sync(db)


def ensure_search_index(db: sqlite_utils.Database) -> None:
    """Make the search index the declared one: created when missing; an index of the earlier layout (content
    stored, row ids = articles.id) replaced, every article numbered and indexed again, in one transaction (a
    killed upgrade leaves the archive as it was, and the next opening starts it again). Then the removals
    other writers left pending are made (``store.sync_search_index``). Safe to re-run; only reads when the
    index is up to date."""
    # store writes articles and the index (one module writes each table); imported here: it imports this.
    from pipelines.archive import store

    if search_index_is_up_to_date(db):
        return
    with store.write_transaction(db):
        # Checked again under the write lock: another process may have done it meanwhile.
        if not search_index_is_current(db):
            ensure_table(db, SEARCH_PENDING)
            for name in TRIGGERS:
                db.execute(f"DROP TRIGGER IF EXISTS [{name}]")
            fts = db.execute("select sql from sqlite_master where name = ?", [FTS_TABLE]).fetchone()
            if fts is None:
                db.execute(FTS_SQL)
            elif not _same_sql(fts[0], FTS_SQL):
                # Minutes to an hour on a large archive, once: say so, or the command opening it looks hung.
                count = db.execute("select count(*) from articles").fetchone()[0]
                log.warning(
                    "upgrading the search index of %s articles to the compact layout, once (roughly 5 "
                    "minutes per 100,000 articles on 2 cores; the archive stays as it was if stopped)",
                    f"{count:,}",
                )
                # An index that stores no content has its row ids in articles.search_rowid already: kept.
                store.rebuild_search_index(db, renumber=not _is_contentless(fts[0]))
            for sql in TRIGGERS.values():
                db.execute(sql)
        store.sync_search_index(db)


def rename_old_fts_table(db: sqlite_utils.Database) -> None:
    """An archive made when the bigram index was called articles_fts gets it renamed (its rows kept). A table
    of that name with a ``content=`` option is sqlite-utils' own kind (``enable-fts``): left alone."""
    row = db.execute("select sql from sqlite_master where name = ?", [OLD_FTS_TABLE]).fetchone()
    if row is None or db.table(FTS_TABLE).exists() or "content=" in "".join((row[0] or "").split()).lower():
        return
    db.execute(f"DROP TRIGGER IF EXISTS [{OLD_FTS_TABLE}_delete]")
    try:
        db.execute(f"ALTER TABLE [{OLD_FTS_TABLE}] RENAME TO [{FTS_TABLE}]")
    except sqlite3.OperationalError:
        if not db.table(FTS_TABLE).exists():
            raise
        # Another process opening the archive at the same moment renamed it first.


# Views hold no data, so they are recreated on every run and may change between versions.
VIEWS = {
    "recent_runs": """
        select id, kind, source, started, finished, status, finish_reason, inputs, new, updated,
               unchanged, duplicates, failed
        from crawl_runs order by started desc
    """,
    "articles_per_source": """
        select source, count(*) as articles, min(published) as earliest, max(published) as latest,
               max(fetched_at) as last_fetched
        from articles group by source order by articles desc
    """,
    # A story's copies: filter on cluster_id (Datasette: /archive/story_copies?cluster_id=N).
    "story_copies": """
        select a.cluster_id, a.id, a.title, a.source, a.site_name, a.source_outlet, a.original_title,
               a.url, a.published, a.first_seen, a.char_count, a.id = c.representative_id as representative
        from articles a left join story_clusters c on c.id = a.cluster_id
    """,
    "largest_clusters": """
        select c.id as cluster_id, c.size, c.sources, c.title, c.representative_id, a.source, a.url,
               c.first_published, c.last_published
        from story_clusters c left join articles a on a.id = c.representative_id
        where c.size > 1 order by c.size desc, c.first_published desc
    """,
    # Where an article's captures are: the one it was extracted from (current = 1), those of its earlier
    # versions, and every other fetch of its URLs (revisits, 304s, redirects). Filter on article_id.
    "article_captures": """
        select k.article_id, c.id as capture_id, c.fetched_at, c.url, c.status, c.warc_type,
               c.content_type, c.digest, c.warc_file, c.warc_offset, c.warc_length, c.revisit_of,
               c.id = a.capture_id as current
        from (
            select id as article_id, capture_id from articles where capture_id is not null
            union select article_id, capture_id from article_versions where capture_id is not null
            union select k.article_id, c.id from article_keys k join captures c on c.url = k.key
        ) k
        join captures c on c.id = k.capture_id
        join articles a on a.id = k.article_id
    """,
    # One row per replaced version: the text it had, the text that replaced it (the next version, or the
    # article as it is now) and whether the change came after the article's publication.
    "article_changes": """
        select v.article_id, a.title, a.source, a.url, a.published, v.version as old_version,
               coalesce(n.version, a.version) as new_version, v.fetched_at as old_fetched_at,
               v.replaced_at, v.title as old_title, coalesce(n.title, a.title) as new_title,
               v.content_hash != coalesce(n.content_hash, a.content_hash) as text_changed,
               a.published is not null and julianday(v.replaced_at) > julianday(a.published)
                   as changed_after_publication,
               v.text as old_text, coalesce(n.text, a.text) as new_text
        from article_versions v
        join articles a on a.id = v.article_id
        left join article_versions n on n.article_id = v.article_id and n.version = v.version + 1
        order by v.replaced_at desc
    """,
}


def ensure_table(db: sqlite_utils.Database, table: Table) -> None:
    existing = db.table(table.name)
    if not existing.exists():
        existing.create(
            table.columns,
            pk=table.pk,
            not_null=set(table.not_null),
            defaults=table.defaults,
            foreign_keys=list(table.foreign_keys),
        )
    else:
        have = set(existing.columns_dict)
        for column, column_type in table.columns.items():
            if column not in have:
                existing.add_column(column, column_type)
    for columns in table.indexes:
        existing.create_index(list(columns), if_not_exists=True)
    for columns in table.unique_indexes:
        existing.create_index(list(columns), unique=True, if_not_exists=True)


def ensure_db_shape(db: sqlite_utils.Database) -> None:
    """Create or upgrade every declared table, index, FTS table, trigger and view. Idempotent."""
    db.enable_wal()
    with db.conn:
        for table in TABLES:
            ensure_table(db, table)
        for old_index in capture_document.OLD_PENDING_INDEXES:
            db.execute(f"DROP INDEX IF EXISTS [{old_index}]")
        db.execute(capture_document.PENDING_INDEX_SQL)
        rename_old_fts_table(db)
        # A view is recreated only when its definition changed: dropping and creating it anyway bumps the
        # schema version, which made every other process's next opening shape the archive again (two crawl
        # processes took turns forever, each shaping a write transaction).
        existing = dict(db.execute("select name, sql from sqlite_master where type = 'view'").fetchall())
        for name, sql in VIEWS.items():
            create = f"CREATE VIEW [{name}] AS {sql.strip()}"
            if existing.get(name) == create:
                continue
            db.execute(f"DROP VIEW IF EXISTS [{name}]")
            db.execute(create)
    ensure_capture_documents(db)
    # After the tables' transaction: the search index is shaped in its own (BEGIN IMMEDIATE) transaction.
    ensure_search_index(db)
    # The facet counts kept by triggers (pipelines/archive/facet_counts.py, which imports this): created and
    # filled, or rebuilt when damaged, in their own transaction too.
    from pipelines.archive.facet_counts import ensure_facet_counts

    ensure_facet_counts(db)


def ensure_capture_documents(db: sqlite_utils.Database) -> None:
    """Documents of captures stored before they were kept compact (``capture_document``), or by a process
    running an earlier version, compacted in one transaction. Only reads (one indexed read) when none is."""
    from pipelines.archive import store  # store imports this module

    if not capture_document.needs_compacting(db):
        return
    with store.write_transaction(db):
        count = capture_document.compact_stored(db)
    if count > 1000:
        log.info("stored %s capture documents without the values their rows hold", f"{count:,}")


# The archives this process has shaped, with SQLite's schema version after it: a long-lived process (the
# scheduler's crawl process opens the archive several times per crawl, for many crawls at once) shapes a
# file once, not at every opening, where each shaping is a write transaction waiting for the write lock.
# Any schema change since (another process's shaping, a recreated file) changes the version: shaped again.
_SHAPED: dict[str, int] = {}
_SHAPING = threading.Lock()


def open_archive(path: str) -> sqlite_utils.Database:
    """Open (creating if needed) an archive database in WAL mode with the current schema."""
    db = sqlite_utils.Database(path)
    # Readers (Datasette) and a writer (a crawl) share the file: wait for locks instead of failing.
    db.execute("PRAGMA busy_timeout = 30000")
    db.execute("PRAGMA foreign_keys = ON")
    where = os.path.realpath(path) if path != ":memory:" else None
    with _SHAPING:  # two threads shaping at once fail ("view ... already exists")
        version = db.execute("PRAGMA schema_version").fetchone()[0]
        if where is None or _SHAPED.get(where) != version:
            ensure_db_shape(db)
            if where is not None:
                _SHAPED[where] = db.execute("PRAGMA schema_version").fetchone()[0]
        else:
            # Removals from the search index left by another writer (a sqlite3 shell's delete) change no
            # schema: looked for at every opening (two indexed reads; a write only when there are some).
            ensure_search_index(db)
    # In WAL mode NORMAL is crash-safe for the application (a killed crawl loses nothing committed); only an
    # OS crash or power cut can lose the last commits, which the next crawl fetches again. FULL costs an
    # fsync per commit: most of a crawl's storage time.
    db.execute("PRAGMA synchronous = NORMAL")
    return db


class ArchiveUnavailable(Exception):
    """The archive database cannot be used: its folder is missing, it is not a database, it is read-only."""


def check_archive(path: str, *, must_exist: bool = False) -> None:
    """Open the archive once (creating it unless ``must_exist``) with its schema brought up to date, so a
    command fails at once with one line (ArchiveUnavailable) instead of in the middle of its work."""
    target = Path(path)
    if must_exist and not target.exists():
        raise ArchiveUnavailable(f"{path} does not exist")
    if not target.parent.is_dir():
        raise ArchiveUnavailable(f"{path}: the folder {target.parent} does not exist")
    try:
        open_archive(path).close()
    except (sqlite3.Error, OSError) as exc:
        raise ArchiveUnavailable(f"{path}: cannot use it as the archive: {exc}") from None


# --- Scheduling and crawl health (pipelines.schedule.due, pipelines.schedule.health) ---------------------
# Thresholds of the health flags the source_health view shows; `newsarchive status` can override them.
DEFAULT_MAX_FAILURES = 3  # failed crawls in a row that flag a source
DEFAULT_USUAL_WEEKLY_NEW = 7  # a source with this many new articles in the week before the last day is
# "usually not at zero": no new article in the last day then flags it

# The health flags, defined here once: per flag, a condition and a message, SQL over a source_health row,
# with the thresholds written {max_failures} and {usual_weekly_new}. The view's flags column fills in the
# defaults; `newsarchive status` evaluates the same expressions with the user's thresholds (health_flags).
HEALTH_FLAGS = (
    ("consecutive_failures >= {max_failures}", "consecutive_failures || ' failed crawls in a row'"),
    (
        "new_1d = 0 and new_prev_7d >= {usual_weekly_new}",
        "'no new article in the last day (' || new_prev_7d || ' in the week before)'",
    ),
)


def _flag_columns(max_failures: int | str, usual_weekly_new: int | str) -> list[str]:
    """Per flag, an SQL expression that is its message when the flag holds and null otherwise."""
    limits = {"max_failures": max_failures, "usual_weekly_new": usual_weekly_new}
    return [f"case when {when.format(**limits)} then {message} end" for when, message in HEALTH_FLAGS]


def _flags_column(max_failures: int, usual_weekly_new: int) -> str:
    """The messages of the flags that hold, joined by "; " ('' for none): the view's flags column."""
    columns = _flag_columns(int(max_failures), int(usual_weekly_new))
    joined = "\n           || ".join(f"coalesce({column} || '; ', '')" for column in columns)
    return f"trim({joined}, '; ')"


def health_flags(row: Mapping[str, Any], max_failures: int, usual_weekly_new: int) -> list[str]:
    """The messages of the flags that hold for one source_health row under these thresholds: what the view's
    flags column holds for the default thresholds, as a list. Evaluated by SQLite, so it is the view's SQL."""
    # The row's columns as a one-row table (lists and other values the flags cannot read are left out).
    values = {name: value for name, value in row.items() if isinstance(value, int | float | str | None)}
    params: dict[str, Any] = {f"v{i}": value for i, value in enumerate(values.values())}
    params |= {"max_failures": max_failures, "usual_weekly_new": usual_weekly_new}
    columns = ", ".join(f":v{i} as [{name}]" for i, name in enumerate(values))
    flags = ", ".join(_flag_columns(":max_failures", ":usual_weekly_new"))
    with contextlib.closing(sqlite3.connect(":memory:")) as conn:
        found = conn.execute(f"select {flags} from (select {columns})", params).fetchone()
    return [message for message in found if message is not None]


# A successful response: 2xx, or 304 (a conditional re-fetch found the article unchanged).
_GOOD_RESPONSES = """exists (
    select 1 from json_each(case when json_valid(r.responses_by_status) then r.responses_by_status
                                 else '{}' end)
    where key = '304' or cast(key as integer) between 200 and 299)"""
_STORED = (
    "coalesce(r.new, 0) + coalesce(r.updated, 0) + coalesce(r.unchanged, 0) + coalesce(r.duplicates, 0)"
    " + coalesce(r.skipped_known, 0)"
)

VIEWS["crawl_outcomes"] = f"""
    select r.id, r.source, r.started, r.finished, r.status, r.finish_reason, r.new, r.updated, r.unchanged,
           r.failed, r.responses_by_status,
           case
               when r.status in ('running', 'interrupted') then r.status
               when r.status = 'finished' and not {_GOOD_RESPONSES} then 'failure'
               when r.status = 'finished' and {_STORED} = 0 and coalesce(r.failed, 0) > 0 then 'failure'
               when r.status = 'finished' then 'success'
               else 'failure'
           end as outcome,
           case
               when r.status in ('running', 'interrupted', 'finished') and {_GOOD_RESPONSES}
                    and not ({_STORED} = 0 and coalesce(r.failed, 0) > 0) then null
               when r.status in ('running', 'interrupted') then null
               when r.status = 'killed' then 'the crawl process died'
               when r.status = 'finished' and not {_GOOD_RESPONSES} then
                   'no page fetched successfully (responses: '
                   || coalesce(nullif(r.responses_by_status, '{{}}'), 'none') || ')'
               when r.status = 'finished' then r.failed || ' pages failed and nothing was stored'
               else 'status ' || coalesce(r.status, 'unknown')
           end as problem
    from crawl_runs r
    where r.kind = 'crawl' and r.source is not null
"""

# Each source's articles first seen in the last week: counts and the shares with a date, an author and a body.
# A CTE named "week", shared by source_health and the local sources' rows (LOCAL_SOURCES_SQL).
_RECENT_WEEK = """week as (
        select source, count(*) as new_7d,
               sum(first_seen >= strftime('%Y-%m-%dT%H:%M:%S', 'now', '-1 day')) as new_1d,
               avg(published is not null and published != '') as dated_share,
               avg(authors is not null and authors not in ('', '[]', 'null')) as author_share,
               avg(coalesce(char_count, length(text)) > 200) as body_share
        from articles
        where first_seen >= strftime('%Y-%m-%dT%H:%M:%S', 'now', '-7 days')
        group by +source  -- "+": group after the first_seen range scan, not by scanning the source index
    )"""

# One row per crawled source. Failure of a run: see crawl_outcomes (killed, no successful response at all,
# or failures and nothing stored). Interrupted runs neither count as failures nor end a failure streak.
VIEWS["source_health"] = f"""
    with keys as (
        select key as source from sources where kind = 'site'
        union select source from crawl_outcomes
    ),
    {_RECENT_WEEK},
    before as (
        select source, count(*) as new_prev_7d
        from articles
        where first_seen >= strftime('%Y-%m-%dT%H:%M:%S', 'now', '-8 days')
          and first_seen < strftime('%Y-%m-%dT%H:%M:%S', 'now', '-1 day')
        group by +source
    ),
    health as materialized (  -- computed once, not again for each use in flags
        select k.source,
               (select name from sources where key = k.source) as name,
               (select started from crawl_outcomes o where o.source = k.source
                order by started desc, id desc limit 1) as last_run,
               (select outcome from crawl_outcomes o where o.source = k.source
                order by started desc, id desc limit 1) as last_outcome,
               (select max(started) from crawl_outcomes o where o.source = k.source
                and outcome = 'success') as last_success,
               (select count(*) from crawl_outcomes o where o.source = k.source and outcome = 'failure'
                and started > coalesce((select max(started) from crawl_outcomes s
                                        where s.source = k.source and s.outcome = 'success'), ''))
                   as consecutive_failures,
               coalesce(w.new_1d, 0) as new_1d,
               coalesce(w.new_7d, 0) as new_7d,
               coalesce(b.new_prev_7d, 0) as new_prev_7d,
               round(w.dated_share, 3) as dated_share,
               round(w.author_share, 3) as author_share,
               round(w.body_share, 3) as body_share,
               (select count(*) from skipped_pages p where p.source = k.source) as skipped_pages,
               (select problem from crawl_outcomes o where o.source = k.source and outcome = 'failure'
                order by started desc, id desc limit 1) as last_problem,
               (select e.at || ' ' || e.input || ': ' || e.reason from crawl_errors e
                where e.run_id = (select max(x.run_id) from crawl_errors x
                                  join crawl_runs r on r.id = x.run_id where r.source = k.source)
                order by e.id desc limit 1) as last_error
        from keys k
        left join week w on w.source = k.source
        left join before b on b.source = k.source
    )
    select *, {_flags_column(DEFAULT_MAX_FAILURES, DEFAULT_USUAL_WEEKLY_NEW)} as flags
    from health
    order by flags = '', source
"""


# Sources that are not crawled (``seeds``: documents read by ``newsarchive ingest``) are listed too, with
# their articles and the last ingest; never flagged (ingest reports its failures itself, exit status 1).
LOCAL_SOURCES_SQL = f"""
    with {_RECENT_WEEK},
    ingest as (
        select started, status from crawl_runs where kind = 'ingest' order by started desc, id desc limit 1
    )
    select s.key as source, s.name,
           (select started from ingest) as last_run,
           (select 'ingest ' || status from ingest) as last_outcome,
           (select max(started) from crawl_runs where kind = 'ingest' and status = 'finished')
               as last_success,
           0 as consecutive_failures,
           coalesce(w.new_1d, 0) as new_1d, coalesce(w.new_7d, 0) as new_7d, 0 as new_prev_7d,
           round(w.dated_share, 3) as dated_share, round(w.author_share, 3) as author_share,
           round(w.body_share, 3) as body_share,
           (select count(*) from skipped_pages p where p.source = s.key) as skipped_pages,
           null as last_problem
    from sources s left join week w on w.source = s.key
    where s.kind = 'local'
"""
