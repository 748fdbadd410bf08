#!/usr/bin/env python
"""WARC archive benchmark: a crawl of the local benchmark site, then its costs and a re-extraction.

    python bench/warc.py [--articles N] [--keep DIR]

Reports bytes of WARC per article page, database bytes per article, and the time re-extraction from the
WARC files takes per 1000 articles beside the time the first extraction took. See bench/README_warc.md.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.local_site import LocalNewsSite, serve_site, sources_toml  # noqa: E402

# No politeness delays against our own local server.
FAST = [
    "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "-s", "DOWNLOAD_MAXSIZE=1000000", "-s", "ARCHIVE_RETRY_BACKOFF_BASE=0.05", "-s", "DOWNLOAD_TIMEOUT=5",
]  # fmt: skip


def newsarchive(workdir: Path, *args: str, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """``newsarchive ARGS`` in ``workdir``, as a user runs it (own process: Scrapy's reactor runs once)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def crawl(workdir: Path, *extra: str, db: str = "a.db") -> subprocess.CompletedProcess[str]:
    """Crawl the source ``testsite`` described in ``workdir/sources.toml``."""
    return newsarchive(workdir, "crawl", "testsite", "--sources", "sources.toml", "--db", db, *FAST, *extra)


def warc_bytes(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.glob("*.warc.gz"))


def first_extraction_seconds(site: LocalNewsSite) -> tuple[float, int]:
    """record_from_document over the site's article pages as the spider hands them over, inline: what the
    crawl's extraction step costs per page, without the network and the WARC."""
    from pipelines.documents import RawDocument, record_from_document

    docs = [
        RawDocument(
            body=page.body,
            name=site.base_url + path,
            fetched_at="2024-03-10T00:00:00+00:00",
            url=site.base_url + path,
            headers=dict(page.headers),
            status=200,
            source="testsite",
            timezone="Asia/Shanghai",
            kind="html",
        )
        for path, page in site.pages.items()
        if path in site.article_paths()
    ]
    record_from_document(docs[0])  # warm-up: lazy imports and caches, paid once by any process
    started = time.perf_counter()
    for doc in docs:
        record_from_document(doc)
    return time.perf_counter() - started, len(docs)


def run(articles: int, workdir: Path) -> list[str]:
    import sqlite_utils

    site = LocalNewsSite(article_count=articles)
    with serve_site(site) as base_url:
        # Deep enough for every list page of a big site (the tests' definition stops at depth 8).
        definition = sources_toml(base_url).replace("max_depth = 8", "max_depth = 1000")
        (workdir / "sources.toml").write_text(definition, encoding="utf-8")
        started = time.perf_counter()
        result = crawl(workdir)
        crawl_seconds = time.perf_counter() - started
        if "stored" not in result.stdout:
            raise SystemExit(f"the crawl failed:\n{result.stdout}\n{result.stderr[-2000:]}")
        first, extracted = first_extraction_seconds(site)
    db_path = workdir / "a.db"
    db = sqlite_utils.Database(db_path)
    stored = db["articles"].count
    article_group_bytes = db.execute(
        "select sum(c.warc_group_length) from articles a join captures c on c.id = a.capture_id"
    ).fetchone()[0]
    captures = db["captures"].count
    db.execute("pragma wal_checkpoint(truncate)")
    db.close()
    total_warc = warc_bytes(workdir / "archive" / "warc")
    db_bytes = db_path.stat().st_size

    timings: dict[str, tuple[float, float]] = {}
    for workers in ("0", str(os.cpu_count() or 1)):
        started = time.perf_counter()
        out = newsarchive(workdir, "reextract", "--db", "a.db", "--workers", workers)
        whole = time.perf_counter() - started
        if out.returncode != 0 or " 0 changed" not in out.stdout:
            problem = f"{out.stdout}\n{out.stderr[-2000:]}"
            raise SystemExit(f"re-extraction did not reproduce the crawl:\n{problem}")
        print(out.stdout.strip(), file=sys.stderr)
        reported = re.search(r" in ([\d.]+) s", out.stdout)
        timings[workers] = (float(reported.group(1)) if reported else whole, whole)
    per_k = 1000 / stored
    inline, pooled = timings["0"], timings[str(os.cpu_count() or 1)]
    return [
        f"crawl of the local site: {stored} articles stored, {captures} captures (every response), "
        f"{crawl_seconds:.1f} s ({crawl_seconds * per_k:.1f} s per 1000 articles, fsync on)",
        f"WARC: {total_warc} bytes = {total_warc / stored:.0f} bytes per article page all records included; "
        f"{article_group_bytes / stored:.0f} bytes per article page for its own response + request records",
        f"database: {db_bytes} bytes = {db_bytes / stored:.0f} bytes per article (all tables, FTS included)",
        f"first extraction (record_from_document, inline, {extracted} pages): "
        f"{first * 1000 / extracted:.1f} s per 1000 articles",
        f"reextract from WARC, inline (--workers 0): {inline[0] * per_k:.1f} s per 1000 articles "
        f"(reading WARC + extraction + database; {inline[1]:.1f} s for the whole command)",
        f"reextract from WARC, {os.cpu_count()} worker processes: {pooled[0] * per_k:.1f} s per 1000 "
        f"articles (pool start-up included; {pooled[1]:.1f} s for the whole command)",
    ]


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=400, help="article pages on the local site")
    parser.add_argument("--keep", type=Path, help="crawl into this folder (kept) instead of a temporary one")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
        lines = run(args.articles, args.keep)
    else:
        with tempfile.TemporaryDirectory() as folder:
            lines = run(args.articles, Path(folder))
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
