"""The archive's schema, declared as data, and ``ensure_db_shape()`` which makes a database match it.

Running ``ensure_db_shape`` is always safe: it creates what is missing, adds columns that later versions
declare, and never drops or rewrites stored data. New capabilities add tables and columns here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import sqlite_utils


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
    },
    pk="id",
    not_null=frozenset({"url", "fetched_at"}),
    foreign_keys=(("run_id", "crawl_runs", "id"),),
    indexes=(("url",), ("digest",)),
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
        "published": str,  # ISO 8601 with offset
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
    },
    pk="id",
    not_null=frozenset({"text", "content_hash", "first_seen"}),
    defaults={"version": 1},
    foreign_keys=(
        ("source", "sources", "key"),
        ("capture_id", "captures", "id"),
        ("run_id", "crawl_runs", "id"),
    ),
    indexes=(("published",), ("source", "published"), ("content_hash",), ("cluster_id",), ("language",)),
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

# Story clusters (pipelines.clusters): copies of one story share articles.cluster_id, which is the id of
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

# The near-duplicate LSH index (pipelines.near_duplicates): one row per (band bucket, article), so a lookup
# is one indexed query whatever the archive's size. Derived data: rebuild_lsh_index() recreates it.
DEDUP_LSH = Table(
    "dedup_lsh",
    {"id": int, "bucket": int, "article_id": int},
    pk="id",
    not_null=frozenset({"bucket", "article_id"}),
    indexes=(("bucket",), ("article_id",)),
)

# How many different stories of a site showed a line (hash of site + folded line): lines in many are the
# site's template (footer, app promotion) and are ignored when comparing texts. Derived data as well.
DEDUP_LINES = Table("dedup_lines", {"hash": int, "site": str, "stories": int}, pk="hash")

# Parameters the LSH index was built with; a change of parameters rebuilds the index.
DEDUP_STATE = Table("dedup_state", {"key": str, "value": str}, pk="key")

TABLES: tuple[Table, ...] = (
    SOURCES,
    CRAWL_RUNS,
    CRAWL_ERRORS,
    CAPTURES,
    ARTICLES,
    ARTICLE_KEYS,
    ARTICLE_VERSIONS,
    REDIRECTS,
    STORY_CLUSTERS,
    DEDUP_LSH,
    DEDUP_LINES,
    DEDUP_STATE,
)

FTS_TABLE = "articles_fts"
# Stock FTS5 over text rewritten by pipelines.search_text.index_text (CJK bigrams), rowid = articles.id.
FTS_SQL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS [{FTS_TABLE}] USING fts5("
    "title, text, tokenize = 'unicode61 remove_diacritics 2')"
)
# Plain SQL only (no custom functions), so a delete from a sqlite3 shell keeps the index consistent.
TRIGGERS = {
    "articles_fts_delete": (
        "CREATE TRIGGER IF NOT EXISTS [articles_fts_delete] AFTER DELETE ON [articles] BEGIN "
        f"DELETE FROM [{FTS_TABLE}] WHERE rowid = old.id; END"
    ),
}

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
        db.execute(FTS_SQL)
        for sql in TRIGGERS.values():
            db.execute(sql)
        for name, sql in VIEWS.items():
            db.execute(f"DROP VIEW IF EXISTS [{name}]")
            db.execute(f"CREATE VIEW [{name}] AS {sql.strip()}")


def open_archive(path: str) -> sqlite_utils.Database:
    """Open (creating if needed) an archive database in WAL mode with the current schema."""
    db = sqlite_utils.Database(path)
    # Readers (Datasette) and a writer (a crawl) share the file: wait for locks instead of failing.
    db.execute("PRAGMA busy_timeout = 30000")
    db.execute("PRAGMA foreign_keys = ON")
    ensure_db_shape(db)
    return db
