"""Shard archives of crawl workers merged into one archive (``newsarchive merge``). No Scrapy here.

Each ``newsarchive worker`` crawls into its own shard (SQLite + WARC on its local disk). Merging reads each
shard from a consistent snapshot (``VACUUM INTO`` a temporary copy: one read transaction, so a worker may
keep writing) and copies what is new since that shard's last merge (``merge_state``) in one transaction:

- crawl runs (new ids here; a run still going at the last merge is brought up to date), their errors,
  captures (pointing at the shard's WARC files, where this archive finds them), WARC files, redirects and
  sources;
- articles, by the same identity a crawl uses: their keys (canonical URL, fetched URLs). Ids are unchanged
  (they derive from the canonical URL). An article another shard also stored is one article here: the newer
  text is current and the other kept as a version, as a re-crawl would; an article whose text exactly
  copies another one here becomes that one's keys (an exact duplicate), as a crawl would decide;
- then story clusters for the articles that are new or changed (``pipelines.dedup.clusters``).

Merging the same shard again without news changes nothing (ids already merged are looked up in
``merged_ids``), so a merge can run on a timer. Articles and their keys, versions and search index are
written through ``pipelines.archive.store``, runs through ``pipelines.archive.runs``; this module writes
only its own tables (``merge_state``, ``merged_ids``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlite_utils

from pipelines.archive import runs, skipped, store
from pipelines.archive.lookup import find_article_by_content, find_article_by_keys
from pipelines.archive.schema import ensure_db_shape, open_archive
from pipelines.dedup.clusters import CATCH_UP_BATCH, assign_clusters, ensure_clusters
from pipelines.dedup.exact import MIN_DUPLICATE_CHARS
from pipelines.dedup.near import tune_for_clustering
from pipelines.warc.records import default_warc_dir


class MergeError(Exception):
    """A shard cannot be merged: it is missing or not an archive. Names the shard."""


@dataclass
class MergeReport:
    shard: str
    runs: int = 0
    captures: int = 0
    errors: int = 0
    new: int = 0  # articles new here
    updated: int = 0  # articles here whose text the shard changed
    unchanged: int = 0  # articles here the shard holds with the same text
    duplicates: int = 0  # shard articles that exactly copy another article here: kept as its keys
    versions: int = 0
    keys: int = 0
    clustered: int = 0
    changed_ids: list[int] = field(default_factory=list, repr=False)

    def line(self) -> str:
        return (
            f"{self.shard}: {self.runs} runs, {self.captures} captures, {self.new} new articles, "
            f"{self.updated} updated, {self.unchanged} unchanged, {self.duplicates} exact duplicates"
        )


# --- reading a shard ------------------------------------------------------------------------------------


@contextlib.contextmanager
def snapshot(shard: str | os.PathLike[str]) -> Iterator[sqlite_utils.Database]:
    """A private copy of the shard as of one moment (``VACUUM INTO``, one read transaction: safe while a
    worker writes the shard), deleted afterwards."""
    path = Path(shard)
    if not path.is_file():
        raise MergeError(f"{shard}: no such shard archive")
    folder = tempfile.mkdtemp(prefix="newsarchive-merge-")
    copy = Path(folder) / "snapshot.db"
    try:
        try:
            with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as src:
                src.execute("PRAGMA busy_timeout = 30000")
                src.execute("VACUUM INTO ?", [str(copy)])
        except sqlite3.Error as exc:
            raise MergeError(f"{shard}: cannot read it as an archive: {exc}") from None
        db = sqlite_utils.Database(copy)
        try:
            ensure_db_shape(db)  # the copy only: a shard of an older version gets today's columns
            # A crawl that was killed on this host still says 'running' in its shard: say 'killed' in the copy
            # (runs of other hosts are left as their shard says).
            runs.mark_dead_runs(db)
            yield db
        finally:
            db.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _rows(db: sqlite_utils.Database, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
    cursor = db.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _columns(db: sqlite_utils.Database, table: str) -> list[str]:
    return [d[0] for d in db.execute(f"select * from [{table}] limit 0").description]


# --- this module's own tables -------------------------------------------------------------------------


@dataclass
class ShardState:
    shard: str
    run_floor: int = 0
    last_capture: int = 0
    last_error: int = 0
    changed_mark: str = ""
    warc_location: str | None = None


def shard_state(db: sqlite_utils.Database, shard: str) -> ShardState:
    row = db.execute(
        "select run_floor, last_capture, last_error, changed_mark, warc_location from merge_state "
        "where shard = ?",
        [shard],
    ).fetchone()
    if row is None:
        return ShardState(shard)
    return ShardState(shard, row[0] or 0, row[1] or 0, row[2] or 0, row[3] or "", row[4])


def _save_state(db: sqlite_utils.Database, state: ShardState) -> None:
    db.table("merge_state").upsert(
        {
            "shard": state.shard,
            "run_floor": state.run_floor,
            "last_capture": state.last_capture,
            "last_error": state.last_error,
            "changed_mark": state.changed_mark,
            "merged_at": store.now_iso(),
            "warc_location": state.warc_location,
        },
        pk="shard",
    )


class IdMap:
    """What a shard's ids of one kind (run, capture, article) became here, remembered in ``merged_ids``."""

    def __init__(self, db: sqlite_utils.Database, shard: str, kind: str) -> None:
        self.db, self.shard, self.kind = db, shard, kind
        self.known = {
            int(shard_id): int(merged_id)
            for shard_id, merged_id in db.execute(
                "select shard_id, merged_id from merged_ids where shard = ? and kind = ?", [shard, kind]
            ).fetchall()
        }

    def get(self, shard_id: int | None) -> int | None:
        """The id here, or None when unknown (an article that kept its id has no row: None too)."""
        return None if shard_id is None else self.known.get(int(shard_id))

    def set(self, shard_id: int, merged_id: int) -> None:
        if self.known.get(shard_id, None if self.kind != "article" else shard_id) == merged_id:
            return  # known already; an article keeping its id needs no row
        self.known[shard_id] = merged_id
        self.db.execute(
            "insert into merged_ids (shard, kind, shard_id, merged_id) values (?, ?, ?, ?) "
            "on conflict (shard, kind, shard_id) do update set merged_id = excluded.merged_id",
            [self.shard, self.kind, shard_id, merged_id],
        )


