"""Story clusters: every stored article belongs to one; copies of one story share it.

``assign_cluster`` runs right after an article is saved (new or updated): it matches the text against the
archive through the LSH index (pipelines.dedup.near), joins the matching story's cluster (merging
clusters when the article bridges two), indexes the article, and re-elects the cluster's representative.
A cluster's id is the id of the article that started it, so an unmatched article is its own story.

``assign_clusters`` does the same for several articles in one transaction (the pipeline commits in
batches): the index and clusters are derived data, and articles whose batch was never committed still have
no ``cluster_id``, so ``ensure_clusters`` clusters them on the next start.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlite_utils

from pipelines.archive.lookup import find_article_by_content
from pipelines.archive.store import move_cluster_members, now_iso, set_cluster
from pipelines.dedup import near as nd
from pipelines.dedup.exact import MIN_DUPLICATE_CHARS

CLUSTERS_TABLE = "story_clusters"
CATCH_UP_BATCH = 500  # articles clustered per transaction by ensure_clusters
# New articles the pipeline clusters per transaction: one commit (an fsync under synchronous=FULL) per
# batch instead of per article. Until its batch commits, an article has no cluster_id.
CLUSTER_BATCH = 50
_MEMBER_COLUMNS = "id, title, original_title, source_outlet, site_name, source, published, first_seen"
# Title decorations a repost adds or a template appends: "标题 - 青岛新闻网", "标题_凤凰网", "标题|大众网".
_TITLE_SUFFIX = re.compile(r"\s*(?:[-_|｜—–]+|\s[-–—|]\s).{1,20}$")


@dataclass(frozen=True)
class ClusterResult:
    cluster_id: int
    matches: list[nd.Match] = field(default_factory=list)
    merged: list[int] = field(default_factory=list)  # clusters folded into cluster_id


def assign_cluster(
    db: sqlite_utils.Database, article_id: int, record: Mapping[str, Any] | None = None
) -> ClusterResult:
    """Put a stored article into its story cluster and index it for the articles that come after it.

    ``record`` is the saved record when the caller has it (saves a read); the stored row is used otherwise.
    Runs in time independent of the archive's size: one LSH query and at most TOP_CANDIDATES verifications.
    Commits on return.
    """
    return assign_clusters(db, [(article_id, record)])[0]


def assign_clusters(
    db: sqlite_utils.Database, articles: Iterable[tuple[int, Mapping[str, Any] | None]]
) -> list[ClusterResult]:
    """``assign_cluster`` for several stored articles, in order, in one transaction (one commit)."""
    if nd.ensure_lsh_table(db):  # an index of an older layout was dropped: rebuild it first
        nd.rebuild_lsh_index(db)
    with nd.transaction(db):
        results = [_assign(db, article_id, record) for article_id, record in articles]
        if results and nd.get_state(db, "index_signature") is None:  # a new index; another signature is
            nd.set_state(db, "index_signature", nd.INDEX_SIGNATURE)  # left for ensure_clusters to rebuild
    return results


def _assign(db: sqlite_utils.Database, article_id: int, record: Mapping[str, Any] | None) -> ClusterResult:
    row = dict(record) if record is not None else None
    stored = db.execute(
        "select id, url, canonical_url, source, text, cluster_id, content_hash, char_count from articles "
        "where id = ?",
        [article_id],
    ).fetchone()
    if stored is None:
        raise KeyError(f"no article {article_id}")
    current = {"url": stored[1], "canonical_url": stored[2], "source": stored[3], "text": stored[4]}
    row = {**current, **{k: row[k] for k in ("url", "canonical_url", "source", "text") if row and k in row}}
    previous_cluster = stored[5]
    site = nd.article_site(row)
    fp = nd.article_fingerprint(db, row)
    candidates = nd.lsh_candidates(db, fp.buckets, exclude=article_id)
    candidates = nd.likely_candidates(db, fp.signature, candidates)
    matches = nd.verified_matches(db, fp.shingles, candidates)
    clusters = _clusters_to_join(db, matches)
    if previous_cluster is not None:  # clustered before: its text changed (an update or a re-extraction)
        copied = _exact_copy_cluster(db, article_id, stored[6], stored[7])
        if copied is not None:  # it is now an exact copy of an earlier article: it joins that one's story
            clusters = list(dict.fromkeys([copied, *clusters]))
        if previous_cluster in clusters or not _has_other_members(db, previous_cluster, article_id):
            clusters = list(dict.fromkeys([previous_cluster, *clusters]))  # still that story: stay
        else:  # its text no longer matches its story (a re-extraction or an edit changed it): it leaves
            _leave(db, article_id, previous_cluster)
    if not clusters:
        target, merged = article_id, list[int]()
        nd.count_story_lines(db, site, row["text"] or "")  # a new story: its lines count once
    else:
        target, merged = _merge(db, clusters)
    set_cluster(db, [article_id], target)
    nd.index_buckets(db, article_id, fp.buckets, signature=fp.signature)
    refresh_cluster(db, target)
    for gone in merged:
        db.execute(f"delete from [{CLUSTERS_TABLE}] where id = ?", [gone])
    return ClusterResult(target, matches, merged)


def _exact_copy_cluster(
    db: sqlite_utils.Database, article_id: int, content_hash: str | None, char_count: int | None
) -> int | None:
    """The cluster of an earlier article with exactly this text, or None: the exact-duplicate check for an
    article already stored (a new record that copies one is never stored, ``pipelines.dedup.exact``)."""
    if not content_hash or (char_count or 0) < MIN_DUPLICATE_CHARS:
        return None
    original = find_article_by_content(db, content_hash, exclude=article_id)
    if original is None:
        return None
    row = db.execute("select cluster_id from articles where id = ?", [original]).fetchone()
    return int(row[0]) if row and row[0] is not None else original


def _has_other_members(db: sqlite_utils.Database, cluster_id: int, article_id: int) -> bool:
    return (
        db.execute(
            "select 1 from articles where cluster_id = ? and id != ? limit 1", [cluster_id, article_id]
        ).fetchone()
        is not None
    )


def _leave(db: sqlite_utils.Database, article_id: int, cluster_id: int) -> None:
    """Take an article out of its cluster. A cluster is named after the article that started it: when that
    article leaves, the cluster takes the id of its earliest remaining member, so that the leaving article
    can start or join another story under its own id."""
    set_cluster(db, [article_id], None)
    if cluster_id == article_id:
        first = db.execute(
            "select id from articles where cluster_id = ? order by first_seen, id limit 1", [cluster_id]
        ).fetchone()
        db.execute(f"delete from [{CLUSTERS_TABLE}] where id = ?", [cluster_id])
        if first is None:
            return
        move_cluster_members(db, [cluster_id], int(first[0]))
        cluster_id = int(first[0])
    refresh_cluster(db, cluster_id)


def _clusters_to_join(db: sqlite_utils.Database, matches: list[nd.Match]) -> list[int]:
    """The best match's cluster first, then the other matched clusters the article strongly overlaps."""
    if not matches:
        return []
    ids = [m.article_id for m in matches]
    marks = ",".join("?" * len(ids))
    found = dict(db.execute(f"select id, cluster_id from articles where id in ({marks})", ids).fetchall())
    best = matches[0]
    chosen = [m for m in matches if m is best or m.coverage >= nd.MERGE_COVERAGE]
    return list(dict.fromkeys(found.get(m.article_id) or m.article_id for m in chosen))


