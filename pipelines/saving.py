"""The one way an article record reaches the archive, wherever it comes from: a crawled page or a seed file
(the crawler's store pipeline), or a re-extraction of a stored capture (``pipelines.warc.reextract``).

``ArticleSaver`` runs the same steps for each:

1. exact duplicates (``pipelines.dedup.exact``): a new record whose text copies a stored article is not
   stored; its URLs become the original's keys, so the copy is recognised next time;
2. storing (``pipelines.archive.store``): a new article, or a new version of a changed one (the old text
   kept in ``article_versions``), with its search index row; a re-extraction rewrites the same article in
   place, re-indexing it when its title or text changed. Each record's write is one transaction (its
   captures row, the article row, keys, version, search index, and for a changed article its new cluster):
   a process killed at any statement leaves the old state or the new one;
3. story clusters (``pipelines.dedup.clusters``): a new article joins its story in a batch of ``batch``
   (one commit per batch; an article whose batch never committed is clustered when the next saver opens);
   a changed article is re-clustered at once (a re-extraction: at the end of its batch): it stays with its
   story while its text still matches it, joins an earlier exact copy's story, or leaves for the story it
   now matches (or a story of its own). New articles are clustered after their own commit, in batches,
   because clusters are derived data: a kill before the batch commits leaves them with no ``cluster_id``,
   which ``open`` (``ensure_clusters``) completes; a changed article keeps a ``cluster_id``, so its
   re-clustering is part of its write.

One saver per connection, used from one thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlite_utils

from pipelines.archive.store import (
    Outcome,
    save_article,
    save_duplicate,
    save_reextraction,
    write_transaction,
)
from pipelines.dedup.clusters import CLUSTER_BATCH, assign_clusters, ensure_clusters
from pipelines.dedup.exact import find_duplicate
from pipelines.dedup.near import tune_for_clustering

CaptureId = int | Callable[[], int] | None


@dataclass(frozen=True)
class Saved:
    outcome: Outcome  # "new", "updated", "unchanged" or "duplicate" (of article_id; nothing stored)
    article_id: int
    near_duplicates: int = 0  # articles that joined a matching story in clustering done during this call


class ArticleSaver:
    def __init__(self, db: sqlite_utils.Database, *, batch: int = CLUSTER_BATCH) -> None:
        self.db = db
        self.batch = batch
        self.pending: list[tuple[int, Mapping[str, Any] | None]] = []

    def open(self) -> int:
        """Ready the connection for clustering and cluster what an earlier run left unclustered (a batch
        that never committed, an archive from before clustering, a lost index). Returns how many."""
        tune_for_clustering(self.db)
        return ensure_clusters(self.db)

    def save(
        self, record: Mapping[str, Any], *, run_id: int | None = None, capture_id: CaptureId = None
    ) -> Saved:
        """Store a record read from a page. ``capture_id`` may be a function giving it, called only when
        the record is stored (an exact duplicate records no capture)."""
        original = find_duplicate(self.db, record)
        if original is not None:
            save_duplicate(self.db, record, original)
            return Saved("duplicate", original)
        pending = list(self.pending)
        try:
            with write_transaction(self.db):
                capture = capture_id() if callable(capture_id) else capture_id
                result = save_article(self.db, record, run_id=run_id, capture_id=capture)
                matched = 0
                if result.outcome in ("new", "updated"):
                    self.pending.append((result.article_id, record))
                    if result.outcome == "updated":
                        matched = self.flush()  # re-clustered in the article's own transaction
        except BaseException:
            self.pending = pending  # nothing of this record was stored
            raise
        if len(self.pending) >= self.batch:
            matched += self.flush()
        return Saved(result.outcome, result.article_id, matched)

    def save_reextraction(
        self, article_id: int, values: Mapping[str, Any], keys: Iterable[str], changed: Iterable[str]
    ) -> None:
        """Rewrite an article with what re-extracting its own capture gave (``values`` as stored, see
        ``pipelines.archive.store.stored_form``); ``changed`` names the fields that differ. A changed
        article waits to be re-clustered with the others of its batch: call ``flush`` at the end of the
        caller's batch (it commits with the caller's transaction)."""
        changed = list(changed)
        save_reextraction(self.db, article_id, values, keys, changed)
        if changed:
            self.pending.append((article_id, None))

    def flush(self) -> int:
        """Cluster the waiting articles in one transaction; returns how many joined a matching story."""
        if not self.pending:
            return 0
        results = assign_clusters(self.db, self.pending)
        self.pending = []
        return sum(1 for result in results if result.matches)

    def close(self) -> int:
        return self.flush()