# --- merging ----------------------------------------------------------------------------------------------


def warc_location(shard: str, warc_root: str | None) -> str:
    """Where this archive finds a shard's WARC files: its own folder (``archive/warc`` beside the shard, as a
    worker writes them; right on the machine that holds it, or with shared storage mounted at the same path),
    or ``warc_root/<shard name>`` (the shard's WARC folder copied or mounted there)."""
    if warc_root:
        return str(Path(warc_root).resolve() / Path(shard).stem)
    return str(default_warc_dir(shard))


def merge_shards(into: str, shards: Sequence[str], *, warc_root: str | None = None) -> list[MergeReport]:
    """Merge each shard (what is new in it since its last merge) into the archive ``into``."""
    resolved = [str(Path(s).resolve()) for s in shards]
    if str(Path(into).resolve()) in resolved:
        raise MergeError(f"{into}: an archive cannot be merged into itself")
    db = open_archive(into)
    try:
        tune_for_clustering(db)
        ensure_clusters(db)  # articles an interrupted earlier merge left unclustered
        reports = []
        for shard in resolved:
            with snapshot(shard) as snap:
                reports.append(merge_one(db, snap, shard, warc_location(shard, warc_root)))
        return reports
    finally:
        db.close()


def merge_one(
    db: sqlite_utils.Database, shard_db: sqlite_utils.Database, shard: str, location: str
) -> MergeReport:
    """Merge one shard's snapshot into ``db``: everything new since its last merge in one transaction, then
    the clusters of the articles that changed."""
    report = MergeReport(shard)
    state = shard_state(db, shard)
    state.warc_location = location
    with store.write_transaction(db):
        run_ids = IdMap(db, shard, "run")
        capture_ids = IdMap(db, shard, "capture")
        article_ids = IdMap(db, shard, "article")
        for row in _rows(shard_db, "select * from sources order by key"):
            store.save_source_row(db, row)
        _merge_runs(db, shard_db, state, run_ids, report)
        # Only files their writer closed: an open one is still being written, and an archive lists its
        # unclosed files for repair (pipelines.warc.repair cuts a half-written tail): never a shard's.
        for row in _rows(shard_db, "select * from warc_files where closed is not null order by name"):
            store.save_warc_file_row(
                db, {**row, "name": _warc_name(location, row["name"]), "run_id": run_ids.get(row["run_id"])}
            )
        _merge_captures(db, shard_db, state, location, run_ids, capture_ids, report)
        for row in _rows(shard_db, "select * from crawl_errors where id > ? order by id", [state.last_error]):
            runs.save_error_row(db, {**row, "run_id": run_ids.get(row["run_id"])})
            state.last_error = max(state.last_error, int(row["id"]))
            report.errors += 1
        for row in _rows(shard_db, "select * from redirects order by from_url"):
            store.save_redirect_row(db, row)
        mark = _merge_articles(db, shard_db, state, run_ids, capture_ids, article_ids, report)
        _merge_new_keys(db, shard_db, state, article_ids, report)
        # Small (pages that are not articles), so read whole each time; a page another shard stores as an
        # article is not kept. Sightings of the same page in two shards: the larger count, not their sum,
        # so merging again changes nothing.
        skipped_rows = shard_db["skipped_pages"].exists()  # not in shards made before the table was
        for row in _rows(shard_db, "select * from skipped_pages order by id") if skipped_rows else []:
            row["capture_id"] = capture_ids.get(row["capture_id"])
            skipped.merge_skipped_row(db, row)
        skipped.forget_stored(db)  # pages this shard stores as articles, skipped by another
        state.changed_mark = mark
        _save_state(db, state)
    changed = list(dict.fromkeys(report.changed_ids))
    for start in range(0, len(changed), CATCH_UP_BATCH):
        results = assign_clusters(db, [(a, None) for a in changed[start : start + CATCH_UP_BATCH]])
        report.clustered += len(results)
    return report