def _merge(db: sqlite_utils.Database, clusters: list[int]) -> tuple[int, list[int]]:
    """Fold every cluster into the largest one (the oldest id on a tie); returns (kept, merged away)."""
    if len(clusters) == 1:
        return clusters[0], []
    marks = ",".join("?" * len(clusters))
    sizes = dict(
        db.execute(
            f"select cluster_id, count(*) from articles where cluster_id in ({marks}) group by cluster_id",
            clusters,
        ).fetchall()
    )
    target = max(clusters, key=lambda c: (sizes.get(c, 0), -c))
    others = [c for c in clusters if c != target]
    marks = ",".join("?" * len(others))
    move_cluster_members(db, others, target)
    return target, others


def refresh_cluster(db: sqlite_utils.Database, cluster_id: int) -> None:
    """Recount a cluster and re-elect its representative."""
    members = list(db.query(f"select {_MEMBER_COLUMNS} from articles where cluster_id = ?", [cluster_id]))
    if not members:
        db.execute(f"delete from [{CLUSTERS_TABLE}] where id = ?", [cluster_id])
        return
    chosen = representative(members)
    published = sorted(p for p in (m["published"] for m in members) if p)
    # Plain SQL, not Table.upsert: that commits, and a batch of articles is one transaction.
    db.execute(
        f"insert into [{CLUSTERS_TABLE}] (id, representative_id, title, size, sources, first_published, "
        "last_published, updated) values (?, ?, ?, ?, ?, ?, ?, ?) on conflict(id) do update set "
        "representative_id = excluded.representative_id, title = excluded.title, size = excluded.size, "
        "sources = excluded.sources, first_published = excluded.first_published, "
        "last_published = excluded.last_published, updated = excluded.updated",
        [
            cluster_id,
            chosen["id"],
            chosen["title"],
            len(members),
            len({m["source"] for m in members}),
            published[0] if published else None,
            published[-1] if published else None,
            now_iso(),
        ],
    )


