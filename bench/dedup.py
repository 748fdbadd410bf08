"""Benchmark deduplication: pairwise precision and recall of "same story" on a labelled set, and the time
per article of clustering as the archive grows.

    python bench/dedup.py [--no-shared] [--sizes 10000,100000] [--db bench/out/dedup_scale.db]

Quality: every document of bench/dedup_data.py goes through what a crawl does (build_record, exact
duplicate check, save_article, assign_cluster) in a shuffled order; an exact duplicate counts as a member
of its original's cluster. Scale: synthetic Chinese stories are clustered into a file database as
ArticleSaver does it (its connection settings, one transaction per CLUSTER_BATCH articles; --batch 1
commits each article); the time per article is the mean over the last 1,000 articles before each size.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from collections import Counter
from itertools import combinations
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlite_utils  # noqa: E402

from bench.dedup_data import Doc, generate, synthetic_stream  # noqa: E402
from pipelines.archive.schema import ensure_db_shape  # noqa: E402
from pipelines.archive.store import now_iso, save_article, save_duplicate, stable_id  # noqa: E402
from pipelines.dedup.clusters import CLUSTER_BATCH, assign_cluster, assign_clusters  # noqa: E402
from pipelines.dedup.exact import find_duplicate  # noqa: E402
from pipelines.dedup.near import tune_for_clustering  # noqa: E402
from pipelines.documents.records import build_record, content_hash  # noqa: E402


def pairs_within(labels: list[str]) -> int:
    return sum(n * (n - 1) // 2 for n in Counter(labels).values())


def run_quality(docs: list[Doc], seed: int = 5) -> dict[str, Any]:
    db = sqlite_utils.Database(memory=True)
    ensure_db_shape(db)
    rng = random.Random(seed)
    order = list(range(len(docs)))
    rng.shuffle(order)
    article_of: dict[int, int] = {}
    duplicates = 0
    started = time.perf_counter()
    for i in order:
        doc = docs[i]
        extracted = {"title": doc.title, "text": doc.text, "published": doc.published, **doc.extra}
        record = build_record(extracted, url=doc.url, fetched_at=now_iso(), source=doc.site)
        original = find_duplicate(db, record)
        if original is not None:
            save_duplicate(db, record, original)
            article_of[i] = original
            duplicates += 1
            continue
        result = save_article(db, record)
        assign_cluster(db, result.article_id, record)
        article_of[i] = result.article_id
    elapsed = time.perf_counter() - started
    cluster = dict(db.execute("select id, cluster_id from articles").fetchall())
    truth = [d.story for d in docs]
    predicted = [str(cluster[article_of[i]]) for i in range(len(docs))]
    true_pairs = pairs_within(truth)
    predicted_pairs = pairs_within(predicted)
    both = pairs_within([f"{t}\t{p}" for t, p in zip(truth, predicted, strict=True)])
    precision = both / predicted_pairs if predicted_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    # Where the errors are: missed copies by variant kind, wrong merges by kind of the intruder.
    missed: Counter[str] = Counter()
    by_story: dict[str, list[int]] = {}
    for i, d in enumerate(docs):
        by_story.setdefault(d.story, []).append(i)
    for members in by_story.values():
        for a, b in combinations(members, 2):
            if predicted[a] != predicted[b]:
                missed[docs[b].kind if docs[a].kind == "base" else docs[a].kind] += 1
    wrong: Counter[str] = Counter()
    by_cluster: dict[str, list[int]] = {}
    for i, p in enumerate(predicted):
        by_cluster.setdefault(p, []).append(i)
    for members in by_cluster.values():
        for a, b in combinations(members, 2):
            if truth[a] != truth[b]:
                kinds = sorted({docs[a].kind, docs[b].kind} & {"negative", "follow-up"}) or ["copy-vs-copy"]
                wrong[kinds[0]] += 1
    return {
        "docs": len(docs),
        "stories": len(by_story),
        "bases": sum(d.kind == "base" for d in docs),
        "negatives": sum(d.kind in ("negative", "follow-up") for d in docs),
        "exact_dropped": duplicates,
        "true_pairs": true_pairs,
        "predicted_pairs": predicted_pairs,
        "correct_pairs": both,
        "precision": precision,
        "recall": recall,
        "f1": 2 * precision * recall / (precision + recall) if precision + recall else 0.0,
        "ms_per_doc": 1000 * elapsed / len(docs),
        "missed": dict(missed.most_common(8)),
        "wrong": dict(wrong.most_common()),
    }


def run_scale(
    sizes: list[int], db_path: Path, window: int = 1000, batch: int = CLUSTER_BATCH
) -> dict[int, float]:
    """Cluster synthetic articles into a fresh file database; ms per article over each size's last window.

    Articles are clustered ``batch`` at a time in one transaction (``batch`` must divide ``window`` and
    the sizes, so that each timed window holds whole batches)."""
    db_path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    db = sqlite_utils.Database(db_path)
    ensure_db_shape(db)
    db.execute("PRAGMA synchronous = NORMAL")  # WAL's usual setting: commits without an fsync each
    tune_for_clustering(db)
    results: dict[int, float] = {}
    pending: list[int] = []
    spent = 0.0
    now = now_iso()
    for n, (url, site, text) in enumerate(synthetic_stream(max(sizes)), start=1):
        article_id = stable_id(url)
        # Stored directly (no FTS, no capture): only clustering is timed.
        db.execute(
            "insert into articles (id, url, source, text, content_hash, first_seen) "
            "values (?, ?, ?, ?, ?, ?)",
            [article_id, url, site, text, content_hash(text), now],
        )
        pending.append(article_id)
        if len(pending) < batch:
            continue
        started = time.perf_counter()
        assign_clusters(db, [(i, None) for i in pending])
        pending = []
        if n > max(sizes) - window or any(size - window < n <= size for size in sizes):
            spent += time.perf_counter() - started
        if n in sizes:
            results[n] = 1000 * spent / window
            spent = 0.0
            print(
                f"dedup scale: {n:>7} articles, clustering {results[n]:.2f} ms/article "
                f"(mean of the last {window})",
                flush=True,
            )
    db.close()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-shared", action="store_true", help="only the generated Chinese stories")
    parser.add_argument("--own", type=int, default=250, help="generated Chinese base stories")
    parser.add_argument(
        "--shared", type=int, default=250, help="base stories from ../shared/datasets at most"
    )
    parser.add_argument("--sizes", default="10000,100000", help="archive sizes to time; empty to skip")
    parser.add_argument("--db", type=Path, default=ROOT / "bench" / "out" / "dedup_scale.db")
    parser.add_argument(
        "--batch", type=int, default=CLUSTER_BATCH, help="articles per transaction at scale (1: each)"
    )
    args = parser.parse_args()
    docs = list(generate(n_own=args.own, n_shared=args.shared, use_shared=not args.no_shared))
    q = run_quality(docs)
    print(
        f"dedup set: {q['docs']} documents, {q['stories']} stories ({q['bases']} bases with variants, "
        f"{q['negatives']} hard negatives), {q['exact_dropped']} dropped as exact duplicates"
    )
    print(
        f"dedup pairs: {q['true_pairs']} same-story pairs, {q['predicted_pairs']} predicted, "
        f"{q['correct_pairs']} correct"
    )
    print(
        f"dedup quality: precision {q['precision']:.4f}  recall {q['recall']:.4f}  F1 {q['f1']:.4f}  "
        f"({q['ms_per_doc']:.2f} ms/document end to end)"
    )
    print(f"dedup missed pairs by variant: {q['missed']}")
    print(f"dedup wrong pairs by intruder: {q['wrong']}")
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    if sizes:
        print(f"dedup scale: {args.batch} articles per transaction; load {_load()}", flush=True)
        run_scale(sorted(sizes), args.db, batch=args.batch)
        print(f"dedup scale: load {_load()} at the end", flush=True)


def _load() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


if __name__ == "__main__":
    main()