def _warc_name(location: str, name: str | None) -> str | None:
    # An absolute path: readers join it to their WARC folder, and joining an absolute path gives the path.
    return None if name is None else str(Path(location) / name)


def _merge_runs(
    db: sqlite_utils.Database,
    shard_db: sqlite_utils.Database,
    state: ShardState,
    run_ids: IdMap,
    report: MergeReport,
) -> None:
    rows = _rows(shard_db, "select * from crawl_runs where id >= ? order by id", [state.run_floor])
    for row in rows:
        shard_id = int(row["id"])
        merged = runs.save_run_row(db, row, run_ids.get(shard_id))
        run_ids.set(shard_id, merged)
        report.runs += 1
    going = [int(r["id"]) for r in rows if r["status"] == "running"]
    highest = max((int(r["id"]) for r in rows), default=state.run_floor - 1)
    # Runs still going are read again next time; everything below the first of them is final.
    state.run_floor = min(going) if going else highest + 1


def _merge_captures(
    db: sqlite_utils.Database,
    shard_db: sqlite_utils.Database,
    state: ShardState,
    location: str,
    run_ids: IdMap,
    capture_ids: IdMap,
    report: MergeReport,
) -> None:
    rows = _rows(shard_db, "select * from captures where id > ? order by id", [state.last_capture])
    for row in rows:
        shard_id = int(row.pop("id"))
        row["run_id"] = run_ids.get(row["run_id"])
        row["revisit_of"] = capture_ids.get(row["revisit_of"])
        row["warc_file"] = _warc_name(location, row["warc_file"])
        [merged] = store.save_captures(db, [row])
        capture_ids.set(shard_id, merged)
        state.last_capture = shard_id
        report.captures += 1