def _bare_title(title: str | None) -> str:
    return nd.line_key(_TITLE_SUFFIX.sub("", title or ""))


def _names(member: Mapping[str, Any]) -> set[str]:
    return {nd.line_key(n) for n in (member.get("site_name"), member.get("source")) if n}


def representative(members: Sequence[Mapping[str, Any]]) -> Mapping[str, Any]:
    """The copy the others name as the original, else the earliest published (then first seen, then id).

    A repost names its original by ``original_title`` ("原标题：") or ``source_outlet`` ("来源：青岛日报").
    """
    votes: dict[int, int] = {}
    for copy in members:
        named_title = _bare_title(copy.get("original_title"))
        named_outlet = nd.line_key(copy.get("source_outlet") or "")
        for other in members:
            if other["id"] == copy["id"]:
                continue
            if (named_title and _bare_title(other.get("title")) == named_title) or (
                named_outlet and any(named_outlet in n or n in named_outlet for n in _names(other) if n)
            ):
                votes[other["id"]] = votes.get(other["id"], 0) + 1
    return min(
        members,
        key=lambda m: (
            -votes.get(m["id"], 0),
            *_time_key(m.get("published")),
            m.get("first_seen") or "",
            m["id"],
        ),
    )


def _time_key(value: str | None) -> tuple[int, float]:
    """Sort key for an ISO date: unknown dates last, offsets respected."""
    if not value:
        return (1, 0.0)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return (1, 0.0)
    return (0, parsed.timestamp())  # a naive time reads as local time: good enough to order copies


def unclustered(db: sqlite_utils.Database) -> Iterator[int]:
    for row in db.execute(
        "select id from articles where cluster_id is null order by first_seen, id"
    ).fetchall():
        yield int(row[0])


def clusters_are_up_to_date(db: sqlite_utils.Database) -> bool:
    """Whether :func:`ensure_clusters` has nothing to do: the LSH index of the current parameters and layout,
    every article in a cluster. Reads only."""
    return (
        nd.get_state(db, "index_signature") == nd.INDEX_SIGNATURE
        and db.execute("select 1 from articles where cluster_id is null limit 1").fetchone() is None
    )


def ensure_clusters(db: sqlite_utils.Database) -> int:
    """Bring the LSH index and clusters up to date with the articles (after a restart, an upgrade, or
    articles stored without clustering, or whose batch was not committed when the crawl stopped).
    Returns the number of articles clustered now."""
    nd.ensure_lsh_table(db)  # an older layout is dropped here, and its forgotten signature rebuilds it
    if nd.get_state(db, "index_signature") != nd.INDEX_SIGNATURE:
        if db.execute("select 1 from articles where cluster_id is not null limit 1").fetchone():
            nd.rebuild_lsh_index(db)  # keep the clusters, rebuild what is derived
        else:
            with nd.transaction(db):
                db.execute(f"delete from [{nd.LSH_TABLE}]")
                db.execute(f"delete from [{nd.SIGNATURES_TABLE}]")
                db.execute(f"delete from [{nd.LINES_TABLE}]")
                nd.set_state(db, "index_signature", nd.INDEX_SIGNATURE)
    pending = list(unclustered(db))
    for start in range(0, len(pending), CATCH_UP_BATCH):
        assign_clusters(db, [(article_id, None) for article_id in pending[start : start + CATCH_UP_BATCH]])
    return len(pending)
