"""The pages a crawl took for articles that were not: the one module that writes ``skipped_pages``.

A page whose URL matched a source's article pattern but which extraction rejected (a gazette resolution, a
blog or forum page, a list page, a page with no text) is remembered with the reason and the validators of the
response, so that the next crawl treats it like a known page (crawler.middlewares.KnownArticlesMiddleware:
not fetched again before ``recheck_after``, then with a conditional GET, a 304 keeping it skipped) and the
reader can see what the archive skipped and why. A page that later extracts as an article leaves the table.
Reads are in ``pipelines.archive.lookup`` (``skipped_page``); the counts per source in the ``source_health``
view (``pipelines.archive.schema``).

Files given to ``newsarchive ingest`` are not recorded here: the user named each of them, a rejected one is a
failure of that run (exit status 1, ``crawl_errors``), and reading it again costs no request to anyone, so
the next ingest should try it again rather than skip it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import sqlite_utils

from pipelines.archive.store import now_iso, write_transaction


@dataclass(frozen=True)
class SkippedPage:
    """A fetched page that is not an article, as a crawl found it."""

    canonical_url: str  # what a later request for the page is looked up by
    reason: str  # why extraction rejected it
    url: str | None = None  # the URL fetched (after redirects)
    source: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    status: int | None = None
    capture_id: int | None = None


def record_skipped(db: sqlite_utils.Database, page: SkippedPage, *, now: str | None = None) -> None:
    """Remember a page that is not an article; one seen before counts one more sighting and takes the newest
    response's reason, validators and capture (a validator the new response lacks is not kept: sending an old
    one back would ask about a version the server no longer describes)."""
    seen = now or now_iso()
    with write_transaction(db):
        db.execute(
            "insert into skipped_pages (source, url, canonical_url, reason, first_seen, last_seen,"
            " times_seen, etag, last_modified, status, capture_id) values (?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?) "
            "on conflict (canonical_url) do update set source = coalesce(excluded.source, source),"
            " url = coalesce(excluded.url, url), reason = excluded.reason, last_seen = excluded.last_seen,"
            " times_seen = coalesce(times_seen, 0) + 1, etag = excluded.etag,"
            " last_modified = excluded.last_modified, status = excluded.status,"
            " capture_id = coalesce(excluded.capture_id, capture_id)",
            [
                page.source,
                page.url,
                page.canonical_url,
                page.reason,
                seen,
                seen,
                page.etag,
                page.last_modified,
                page.status,
                page.capture_id,
            ],
        )


def mark_skipped_not_modified(
    db: sqlite_utils.Database, canonical_url: str, *, now: str | None = None
) -> None:
    """A conditional re-fetch of a skipped page answered 304: still the page that was not an article."""
    with write_transaction(db):
        db.execute(
            "update skipped_pages set last_seen = ?, times_seen = coalesce(times_seen, 0) + 1 "
            "where canonical_url = ?",
            [now or now_iso(), canonical_url],
        )


def forget_skipped(db: sqlite_utils.Database, keys: Iterable[str]) -> int:
    """A page now stored as an article (or as an exact copy of one) leaves the table; how many rows left."""
    wanted = sorted({key for key in keys if key})
    if not wanted:
        return 0
    marks = ", ".join("?" for _ in wanted)
    with write_transaction(db):
        cursor = db.execute(f"delete from skipped_pages where canonical_url in ({marks})", wanted)
        return max(cursor.rowcount, 0)


def merge_skipped_row(db: sqlite_utils.Database, row: dict[str, object]) -> None:
    """A shard's skipped page (``newsarchive merge``): the newer sighting's reason and validators win; the
    larger count of sightings is kept, so merging again changes nothing. Pages the archive stores as
    articles are dropped afterwards by ``forget_stored``."""
    key = row["canonical_url"]
    with write_transaction(db):
        db.execute(
            "insert into skipped_pages (source, url, canonical_url, reason, first_seen, last_seen,"
            " times_seen, etag, last_modified, status, capture_id) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "on conflict (canonical_url) do update set"
            " first_seen = min(first_seen, excluded.first_seen),"
            " times_seen = max(coalesce(times_seen, 0), coalesce(excluded.times_seen, 0)),"
            " source = iif(excluded.last_seen >= last_seen, excluded.source, source),"
            " url = iif(excluded.last_seen >= last_seen, excluded.url, url),"
            " reason = iif(excluded.last_seen >= last_seen, excluded.reason, reason),"
            " etag = iif(excluded.last_seen >= last_seen, excluded.etag, etag),"
            " last_modified = iif(excluded.last_seen >= last_seen, excluded.last_modified, last_modified),"
            " status = iif(excluded.last_seen >= last_seen, excluded.status, status),"
            " capture_id = iif(excluded.last_seen >= last_seen, excluded.capture_id, capture_id),"
            " last_seen = max(last_seen, excluded.last_seen)",
            [
                row.get("source"),
                row.get("url"),
                key,
                row["reason"],
                row["first_seen"],
                row["last_seen"],
                row.get("times_seen") or 1,
                row.get("etag"),
                row.get("last_modified"),
                row.get("status"),
                row.get("capture_id"),
            ],
        )


def forget_stored(db: sqlite_utils.Database) -> int:
    """Pages the archive now stores as articles leave the table (after a merge brought their articles in)."""
    with write_transaction(db):
        cursor = db.execute("delete from skipped_pages where canonical_url in (select key from article_keys)")
        return max(cursor.rowcount, 0)