def _versions(db: sqlite_utils.Database, article_id: int) -> list[dict[str, Any]]:
    return _rows(db, "select * from article_versions where article_id = ? order by version", [article_id])


def _merge_articles(
    db: sqlite_utils.Database,
    shard_db: sqlite_utils.Database,
    state: ShardState,
    run_ids: IdMap,
    capture_ids: IdMap,
    article_ids: IdMap,
    report: MergeReport,
) -> str:
    """Articles the shard changed since the last merge's mark (new ones too: their last_changed is when
    they were stored). Returns the next mark: the newest last_changed read (shard clock, so no skew)."""
    rows = _rows(
        shard_db,
        "select * from articles where coalesce(last_changed, first_seen) >= ? order by first_seen, id",
        [state.changed_mark],
    )
    mark = state.changed_mark
    for row in rows:
        mark = max(mark, str(row.get("last_changed") or row["first_seen"]))
        keys = _rows(shard_db, "select * from article_keys where article_id = ? order by key", [row["id"]])
        versions = _versions(shard_db, int(row["id"]))
        merge_article(db, row, keys, versions, run_ids, capture_ids, article_ids, report)
    return mark


def merge_article(
    db: sqlite_utils.Database,
    row: dict[str, Any],
    keys: list[dict[str, Any]],
    versions: list[dict[str, Any]],
    run_ids: IdMap,
    capture_ids: IdMap,
    article_ids: IdMap,
    report: MergeReport,
) -> int:
    """One shard article into the archive, by the rules a crawl of it here would follow; returns its id
    here."""
    shard_id = int(row["id"])
    values = {**row, "run_id": run_ids.get(row["run_id"]), "capture_id": capture_ids.get(row["capture_id"])}
    values["cluster_id"] = None
    key_names = [k["key"] for k in keys]
    here = article_ids.get(shard_id) or find_article_by_keys(db, key_names)
    if here is None and db.execute("select 1 from articles where id = ?", [shard_id]).fetchone():
        # The same id is the same canonical URL, even when the shard recorded it under other keys.
        same = db.execute("select canonical_url, url from articles where id = ?", [shard_id]).fetchone()
        if (same[0] or same[1]) == (row.get("canonical_url") or row.get("url")):
            here = shard_id
    if here is None:
        original = None
        if (row.get("char_count") or 0) >= MIN_DUPLICATE_CHARS:
            original = find_article_by_content(db, row["content_hash"])
        if original is not None:  # an exact copy of an article here: its keys, as a crawl would keep them
            store.add_keys(db, original, key_names, kind="duplicate")
            article_ids.set(shard_id, original)
            report.duplicates += 1
            return original
        here = store.insert_article_row(db, values)
        store.add_keys(db, here, key_names, kind="fetched")
        for version in versions:
            _insert_version(db, here, version, capture_ids, renumber=False)
            report.versions += 1
        article_ids.set(shard_id, here)
        report.new += 1
        report.changed_ids.append(here)
        return here

    article_ids.set(shard_id, here)
    for key in keys:
        store.add_keys(db, here, [key["key"]], kind=key.get("kind") or "alias")
    stored = _rows(db, "select * from articles where id = ?", [here])[0]
    known_hashes = {stored["content_hash"]} | {v["content_hash"] for v in _versions(db, here)}
    changed = False
    for version in versions:  # texts the shard saw that this archive did not
        if version["content_hash"] not in known_hashes:
            _insert_version(db, here, version, capture_ids, renumber=True)
            known_hashes.add(version["content_hash"])
            report.versions += 1
    seen = {
        "first_seen": min(str(stored["first_seen"]), str(row["first_seen"])),
        "fetched_at": max(str(stored["fetched_at"] or ""), str(row["fetched_at"] or "")) or None,
    }
    if row["content_hash"] == stored["content_hash"]:
        update = {k: v for k, v in seen.items() if v != stored[k]}
        if update:
            store.update_article_row(db, here, update, reindex=False)
        report.unchanged += 1
    elif str(row["fetched_at"] or "") > str(stored["fetched_at"] or ""):
        # The shard's text is newer: it becomes current, and the text here a version (as a re-crawl does).
        old_number = _next_version(db, here, stored)
        if stored["content_hash"] not in {v["content_hash"] for v in _versions(db, here)}:
            store.insert_version_row(
                db,
                {
                    "article_id": here,
                    "version": old_number,
                    **{f: stored[f] for f in ("title", "text", "content_hash", "published", "modified")},
                    "fetched_at": stored["fetched_at"],
                    "capture_id": stored["capture_id"],
                    "replaced_at": row.get("last_changed") or row["fetched_at"],
                },
            )
            report.versions += 1
        newer = {k: v for k, v in values.items() if k not in ("id", "cluster_id", "first_seen", "version")}
        newer.update(seen, version=old_number + 1)
        store.update_article_row(db, here, newer, reindex=True)
        report.updated += 1
        changed = True
    else:
        # The shard's text is older than the one here: kept as a version when it is not one already.
        if row["content_hash"] not in known_hashes:
            _insert_version(
                db, here, {**row, "replaced_at": stored["last_changed"]}, capture_ids, renumber=True
            )
            report.versions += 1
        update = {k: v for k, v in seen.items() if v != stored[k]}
        if update:
            store.update_article_row(db, here, update, reindex=False)
        report.unchanged += 1
    if changed:
        report.changed_ids.append(here)
    return here


