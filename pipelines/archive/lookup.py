"""Reading the archive: which article a URL or text is, what a re-crawl needs to know of a known page, and
the articles or captures a command selects. Writes are in ``pipelines.archive.store`` and
``pipelines.archive.runs``; this module only reads.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import sqlite_utils


def find_article_by_keys(db: sqlite_utils.Database, keys: Iterable[str]) -> int | None:
    for key in keys:
        row = db.execute("select article_id from article_keys where key = ?", [key]).fetchone()
        if row:
            return int(row[0])
    return None


def find_article_by_content(
    db: sqlite_utils.Database, content_hash: str, *, exclude: int | None = None
) -> int | None:
    """The first stored article (by first_seen, then id) with this normalised text, other than ``exclude``."""
    row = db.execute(
        "select id from articles where content_hash = ? and id is not ? order by first_seen, id limit 1",
        [content_hash, exclude],
    ).fetchone()
    return int(row[0]) if row else None


def resolve_redirects(db: sqlite_utils.Database, url: str, *, max_hops: int = 10) -> str:
    """Where ``url`` ends up after the redirects seen so far (itself when it never redirected)."""
    seen = {url}
    for _ in range(max_hops):
        row = db.execute("select to_url from redirects where from_url = ?", [url]).fetchone()
        if not row or row[0] in seen:
            break
        url = row[0]
        seen.add(url)
    return url


def redirect_sources(db: sqlite_utils.Database, urls: Iterable[str]) -> list[str]:
    """Every URL seen redirecting (directly or through others) to one of ``urls``."""
    found: list[str] = []
    frontier = list(urls)
    while frontier:
        url = frontier.pop()
        for (source,) in db.execute("select from_url from redirects where to_url = ?", [url]).fetchall():
            if source not in found:
                found.append(source)
                frontier.append(source)
    return found


@dataclass(frozen=True)
class KnownArticle:
    """What a re-crawl needs of a stored article: when it was fetched and the validators it was sent."""

    id: int
    fetched_at: str | None
    headers: dict[str, str]


def known_article(db: sqlite_utils.Database, keys: Sequence[str]) -> KnownArticle | None:
    article_id = find_article_by_keys(db, keys)
    if article_id is None:
        return None
    row = db.execute(
        "select a.id, a.fetched_at, c.headers from articles a "
        "left join captures c on c.id = a.capture_id where a.id = ?",
        [article_id],
    ).fetchone()
    return KnownArticle(row[0], row[1], json.loads(row[2] or "{}")) if row else None


@dataclass(frozen=True)
class KnownSkipped:
    """What a re-crawl needs of a page remembered as not an article (``skipped_pages``)."""

    canonical_url: str
    reason: str
    last_seen: str
    etag: str | None
    last_modified: str | None


def skipped_page(db: sqlite_utils.Database, keys: Sequence[str]) -> KnownSkipped | None:
    """The first of ``keys`` (canonical URLs) recorded as a page that is not an article."""
    for key in dict.fromkeys(k for k in keys if k):
        row = db.execute(
            "select canonical_url, reason, last_seen, etag, last_modified from skipped_pages "
            "where canonical_url = ?",
            [key],
        ).fetchone()
        if row:
            return KnownSkipped(*row)
    return None


def capture_with_digest(db: sqlite_utils.Database, url: str, digest: str) -> int | None:
    """The latest capture of exactly these bytes at ``url``, if any."""
    row = db.execute(
        "select id from captures where url = ? and digest = ? order by id desc limit 1", [url, digest]
    ).fetchone()
    return int(row[0]) if row else None


def capture_row(db: sqlite_utils.Database, capture_id: int) -> dict[str, Any] | None:
    cursor = db.execute("select * from captures where id = ?", [capture_id])
    row = cursor.fetchone()
    return dict(zip([d[0] for d in cursor.description], row, strict=True)) if row else None


@dataclass(frozen=True)
class Original:
    """The capture holding the payload a revisit stands for."""

    id: int
    url: str
    fetched_at: str
    record_id: str
    digest: str | None
    content_type: str | None
    # Where its record is: a revisit after a 304 repeats the original's HTTP headers, read from there.
    warc_file: str | None = None
    warc_offset: int | None = None
    warc_length: int | None = None


def revisit_original(
    db: sqlite_utils.Database, url: str, digest: str, *, not_modified: bool
) -> Original | None:
    """The capture a revisit of ``url`` points at: after a 304, the last one with a payload; otherwise
    the last one, when its payload digest is ``digest``."""
    row = db.execute(
        "select id, digest, revisit_of from captures where url = ? and warc_file is not null "
        "and coalesce(status, 0) != 304 order by id desc limit 1",
        [url],
    ).fetchone()
    if row is None or (not not_modified and row[1] != digest):
        return None
    original = db.execute(
        "select id, url, fetched_at, warc_record_id, digest, content_type, warc_file, warc_offset, "
        "warc_length from captures where id = ?",
        [row[2] or row[0]],
    ).fetchone()
    return Original(*original) if original and original[3] else None


def unclosed_warc_files(db: sqlite_utils.Database) -> list[tuple[str, int]]:
    """The WARC files no writer closed cleanly, each with where its last indexed record group ends."""
    return [
        (name, int(end or 0))
        for name, end in db.execute(
            "select f.name, (select max(c.warc_offset + coalesce(c.warc_group_length, c.warc_length)) "
            "from captures c where c.warc_file = f.name) from warc_files f where f.closed is null"
        ).fetchall()
    ]


# -- what a command works on ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Part of the archive a command works on (``reextract``, ``export-warc``): one source's articles
    and/or the captures made in a window of time. Times are UTC ISO 8601; ``until`` is exclusive."""

    source: str | None = None
    since: str | None = None
    until: str | None = None

    def time_clauses(self, fetched_at: str) -> tuple[list[str], list[Any]]:
        """SQL conditions (and their parameters) on a capture-time column for the window."""
        where, params = [], []
        if self.since:
            where.append(f"julianday({fetched_at}) >= julianday(?)")
            params.append(self.since)
        if self.until:
            where.append(f"julianday({fetched_at}) < julianday(?)")
            params.append(self.until)
        return where, params


