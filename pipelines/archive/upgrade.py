"""What an archive made by an earlier version needs before this version uses it, and doing it on purpose.

Every command brings the archive up to date when it opens it (``schema.ensure_db_shape`` and, for a writer,
``dedup.clusters.ensure_clusters``). On a large archive some of those steps take long (rebuilding the search
index of a million articles: about half an hour here), so the first ``serve`` after an update would look
hung. ``pending_upgrades`` lists the slow steps an archive needs, reading only (a read-only connection: it
never changes the file); ``upgrade_archive`` runs them, each timed, at a moment the user chooses
(``newsarchive upgrade``). The steps are the opening's own: nothing here decides a layout.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import sqlite_utils

# The steps of an opening that can take long on a large archive, in the order they run, and what each does.
CAPTURE_DOCUMENTS = "capture documents"
SEARCH_INDEX = "search index"
FACET_COUNTS = "facet counts"
NEAR_DUPLICATES = "near-duplicate index"
STEPS = {
    CAPTURE_DOCUMENTS: "captures' documents stored without the values their rows hold",
    SEARCH_INDEX: "the full-text index rebuilt in the current layout (one transaction)",
    FACET_COUNTS: "the counts of the articles page, filled from the articles",
    NEAR_DUPLICATES: "the near-duplicate (LSH) index converted or rebuilt, new articles clustered",
}


@dataclass(frozen=True)
class Upgrade:
    articles: int
    steps: tuple[tuple[str, float], ...]  # (step, seconds) of the steps that were needed
    seconds: float

    def lines(self) -> list[str]:
        if not self.steps:
            return [f"already up to date ({self.articles:,} articles); nothing to do"]
        done = [f"{step}: {seconds:.1f} s" for step, seconds in self.steps]
        return [*done, f"upgraded {self.articles:,} articles in {self.seconds:.1f} s"]


def _is_current(check: Callable[[], bool]) -> bool:
    try:
        return check()
    except sqlite3.OperationalError as exc:
        if str(exc).startswith("no such"):  # a table or index of that step missing: the step is needed
            return False
        raise


def pending_upgrades(path: str) -> list[str]:
    """The names (``STEPS``) of the slow steps the archive at ``path`` needs, read without changing it.
    ArchiveUnavailable when it does not exist or is not a database."""
    from pipelines.archive import capture_document, facet_counts
    from pipelines.archive.schema import ArchiveUnavailable, search_index_is_up_to_date
    from pipelines.dedup.clusters import clusters_are_up_to_date

    if not Path(path).is_file():
        raise ArchiveUnavailable(f"{path} does not exist")
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    conn.execute("PRAGMA busy_timeout = 30000")  # a writer's commit in progress is waited for, not a failure
    try:
        try:
            conn.execute("select count(*) from sqlite_master").fetchone()
        except sqlite3.Error as exc:
            raise ArchiveUnavailable(f"{path}: cannot use it as the archive: {exc}") from None
        db = sqlite_utils.Database(conn)
        # Each step's own predicate, the one its opening step checks before doing anything.
        checks: dict[str, Callable[[], bool]] = {
            CAPTURE_DOCUMENTS: lambda: not capture_document.needs_compacting(db),
            SEARCH_INDEX: lambda: search_index_is_up_to_date(db),
            FACET_COUNTS: lambda: not facet_counts.facet_counts_need_rebuild(db),
            NEAR_DUPLICATES: lambda: clusters_are_up_to_date(db),
        }
        return [step for step, check in checks.items() if not _is_current(check)]
    finally:
        conn.close()


def upgrade_archive(path: str) -> Upgrade:
    """Bring the existing archive at ``path`` up to date now: the opening's steps, each timed (only those
    needed). ArchiveUnavailable when it does not exist or cannot be used (not a database, read-only)."""
    from pipelines.archive.schema import ArchiveUnavailable, open_archive
    from pipelines.saving import ArticleSaver

    needed = set(pending_upgrades(path))
    began = time.perf_counter()
    try:
        db = open_archive(path)  # every step of ensure_db_shape: tables, search index, documents, counts
    except (sqlite3.Error, OSError) as exc:
        raise ArchiveUnavailable(f"{path}: cannot use it as the archive: {exc}") from None
    try:
        opened = time.perf_counter() - began
        steps = [(step, opened) for step in STEPS if step in needed and step != NEAR_DUPLICATES]
        if len(steps) > 1:  # one opening did them all: its time, said once
            steps = [(" + ".join(step for step, _ in steps), opened)]
        if NEAR_DUPLICATES in needed:
            started = time.perf_counter()
            ArticleSaver(db).open()  # what a writer does on opening: tuned, the index caught up
            steps.append((NEAR_DUPLICATES, time.perf_counter() - started))
        articles = db.execute("select count(*) from articles").fetchone()[0]
    finally:
        db.close()
    return Upgrade(articles, tuple(steps), time.perf_counter() - began)