def _next_version(db: sqlite_utils.Database, article_id: int, stored: dict[str, Any]) -> int:
    """The number the current text gets when it becomes a version: its own, unless a version has it."""
    row = db.execute(
        "select max(version) from article_versions where article_id = ?", [article_id]
    ).fetchone()
    return max(int(stored["version"] or 1), int(row[0] or 0) + 1)


def _insert_version(
    db: sqlite_utils.Database,
    article_id: int,
    version: dict[str, Any],
    capture_ids: IdMap,
    *,
    renumber: bool,
) -> None:
    """Keep a text as a version of the article. ``renumber``: numbered after the versions here, and the
    current text numbered after it (the current text is the newest and has the highest number)."""
    number = int(version.get("version") or 1)
    if renumber:
        row = db.execute(
            "select max(version) from article_versions where article_id = ?", [article_id]
        ).fetchone()
        number = int(row[0] or 0) + 1
        current = db.execute("select version from articles where id = ?", [article_id]).fetchone()
        if int(current[0] or 1) <= number:
            store.update_article_row(db, article_id, {"version": number + 1}, reindex=False)
    store.insert_version_row(
        db,
        {
            "article_id": article_id,
            "version": number,
            **{f: version.get(f) for f in ("title", "text", "content_hash", "published", "modified")},
            "fetched_at": version.get("fetched_at"),
            "replaced_at": version.get("replaced_at"),
            "capture_id": capture_ids.get(version.get("capture_id")),
        },
    )


def _merge_new_keys(
    db: sqlite_utils.Database,
    shard_db: sqlite_utils.Database,
    state: ShardState,
    article_ids: IdMap,
    report: MergeReport,
) -> None:
    """Keys the shard added since the last merge to articles whose text did not change (an exact copy
    found, a redirect followed): added here to the same article."""
    rows = _rows(
        shard_db,
        "select key, article_id, kind from article_keys where coalesce(first_seen, '') >= ? order by key",
        [state.changed_mark],
    )
    for row in rows:
        here = article_ids.get(row["article_id"])
        if here is None and db.execute("select 1 from articles where id = ?", [row["article_id"]]).fetchone():
            here = int(row["article_id"])
        if here is None:
            continue  # its article was not merged (it is older than any merge and unchanged): nothing to join
        if find_article_by_keys(db, [row["key"]]) is None:
            store.add_keys(db, here, [row["key"]], kind=row["kind"] or "alias")
            report.keys += 1