def select_articles(
    db: sqlite_utils.Database, selection: Selection, columns: Sequence[str]
) -> list[dict[str, Any]]:
    """The selected articles (``columns`` of ``articles``, plus their capture's ``warc_file``), by id.
    An article is in the window when the capture it was extracted from is."""
    where, params = ["1 = 1"], []
    if selection.source:
        where.append("a.source = ?")
        params.append(selection.source)
    times, time_params = selection.time_clauses("c.fetched_at")
    where += times
    params += time_params
    listed = ", ".join(f"a.[{c}]" for c in dict.fromkeys(columns))
    cursor = db.execute(
        f"select {listed}, c.warc_file from articles a left join captures c on c.id = a.capture_id "
        f"where {' and '.join(where)} order by a.id",
        params,
    )
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def select_capture_groups(db: sqlite_utils.Database, selection: Selection) -> list[tuple[int, str, int, int]]:
    """(capture id, file, offset, group length) of the selected captures and of the captures their
    revisits point at, in archive order. A source's captures are its own and those its articles (and
    their earlier versions) were extracted from."""
    where, params = ["c.warc_file is not null"], []
    if selection.source:
        where.append(
            "(c.source = ? or c.id in (select capture_id from articles where source = ?) or c.id in "
            "(select v.capture_id from article_versions v join articles a on a.id = v.article_id "
            "where a.source = ?))"
        )
        params += [selection.source] * 3
    times, time_params = selection.time_clauses("c.fetched_at")
    where += times
    params += time_params
    selected = f"select c.id from captures c where {' and '.join(where)}"
    rows = db.execute(
        "select id, warc_file, warc_offset, coalesce(warc_group_length, warc_length) from captures "
        f"where id in ({selected}) or id in (select revisit_of from captures where id in ({selected})) "
        "order by warc_file, warc_offset",
        params * 2,
    ).fetchall()
    return [(int(r[0]), str(r[1]), int(r[2]), int(r[3])) for r in rows]


def source_keys(db: sqlite_utils.Database) -> list[str]:
    """Every source the archive knows: recorded in ``sources`` or credited by an article."""
    rows = db.execute(
        "select key from sources union select distinct source from articles where source is not null"
    )
    return sorted(str(row[0]) for row in rows.fetchall())
