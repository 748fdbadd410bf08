"""An archive of up to 1,000,000 articles built through the real storage path, and measured.

    python bench/archive_scale.py build [--dir /work/benchdata] [--target 1000000] [--checkpoints 100000,...]
    python bench/archive_scale.py measure --db SNAPSHOT.db [--rounds 40]
    python bench/archive_scale.py reextract --db SNAPSHOT.db [--sample 600] [--workers 2]
    python bench/archive_scale.py rate [--count 2000]     # storage path's articles per second (scratch db)
    python bench/archive_scale.py query-costs --db SNAPSHOT.db   # the slow pages' SQL, one by one
    python bench/archive_scale.py migrate --db COPY.db    # upgrade a COPY's search index, timed and checked

``build`` is resumable: it keeps the archive in DIR/archive.db and its place in the event stream in
DIR/progress.json, and continues from there (an event replayed after a crash is an "unchanged" re-fetch).
At each checkpoint it prints the clustering cost per new article (mean over the last 2,000), the database
size per article, the time of ``VACUUM INTO`` a snapshot and of a copy by the sqlite3 backup API, then runs
``measure`` and ``reextract`` on the snapshot (so the build's archive is never touched by them). Every line
goes to stdout and to DIR/results.log, with the load average.

The articles: texts made of sentences from ``../shared/datasets/*/truth.jsonl`` (read in place), each
sentence changed a little (a word swapped, numbers redrawn), so that stories are distinct; 200 sources with
``sources`` rows (declared through ``save_source``), ten years of dates with the sources' offsets and the
precision they state; a story has one version (85 %), or copies on other sites (syndicated with the edits
of ``bench/dedup_data.apply_transforms``, up to 20), exact copies under another URL, and later edits of the
same URL (a new version). Each record goes through ``build_record`` and ``ArticleSaver.save`` (exact-duplicate
check, ``save_article`` with a captures row, versions, clustering in batches), as the crawl's store
pipeline does; nothing is inserted into ``articles`` by this file.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import gzip
import hashlib
import heapq
import itertools
import json
import multiprocessing
import os
import random
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import sqlite_utils  # noqa: E402

from bench.datasette_bench import GIVEN, REGIONS, SECTIONS, SURNAMES, WORDS, time_pages  # noqa: E402
from bench.dedup_data import SHARED_DATASETS, apply_transforms  # noqa: E402
from pipelines.archive.runs import finish_run, start_run  # noqa: E402
from pipelines.archive.schema import open_archive  # noqa: E402
from pipelines.archive.store import save_capture, save_source  # noqa: E402
from pipelines.documents.records import build_record  # noqa: E402
from pipelines.extract.dates import StatedDate  # noqa: E402
from pipelines.saving import ArticleSaver  # noqa: E402
from pipelines.sources import Source  # noqa: E402

DEFAULT_DIR = Path("/work/benchdata")
CHECKPOINTS = (25_000, 50_000, 100_000, 250_000, 500_000, 750_000, 1_000_000)
KEPT_SNAPSHOT = 100_000  # the snapshot kept when later ones replace each other
WINDOW = 2_000  # clustering cost: mean over the last this many clustered articles
N_SOURCES = 200
SEED = 20261207
START = datetime(2015, 1, 1, tzinfo=UTC)
SPAN_SECONDS = int(timedelta(days=3652).total_seconds())
PLACES = ["崂山", "黄岛", "即墨", "胶州", "李沧", "城阳", "平度", "莱西", "市南区", "市北区"]
# Sources' time zones: mostly Chinese sites, some stating UTC or another offset.
ZONES = ["Asia/Shanghai"] * 150 + ["UTC"] * 20 + ["America/New_York"] * 10 + ["Europe/Berlin"] * 10
ZONES += ["Asia/Tokyo"] * 10
PRECISIONS = ["second"] * 8 + ["minute"] * 8 + ["day"] * 3 + ["month", "year"]
_ZH_SENTENCE = re.compile(r"[^。！？；]+[。！？；]?")
_OTHER_SENTENCE = re.compile(r"[^.!?]+[.!?]?\s*")
_DIGITS = re.compile(r"\d+")


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


class Log:
    """Lines to stdout and to the results file, each with the load average."""

    def __init__(self, path: Path | None) -> None:
        self.path = path

    def __call__(self, line: str) -> None:
        stamped = f"{line}   [{load_average()}, {datetime.now(UTC):%Y-%m-%d %H:%M:%S}Z]"
        print(stamped, flush=True)
        if self.path is not None:
            with self.path.open("a", encoding="utf-8") as out:
                out.write(stamped + "\n")


# --- the text pool ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Pool:
    sentences: dict[str, list[str]]  # language ("zh", "en", "de", ...) -> sentences
    lengths: dict[str, list[int]]  # language -> the labelled texts' lengths (characters)
    titles: dict[str, list[str]]


@lru_cache(maxsize=1)
def text_pool() -> Pool:
    sentences: dict[str, list[str]] = {}
    lengths: dict[str, list[int]] = {}
    titles: dict[str, list[str]] = {}
    seen: set[str] = set()
    for truth in sorted(SHARED_DATASETS.glob("*/truth.jsonl")):
        for line in truth.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            text = row.get("text") or ""
            if len(text) < 150:
                continue
            lang = (row.get("lang") or "en").split("-")[0].lower()
            lang = "zh" if lang == "zh" else lang
            lengths.setdefault(lang, []).append(len(text))
            if row.get("title"):
                titles.setdefault(lang, []).append(str(row["title"]).strip())
            splitter = _ZH_SENTENCE if lang == "zh" else _OTHER_SENTENCE
            for paragraph in text.splitlines():
                for sentence in splitter.findall(paragraph):
                    sentence = sentence.strip()
                    low, high = (8, 160) if lang == "zh" else (30, 320)
                    if low <= len(sentence) <= high and sentence not in seen:
                        seen.add(sentence)
                        sentences.setdefault(lang, []).append(sentence)
    if not sentences.get("zh"):
        raise SystemExit(
            f"no Chinese texts under {SHARED_DATASETS}: the archive bench needs ../shared/datasets"
        )
    # Languages with too few sentences to write distinct stories are left out.
    keep = {lang for lang, found in sentences.items() if len(found) >= 800 and lang != "und"}
    return Pool(
        {k: v for k, v in sentences.items() if k in keep},
        {k: v for k, v in lengths.items() if k in keep},
        {k: v for k, v in titles.items() if k in keep},
    )


# --- sources ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SiteSpec:
    key: str
    name: str
    host: str
    language: str
    timezone: str
    precision: str
    region: str
    editor_line: bool  # the site appends "责任编辑：NAME" to its articles
    weight: float


@lru_cache(maxsize=1)
def sites() -> list[SiteSpec]:
    rng = random.Random(SEED)
    pool = text_pool()
    others = sorted(lang for lang in pool.sentences if lang != "zh")
    out = []
    for n in range(N_SOURCES):
        language = "zh" if n % 5 else rng.choice(others or ["zh"])  # 160 Chinese sites, 40 others
        out.append(
            SiteSpec(
                key=f"site-{n:03d}",
                name=f"{rng.choice(REGIONS)}新闻{n:03d}" if language == "zh" else f"News {n:03d}",
                host=f"www.news{n:03d}.cn" if language == "zh" else f"www.news{n:03d}.com",
                language=language,
                timezone=ZONES[n % len(ZONES)] if language == "zh" else rng.choice(ZONES[150:]),
                precision=rng.choice(PRECISIONS),
                region=rng.choice(REGIONS),
                editor_line=language == "zh" and rng.random() < 0.3,
                weight=1 / (n % 50 + 4),  # a few busy sites, a long tail
            )
        )
    return out


def declare_sources(db: sqlite_utils.Database) -> None:
    for site in sites():
        save_source(
            db,
            Source(
                key=site.key,
                name=site.name,
                start_urls=(f"https://{site.host}/",),
                allowed_domains=(site.host,),
                region=site.region,
                language=site.language,
                timezone=site.timezone,
                schedule="30m",
            ),
        )


# --- stories and events ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    kind: str  # "new" (a story's first version), "copy" (syndicated, edited), "exact" (same text), "update"
    story: int
    copy: int  # 0 for the story itself


def copies_of(rng: random.Random) -> int:
    """How many more articles tell a story: most none, some a few, a few many (up to 20 in all)."""
    draw = rng.random()
    if draw < 0.85:
        return 0
    if draw < 0.95:
        return rng.randint(1, 2)
    if draw < 0.99:
        return rng.randint(3, 8)
    return rng.randint(9, 19)


def events(seed: int = SEED) -> Iterator[Event]:
    """The fetches of the archive in order: new stories, their copies and exact copies a little later
    (their position drawn a few to a few hundred events on), and later edits of some stories."""
    rng = random.Random(seed)
    later: list[tuple[int, int, Event]] = []
    serial = 0
    position = 0
    story = 0
    while True:
        while later and later[0][0] <= position:
            yield heapq.heappop(later)[2]
            position += 1
        yield Event("new", story, 0)
        position += 1
        for copy in range(1, copies_of(rng) + 1):
            kind = "exact" if rng.random() < 0.15 else "copy"
            serial += 1
            heapq.heappush(later, (position + rng.randint(1, 400), serial, Event(kind, story, copy)))
        if rng.random() < 0.03:  # the page is edited after publication: a new version of the same URL
            serial += 1
            heapq.heappush(later, (position + rng.randint(50, 3000), serial, Event("update", story, 0)))
        story += 1


def _rng(*parts: int) -> random.Random:
    digest = hashlib.blake2b(repr(parts).encode(), digest_size=8).digest()
    return random.Random(int.from_bytes(digest, "little"))


def _mutate(sentence: str, zh: bool, rng: random.Random) -> str:
    """The sentence with its numbers redrawn and (mostly) one word swapped: a story's own wording."""
    sentence = _DIGITS.sub(lambda m: str(rng.randint(1, 10 ** len(m.group(0)))), sentence)
    if rng.random() < 0.7 and len(sentence) > 12:
        at = rng.randrange(0, len(sentence) - 6)
        if zh:
            sentence = sentence[:at] + rng.choice(WORDS) + sentence[at + 2 :]
        else:
            words = sentence.split(" ")
            words[rng.randrange(len(words))] = rng.choice(words)
            sentence = " ".join(words)
    return sentence


@dataclass(frozen=True)
class Story:
    site: SiteSpec
    title: str
    paragraphs: list[str]
    published: StatedDate
    authors: list[str]
    section: str
    tags: list[str]
    summary: str | None


def story(number: int) -> Story:
    rng = _rng(SEED, number)
    pool = text_pool()
    site = rng.choices(sites(), [s.weight for s in sites()])[0]
    zh = site.language == "zh"
    sentences = pool.sentences[site.language]
    target = min(max(rng.choice(pool.lengths[site.language]), 150), 5000)
    paragraphs: list[str] = []
    size = 0
    lead = ""
    if zh:  # a Qingdao archive: 青岛 in about a third of the stories, each district in a few percent
        place = "青岛" if rng.random() < 0.35 else rng.choice(PLACES) if rng.random() < 0.25 else ""
        if place:
            lead = f"{place}讯 "
    while size < target:
        chosen = [_mutate(rng.choice(sentences), zh, rng) for _ in range(rng.randint(1, 4))]
        paragraph = ("" if zh else " ").join(chosen)
        if lead:
            paragraph, lead = lead + paragraph, ""
        paragraphs.append(paragraph)
        size += len(paragraph)
    if site.editor_line:
        paragraphs.append(f"责任编辑：{rng.choice(SURNAMES)}{rng.choice(GIVEN)}")
    title_base = rng.choice(pool.titles.get(site.language) or sentences)
    title = _mutate(title_base, zh, rng)[: 30 if zh else 110]
    local = START + timedelta(seconds=rng.randrange(SPAN_SECONDS))
    moment = local.astimezone(ZoneInfo(site.timezone))
    precision = site.precision if rng.random() < 0.9 else rng.choice(PRECISIONS)
    if precision == "minute":
        moment = moment.replace(second=0)
    stated = StatedDate(moment, "second").coarser(precision)
    authors = [rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.randint(1, 2)))] if zh else []
    if zh and rng.random() < 0.2:
        authors.append(rng.choice(SURNAMES) + rng.choice(GIVEN))
    if not zh and rng.random() < 0.6:
        authors = [" ".join(rng.choice(sentences).split()[:2]).strip(".,;:")]
    if rng.random() < 0.3:
        authors = []
    summary = paragraphs[0][:120] if rng.random() < 0.6 else None
    return Story(
        site, title, paragraphs, stated, authors, rng.choice(SECTIONS), rng.sample(WORDS, 2), summary
    )


def _url(site: SiteSpec, number: int, copy: int) -> str:
    return f"https://{site.host}/news/{number // 1000}/{number}{'' if not copy else f'-{copy}'}.html"


def materialize(event: Event) -> dict[str, Any]:
    """The record a crawl's extraction would hand the store for this fetch (before ``build_record``)."""
    base = story(event.story)
    site, paragraphs, title = base.site, list(base.paragraphs), base.title
    extra: dict[str, Any] = {}
    published = base.published
    url = _url(site, event.story, 0)
    if event.kind in ("copy", "exact"):
        rng = _rng(SEED, event.story, event.copy)
        same_language = [s for s in sites() if s.language == site.language and s.key != site.key]
        other = rng.choice(same_language or sites())
        url = _url(other, event.story, event.copy)
        if event.kind == "copy":
            zh = site.language == "zh"
            kinds = rng.sample(["cut", "add", "punct", "truncate", "date"], rng.randint(1, 3))
            filler = [_mutate(rng.choice(text_pool().sentences[site.language]), zh, rng) for _ in range(3)]
            paragraphs = apply_transforms(paragraphs, kinds, rng, zh, filler)
            if zh and rng.random() < 0.5:
                paragraphs.insert(0, f"来源：{site.name}")
                extra["source_outlet"] = site.name
            if rng.random() < 0.3:
                extra["original_title"] = title
                title = f"{title}_{other.name}"
        site = other
        moved = published.value + timedelta(hours=rng.randint(0, 72))
        published = StatedDate(moved, "second").coarser(published.precision)
    elif event.kind == "update":
        rng = _rng(SEED, event.story, -1)
        at = rng.randrange(len(paragraphs))
        paragraphs[at] = paragraphs[at] + _mutate(
            rng.choice(text_pool().sentences[site.language]), False, rng
        )
    fetched = published.value.astimezone(UTC) + timedelta(minutes=30)
    return {
        "url": url,
        "source": site.key,
        "fetched_at": fetched.isoformat(timespec="seconds"),
        "extracted": {
            "title": title,
            "text": "\n".join(paragraphs),
            "published": published.iso(),
            "published_precision": published.precision,
            "published_utc": published.utc(),
            "published_text": published.iso(),
            "authors": base.authors,
            "language": site.language,
            "site_name": site.name,
            "section": base.section,
            "tags": base.tags,
            "summary": base.summary,
            "extractor": "newsarchive",
            "extractor_version": "bench",
            "encoding": "utf-8",
            "extraction_flags": [],
            "canonical_url": url,
            **extra,
        },
    }


def make_record(event: Event) -> tuple[dict[str, Any], dict[str, Any]]:
    fetch = materialize(event)
    record = build_record(
        fetch["extracted"], url=fetch["url"], fetched_at=fetch["fetched_at"], source=fetch["source"]
    )
    return fetch, record


def _capture_row(db: sqlite_utils.Database, fetch: Mapping[str, Any], run_id: int) -> int:
    return save_capture(db, capture_values(fetch, run_id))


def capture_values(fetch: Mapping[str, Any], run_id: int) -> dict[str, Any]:
    """The captures row a crawled page gets (headers and the spider's description of the document); no
    WARC record is written for the generated pages (see ``reextract`` for the sample that has them)."""
    body_digest = hashlib.sha256(fetch["url"].encode()).hexdigest()
    headers = {
        "Content-Type": "text/html; charset=utf-8",
        "Date": fetch["fetched_at"],
        "Server": "nginx",
        "Cache-Control": "max-age=600",
        "Last-Modified": fetch["fetched_at"],
        "Etag": f'"{body_digest[:16]}"',
    }
    # As crawler/item_pipelines/store.py describes a page: its headers are the dict captures.headers holds
    # (crawler.support.response_headers gives both), not another spelling of it.
    document = {
        "name": fetch["url"],
        "fetched_at": fetch["fetched_at"],
        "url": fetch["url"],
        "headers": headers,
        "status": 200,
        "path": None,
        "source": fetch["source"],
        "timezone": None,
        "kind": "html",
        "aliases": [],
    }
    # The capture's time is when the request went out, to the microsecond (crawler/warc_middleware.py); the
    # document's, when the spider saw the response, to the second.
    began = datetime.fromisoformat(fetch["fetched_at"]) - timedelta(milliseconds=350)
    return {
        "run_id": run_id,
        "url": fetch["url"],
        "fetched_at": began.isoformat(timespec="microseconds"),
        "status": 200,
        "content_type": headers["Content-Type"],
        "headers": headers,
        "digest": "sha256:" + body_digest,
        "length": 40_000 + len(fetch["extracted"]["text"]) * 3,
        "warc_type": "response",
        "source": fetch["source"],
        "document": json.dumps(document, ensure_ascii=False),
    }


# --- building --------------------------------------------------------------------------------------------


class TimedSaver(ArticleSaver):
    """ArticleSaver with its clustering step timed (wall and CPU); the steps themselves are the saver's."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        super().__init__(db)
        self.timings: deque[tuple[int, float, float]] = deque()  # (articles, wall, cpu) per flush
        self.in_window = 0

    def flush(self) -> int:
        count = len(self.pending)
        wall, cpu = time.perf_counter(), time.process_time()
        matched = super().flush()
        if count:
            self.timings.append((count, time.perf_counter() - wall, time.process_time() - cpu))
            self.in_window += count
            while self.in_window - self.timings[0][0] >= WINDOW:
                self.in_window -= self.timings.popleft()[0]
        return matched

    def cost(self) -> tuple[int, float, float]:
        """(articles, wall ms per article, CPU ms per article) over the window."""
        n = sum(t[0] for t in self.timings)
        if not n:
            return 0, 0.0, 0.0
        return n, 1000 * sum(t[1] for t in self.timings) / n, 1000 * sum(t[2] for t in self.timings) / n


def _progress(folder: Path) -> dict[str, Any]:
    path = folder / "progress.json"
    return json.loads(path.read_text()) if path.exists() else {"events": 0, "checkpoints": []}


def _save_progress(folder: Path, progress: dict[str, Any]) -> None:
    tmp = folder / "progress.json.tmp"
    tmp.write_text(json.dumps(progress))
    tmp.replace(folder / "progress.json")


def db_bytes(path: Path) -> int:
    return sum(Path(str(path) + s).stat().st_size for s in ("", "-wal") if Path(str(path) + s).exists())


WAL_PAGES = 50_000  # 200 MB of WAL between checkpoints (see build)


def _commit(db: sqlite_utils.Database) -> None:
    if db.conn.in_transaction:
        db.conn.execute("COMMIT")


def _rollback(db: sqlite_utils.Database) -> None:
    if db.conn.in_transaction:
        db.conn.execute("ROLLBACK")


def _group_commit(db: sqlite_utils.Database, saver: ArticleSaver, event: Event) -> None:
    """Store the fetches between two clustering batches in one transaction (up to CLUSTER_BATCH articles and
    their duplicates) instead of one each: ArticleSaver.save nests in it as a savepoint, so every row is
    written exactly as a crawl writes it; only the number of commits differs. A commit is most of the storing
    process's time on one core (FTS5 writes its pending terms as a new segment at each commit), and the bench
    must reach a million articles in one session. Clustering still runs in a transaction of its own, timed
    alone: the group is committed before a fetch that will make a batch full, and before an edit of a stored
    page ("update"), which ArticleSaver re-clusters inside the article's own transaction (its commit inside
    a savepoint would end the group)."""
    if db.conn.in_transaction and (event.kind == "update" or len(saver.pending) >= saver.batch - 1):
        db.conn.execute("COMMIT")
    elif not db.conn.in_transaction and event.kind != "update" and len(saver.pending) < saver.batch - 1:
        db.conn.execute("BEGIN IMMEDIATE")


def build(
    folder: Path,
    target: int,
    checkpoints: list[int],
    log: Log,
    *,
    measure_after: bool = True,
    cache_kb: int | None = None,
    group_commits: bool = True,
) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "archive.db"
    progress = _progress(folder)
    db = open_archive(str(path))
    if not progress["events"]:
        declare_sources(db)
    saver = TimedSaver(db)
    caught_up = saver.open()
    # Checkpoints of the WAL every WAL_PAGES pages rather than SQLite's 1,000: a page the build changes
    # again and again (the LSH b-tree's, the search index's) is copied into the database once per
    # checkpoint, and at 1,000 pages the disk's write-back throttled the build. Only when the writes reach
    # the file changes; what is written does not.
    db.execute(f"PRAGMA wal_autocheckpoint = {WAL_PAGES}")
    if (
        cache_kb is not None
    ):  # a smaller page cache than ArticleSaver's: the cache pressure of a larger archive
        db.execute(f"PRAGMA cache_size = -{cache_kb}")
    count = db.execute("select count(*) from articles").fetchone()[0]
    log(f"build: {count} articles, {progress['events']} events done, {caught_up} clustered on opening")
    run_id = start_run(db, kind="crawl", spider="archive-scale", source=None, args={"target": target})
    outcomes: dict[str, int] = {}
    started, cpu_started, done_at_start = time.perf_counter(), time.process_time(), count
    stream = events()
    replayed = progress["events"] + 1024  # at most a clustering batch was stored past progress.json
    for _ in range(progress["events"]):  # the events already stored (events are cheap until materialized)
        next(stream)
    pending_points = sorted(p for p in checkpoints if p not in progress["checkpoints"] and p > count)
    last_report = time.perf_counter()
    # The records are made in a second process (as a crawl's extraction pool does), a block ahead of the
    # one being stored here, in order.
    blocks = (list(itertools.islice(stream, 1024)) for _ in itertools.count())
    pool = multiprocessing.get_context("fork").Pool(1)
    try:
        next_events = next(blocks)
        ahead = pool.map_async(make_record, next_events, chunksize=64)
        while count < target:
            block_events, block = next_events, ahead.get()
            next_events = next(blocks)
            ahead = pool.map_async(make_record, next_events, chunksize=64)
            for event, (fetch, record) in zip(block_events, block, strict=True):
                if count >= target:
                    break
                # Fetches replayed after a restart may find a stored article changed (a later edit was
                # stored before the stop): re-clustered inside its transaction, so not grouped.
                if group_commits and progress["events"] >= replayed:
                    _group_commit(db, saver, event)
                capture = functools.partial(_capture_row, db, fetch, run_id)
                saved = saver.save(record, run_id=run_id, capture_id=capture)
                outcomes[saved.outcome] = outcomes.get(saved.outcome, 0) + 1
                progress["events"] += 1
                if saved.outcome == "new":
                    count += 1
                    if not saver.pending:  # a batch was just clustered and committed: a safe place to keep
                        _save_progress(folder, progress)
                if time.perf_counter() - last_report > 300:
                    last_report = time.perf_counter()
                    elapsed = time.perf_counter() - started
                    stored = count - done_at_start
                    log(
                        f"progress: {count} articles, {stored / elapsed:.1f} articles/s wall, "
                        f"{1000 * (time.process_time() - cpu_started) / max(stored, 1):.1f} ms CPU each "
                        f"(storing process only), outcomes {outcomes}"
                    )
                    n, wall, cpu = saver.cost()
                    log(
                        f"progress: {count} articles, clustering {wall:.2f} ms wall, {cpu:.2f} ms CPU a new "
                        f"article (mean of the last {n})"
                    )
                if pending_points and count >= pending_points[0]:
                    saver.flush()
                    _commit(db)
                    _save_progress(folder, progress)
                    checkpoint(db, path, folder, saver, count, log, measure_after=measure_after)
                    progress["checkpoints"].append(pending_points.pop(0))
                    _save_progress(folder, progress)
        saver.close()
        _commit(db)
        _save_progress(folder, progress)
    finally:
        _rollback(db)  # a group left open by an error: what it held is replayed on the next run
        pool.terminate()
        finish_run(
            db,
            run_id,
            status="finished",
            finish_reason="finished",
            new=outcomes.get("new", 0),
            updated=outcomes.get("updated", 0),
            duplicates=outcomes.get("duplicate", 0),
            unchanged=outcomes.get("unchanged", 0),
        )
        db.close()
    elapsed = time.perf_counter() - started
    stored = count - done_at_start
    cpu_ms = 1000 * (time.process_time() - cpu_started) / max(stored, 1)
    log(
        f"build stopped at {count} articles: {stored} stored in {elapsed:.0f} s this session, "
        f"{stored / elapsed:.1f} articles/s wall, {cpu_ms:.1f} ms CPU each in the storing process "
        f"(records made in a second process); outcomes {outcomes}"
    )
    n, wall, cpu = saver.cost()
    log(
        f"build stopped at {count} articles: clustering {wall:.2f} ms wall, {cpu:.2f} ms CPU a new article "
        f"(mean of the last {n}){'' if cache_kb is None else f', page cache {cache_kb} KB'}"
    )


def checkpoint(
    db: sqlite_utils.Database,
    path: Path,
    folder: Path,
    saver: TimedSaver,
    count: int,
    log: Log,
    *,
    measure_after: bool,
) -> None:
    n, wall, cpu = saver.cost()
    log(
        f"at {count:>9,} articles: clustering {wall:6.2f} ms wall, {cpu:6.2f} ms CPU per new article "
        f"(mean of the last {n})"
    )
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = db_bytes(path)
    log(
        f"at {count:>9,} articles: database {size / 1e9:.2f} GB, {size / count / 1024:.2f} KB per article "
        "(no WARC files)"
    )
    # Disk: at a million articles the archive is ~24 GB, and so are a snapshot and a backup copy. Older
    # snapshots go first (the 100,000 one is kept to compare with), and the backup copy is deleted before the
    # snapshot is written: at most three copies of the archive at once.
    for older in folder.glob("snapshot-*.db"):
        if older.stem != f"snapshot-{KEPT_SNAPSHOT}":
            older.unlink()
    copy = folder / "backup.tmp.db"
    copy.unlink(missing_ok=True)
    began = time.perf_counter()
    with sqlite3.connect(copy) as target:
        db.conn.backup(target, pages=65536)
    log(f"at {count:>9,} articles: backup API  {time.perf_counter() - began:7.1f} s")
    copy.unlink(missing_ok=True)
    snapshot = folder / f"snapshot-{count}.db"
    snapshot.unlink(missing_ok=True)
    began = time.perf_counter()
    db.execute("VACUUM INTO ?", [str(snapshot)])
    log(
        f"at {count:>9,} articles: VACUUM INTO {time.perf_counter() - began:7.1f} s, "
        f"{snapshot.stat().st_size / count / 1024:.2f} KB per article after it"
    )
    if measure_after:
        for command in (["measure"], ["query-costs"], ["reextract"]):
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    *command,
                    "--db",
                    str(snapshot),
                    "--log",
                    str(folder / "results.log"),
                ],
                check=False,
            )


# Story numbers of the clustering-cost sample: beyond any build, so its articles are new to every snapshot.
COST_STORIES = 50_000_000


def cluster_cost(path: Path, count: int, log: Log, *, warm_up: int = 500) -> None:
    """Clustering cost per new article on a COPY of a snapshot (it stores into it): the same fetches for every
    snapshot (a stream of its own, stories no build reaches: new stories, their copies and edits, in the
    build's proportions), ``warm_up`` new articles first (the caches filled), then ``count`` timed as the
    build times them. Run on snapshots of two sizes one after the other, it compares the sizes at the same
    load, which the build's own lines (each at its moment's load) do not."""
    count = min(count, WINDOW)  # the saver's window
    db = open_archive(str(path))
    saver = TimedSaver(db)
    saver.open()  # an earlier index layout is upgraded here, before anything is timed
    run_id = start_run(db, kind="crawl", spider="archive-scale", source=None, args={"cluster-cost": count})
    articles = db.execute("select count(*) from articles").fetchone()[0]
    new = 0
    try:
        for event in events(SEED + 1):
            fetch, record = make_record(Event(event.kind, COST_STORIES + event.story, event.copy))
            capture = functools.partial(_capture_row, db, fetch, run_id)
            if saver.save(record, run_id=run_id, capture_id=capture).outcome == "new":
                new += 1
            if 0 <= warm_up <= new and not saver.pending:  # a batch boundary: start timing here
                saver.timings.clear()
                saver.in_window = 0
                warm_up = -1
            if warm_up < 0 and saver.in_window >= count:
                break
        saver.close()
    finally:
        finish_run(db, run_id, status="finished", finish_reason="finished", new=new)
        db.close()
    n, wall, cpu = saver.cost()
    log(
        f"{path.name} ({articles} articles): clustering {wall:.2f} ms wall, {cpu:.2f} ms CPU a new article "
        f"(mean of {n}, the same sample for every snapshot, after {new - n} to warm up)"
    )


# --- measuring a snapshot --------------------------------------------------------------------------------


def size_lines(path: Path, log: Log) -> None:
    db = sqlite3.connect(path)
    count = db.execute("select count(*) from articles").fetchone()[0]
    rows = db.execute(
        "select name, sum(pgsize) from dbstat group by name order by 2 desc limit 14"
    ).fetchall()
    text = db.execute("select avg(length(text)), avg(length(cast(text as blob))) from articles").fetchone()
    db.close()
    log(f"{path.name}: {count} articles, text {text[0]:.0f} characters / {text[1] / 1024:.2f} KB on average")
    for name, size in rows:
        log(f"    {name:<40} {size / count / 1024:6.2f} KB per article")


async def datasette_pages(path: Path, rounds: int) -> list[tuple[str, float, float]]:
    from publish import make_datasette

    ds = make_datasette(str(path))
    await ds.invoke_startup()
    name = path.stem
    db = sqlite3.connect(path)
    ids = [row[0] for row in db.execute("select id from articles order by random() limit ?", [rounds + 5])]
    db.close()
    frequent = ["记者", "发展", "工作", "the", "said"]
    ranked = ["青岛", "崂山 游客", "经济 发展", "government", "记者"]
    pages = {
        "articles list": [f"/{name}/articles"] * rounds,
        "facet page": [
            f"/{name}/articles?region={REGIONS[n % len(REGIONS)]}&section={SECTIONS[n % len(SECTIONS)]}"
            for n in range(rounds)
        ],
        "two-character search 青岛": [f"/{name}/articles?_search=青岛"] * rounds,
        "frequent-word search": [
            f"/{name}/articles?_search={frequent[n % len(frequent)]}" for n in range(rounds)
        ],
        "ranked search": [f"/{name}/search?q={ranked[n % len(ranked)]}" for n in range(rounds)],
        "article page": [f"/{name}/articles/{ids[n]}" for n in range(rounds)],
    }
    return await time_pages(ds, pages)


def measure(path: Path, rounds: int, log: Log) -> None:
    size_lines(path, log)
    # As `newsarchive serve` does: bring the snapshot to the current schema (indexes declared since).
    open_archive(str(path)).close()
    for label, median, p95 in asyncio.run(datasette_pages(path, rounds)):
        log(f"{path.name}: {label:<26} median {median:7.1f} ms   p95 {p95:7.1f} ms")


# --- reextract over a sample with WARC captures ---------------------------------------------------------

SAMPLE_SOURCE = "warc-sample"


def sample_pages(limit: int) -> Iterator[tuple[str, bytes]]:
    """(URL, page bytes) of the shared labelled pages, read in place."""
    found = 0
    for truth in sorted(SHARED_DATASETS.glob("*/truth.jsonl")):
        for line in truth.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            page = truth.parent / "pages" / f"{row['id']}.html.gz"
            if not page.exists():
                continue
            url = row.get("url") or f"https://{truth.parent.name}.example/{row['id']}.html"
            yield url, gzip.decompress(page.read_bytes())
            found += 1
            if found >= limit:
                return


def crawl_sample(db: sqlite_utils.Database, folder: Path, limit: int) -> int:
    """Store the sample pages as a crawl does: a WARC response and request record each (the real writer),
    a captures row pointing at them with the spider's description, the page extracted from exactly what
    ``reextract`` will read back (``load_document``), and the record saved through ``ArticleSaver``."""
    from pipelines.archive.store import set_capture_document, warc_file_closed, warc_file_opened
    from pipelines.documents.raw import record_from_document
    from pipelines.errors import DocumentError
    from pipelines.warc.records import hex_to_base32, http_headers, record_id, sha256_hex, warc_date
    from pipelines.warc.reextract import load_document
    from pipelines.warc.writer import WarcWriter

    save_source(
        db,
        Source(
            key=SAMPLE_SOURCE,
            name="WARC sample",
            start_urls=("https://sample.example/",),
            allowed_domains=("sample.example",),
            region="青岛",
        ),
    )
    run_id = start_run(db, kind="crawl", spider="archive-scale-sample", source=SAMPLE_SOURCE, args={})
    writer = WarcWriter(
        folder,
        on_open=lambda name: warc_file_opened(db, name, run_id),
        on_close=lambda name, size: warc_file_closed(db, name, size),
    )
    saver = ArticleSaver(db)
    saver.open()
    stored = 0
    for url, body in sample_pages(limit):
        moment = datetime.now(UTC)
        digest = sha256_hex(body)
        pairs = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
        main = writer.records.response(
            url,
            warc_date(moment),
            http_headers("HTTP/1.1 200 OK", pairs),
            body,
            payload_digest=hex_to_base32(digest),
        )
        sent = writer.records.request(
            url,
            warc_date(moment),
            http_headers(f"GET {url} HTTP/1.1", [("Accept", "text/html")]),
            b"",
            record_id(main),
        )
        location = writer.write([main, sent])
        capture_id = save_capture(
            db,
            {
                "run_id": run_id,
                "url": url,
                "fetched_at": moment.isoformat(timespec="microseconds"),
                "status": 200,
                "content_type": pairs[0][1],
                "headers": dict(pairs),
                "digest": "sha256:" + digest,
                "length": len(body),
                "warc_file": location.file,
                "warc_offset": location.offset,
                "warc_length": location.length,
                "warc_group_length": location.group_length,
                "warc_type": "response",
                "warc_record_id": record_id(main),
                "source": SAMPLE_SOURCE,
            },
        )
        document = {
            "name": url,
            "fetched_at": moment.isoformat(timespec="seconds"),
            "url": url,
            "source": SAMPLE_SOURCE,
            "timezone": "Asia/Shanghai",
            "kind": "html",
            "aliases": [],
        }
        set_capture_document(db, capture_id, json.dumps(document, ensure_ascii=False))
        doc = load_document(db, folder, capture_id, {})
        try:
            record = record_from_document(doc)
        except DocumentError:
            continue
        if saver.save(record, capture_id=capture_id).outcome == "new":
            stored += 1
    saver.close()
    writer.close()
    finish_run(db, run_id, status="finished", finish_reason="finished", new=stored)
    return stored


def reextract_sample(path: Path, limit: int, workers: int, log: Log, *, min_articles: int = 0) -> None:
    from pipelines.warc.reextract import reextract

    folder = path.parent / f"warc-{path.stem}"
    shutil.rmtree(folder, ignore_errors=True)
    db = open_archive(str(path))
    count = db.execute("select count(*) from articles").fetchone()[0]
    # The sample costs minutes of extraction: the build's checkpoints take it from 100,000 articles up.
    if count < min_articles:
        log(f"{path.name}: reextract sample skipped below {min_articles} articles (--min-articles 0 runs it)")
        db.close()
        return
    stored = crawl_sample(db, folder, limit)
    warc_bytes = sum(f.stat().st_size for f in folder.glob("*.warc.gz"))
    summary = reextract(db, folder, source=SAMPLE_SOURCE, workers=workers)
    db.close()
    rate = summary.selected / summary.seconds
    log(
        f"{path.name}: reextract SAMPLE of {summary.selected} articles with WARC records "
        f"(of {count + stored} in the archive), {workers} workers: {summary.seconds:.1f} s, "
        f"{rate:.1f} articles/s "
        f"(pool start-up included), changed {len(summary.changed)} {dict(summary.per_field)}, "
        f"failed {len(summary.failed)}; "
        f"WARC {warc_bytes / max(stored, 1) / 1024:.1f} KB per sample article"
    )
    log(
        f"{path.name}: reextract of the whole archive at that rate (EXTRAPOLATED from the sample): "
        f"{(count + stored) / rate / 3600:.1f} h"
    )


# --- what the heavy pages' queries cost, one by one --------------------------------------------------------


def query_costs(path: Path, log: Log, word: str = "青岛") -> None:
    """The SQL behind the slow pages, each timed alone (best of 3): how each grows with the archive. Written
    as publish/search.py and facets.py write them for the snapshot's layout of the search index: the earlier
    one (row ids = articles.id, counted and faceted by scanning) or the contentless one (row ids =
    articles.search_rowid, counted from the index, facets looked up by search_rowid, at most FACET_ROWS)."""
    from pipelines.archive.facet_counts import FACET_COLUMNS, facet_counts_are_current
    from pipelines.archive.schema import FTS_TABLE
    from pipelines.archive.search_text import match_query
    from publish.counts import kept_combinations_sql, kept_count_sql, kept_where
    from publish.facets import FACET_ROWS, MAX_COMBINATIONS, combinations_sql

    db = sqlite3.connect(path)
    db.execute("PRAGMA mmap_size = 1073741824")  # as publish/plugins/archive_search.py sets it
    layout = db.execute("select sql from sqlite_master where name = ?", [FTS_TABLE]).fetchone()[0]
    match = f"select rowid from [{FTS_TABLE}] where [{FTS_TABLE}] match :q"
    facets = "source, region, section, language"
    queries: dict[str, str] = {
        "count(*) of the table": "select count(*) from articles",
        f"full-text matches of {word}": f"select count(*) from ({match})",
    }
    if "content=''" not in layout:
        queries |= {
            f"{word}: newest 51 (+id scan)": f"select id from articles where +id in ({match}) "
            "order by published_utc desc limit 51",
            f"{word}: count (+id scan)": f"select count(*) from articles where +id in ({match})",
            f"{word}: facets, one pass": f"select {facets}, count(*) from articles indexed by "
            f"idx_articles_source_region_section_language_published where +id in ({match}) group by {facets}",
        }
    else:
        newest = f"{match} order by rowid desc limit 1 offset {FACET_ROWS - 1}"
        index = "idx_articles_search_rowid_source_region_section_language_published"
        queries |= {
            f"{word}: newest 51 (+search_rowid scan)": "select id from articles where "
            f"+search_rowid in ({match}) order by published_utc desc limit 51",
            f"{word}: count (+search_rowid scan, unused)": "select count(*) from articles where "
            f"+search_rowid in ({match})",
            f"{word}: count as the page runs it (index)": "select case when exists (select 1 from "
            f"articles_bigrams_pending) then -1 else (select count(*) from [{FTS_TABLE}] where [{FTS_TABLE}] "
            "match :q) end",
            f"{word}: facets of the newest {FACET_ROWS}": f"select {facets}, count(*) from articles "
            f"indexed by {index} where search_rowid in (select rowid from [{FTS_TABLE}] where "
            f"rowid >= coalesce(({newest}), 0) and [{FTS_TABLE}] match :q) group by {facets}",
            f"{word}: facets of all matches (unused)": f"select {facets}, count(*) from articles indexed by "
            f"{index} where search_rowid in ({match}) group by {facets}",
        }
    # The facet page (?region=R&section=S) and the list: what counting and grouping the articles costs (the
    # plan before the kept facet counts, and still the plan of an archive without them) and what the pages
    # run when the archive keeps them (publish/counts.py): sums over articles_facet_counts.
    kept = facet_counts_are_current(db)
    unused = " (unused)" if kept else ""
    where = 'where "region" = :region and "section" = :section '
    queries |= {
        f"{word}: bm25 top 20": f"{match} order by bm25([{FTS_TABLE}]) limit 20",
        f"unfiltered facet: source{unused}": "select source, count(*) from articles group by source "
        "order by 2 desc limit 31",
        f"unfiltered facet: section{unused}": "select section, count(*) from articles group by section "
        "order by 2 desc limit 31",
        f"facet page: count of articles{unused}": f"select count(*) from articles {where}",
        f"facet page: facets, one pass{unused}": combinations_sql(
            list(FACET_COLUMNS), f"from articles {where}"
        ),
    }
    if kept:
        kept_where_sql = kept_where(where) or ""
        queries |= {
            "unfiltered: count (kept counts)": kept_count_sql("select count(*) from articles ") or "",
            "unfiltered: facets (kept combinations)": kept_combinations_sql(
                list(FACET_COLUMNS), "", MAX_COMBINATIONS + 1
            ),
            "facet page: count (kept counts)": kept_count_sql(f"select count(*) from articles {where}") or "",
            "facet page: facets (kept combinations)": kept_combinations_sql(
                list(FACET_COLUMNS), kept_where_sql, MAX_COMBINATIONS + 1
            ),
        }
    params = {"q": match_query(word), "region": REGIONS[0], "section": SECTIONS[0]}
    count = db.execute("select count(*) from articles").fetchone()[0]
    for label, sql in queries.items():
        best = float("inf")
        for _ in range(3):
            began = time.perf_counter()
            rows = db.execute(sql, params).fetchall()
            best = min(best, time.perf_counter() - began)
        shown = rows[0][0] if len(rows) == 1 else f"{len(rows)} rows"
        log(f"{path.name} ({count} articles): {label:<40} {best * 1000:8.1f} ms  ({shown})")
    db.close()


# --- upgrading a snapshot's search index to the contentless layout ------------------------------------------

MIGRATION_WORDS = ["青岛", "崂山", "记者", "发展", "工作", "the", "said", "黄岛 游客", "市南区", "经济发展"]


def _ranked(db: sqlite3.Connection, bm25: str, word: str) -> list[tuple[int, float]]:
    """The ranked search's order for ``word``: (search row id, bm25 score) of its best 50 matches."""
    from pipelines.archive.schema import FTS_TABLE
    from pipelines.archive.search_text import match_query

    sql = (
        f"select rowid, {bm25} from [{FTS_TABLE}] where [{FTS_TABLE}] match ? order by {bm25}, rowid limit 50"
    )
    return db.execute(sql, [match_query(word)]).fetchall()


def _documents(db: sqlite3.Connection) -> dict[int, Any]:
    """Every capture's document as a reader gets it (``capture_document.expand``)."""
    from pipelines.archive import capture_document

    cursor = db.execute("select * from captures where document is not null")
    names = [d[0] for d in cursor.description]
    return {row[0]: capture_document.expand(dict(zip(names, row, strict=True))) for row in cursor}


def _candidates(db: sqlite3.Connection, signatures: list[tuple[int, bytes]]) -> list[list[int]]:
    """The LSH candidates (after the signature estimate) of stored articles, looked up as clustering does."""
    from pipelines.dedup import near as nd

    wrapped = sqlite_utils.Database(db)
    found = []
    for article_id, signature in signatures:
        candidates = nd.lsh_candidates(wrapped, nd.lsh_buckets(signature), exclude=article_id)
        found.append(nd.likely_candidates(wrapped, signature, candidates))
    return found


def migrate(path: Path, log: Log, *, sample: int = 2000) -> None:
    """Open a snapshot COPY of an earlier layout with the current code, which upgrades it (ensure_db_shape:
    the search index and the captures' documents; ensure_clusters: the near-duplicate index), timed; then
    what a user and clustering get, compared before and after: the searches' article ids, the ranked search's
    order and bm25 scores, every capture's document, the LSH candidates of ``sample`` articles; FTS5's
    integrity-check, ``VACUUM`` and the size per article."""
    from pipelines.archive.schema import BM25_SQL, FTS_TABLE, SEARCH_IDS_SQL, search_index_is_current
    from pipelines.archive.search_text import match_query
    from pipelines.dedup import near as nd
    from pipelines.dedup.clusters import ensure_clusters

    raw = sqlite3.connect(path)
    count = raw.execute("select count(*) from articles").fetchone()[0]
    layout = raw.execute("select sql from sqlite_master where name = ?", [FTS_TABLE]).fetchone()[0]
    old_layout = "content=''" not in layout
    title_first = "(title,text," in "".join(layout.split()).lower()  # the column order before 2026-12-07
    old_bm25 = f"bm25([{FTS_TABLE}], {'5.0, 1.0' if title_first else '1.0, 5.0'})"
    before = {}
    ranked_before = {}
    for word in MIGRATION_WORDS:
        sql = f"select rowid from [{FTS_TABLE}] where [{FTS_TABLE}] match ?" if old_layout else SEARCH_IDS_SQL
        before[word] = sorted(row[0] for row in raw.execute(sql, [match_query(word)]))
        if not old_layout:  # row ids are search_rowid, kept by the upgrade
            ranked_before[word] = _ranked(raw, old_bm25, word)
    documents_before = _documents(raw)
    signatures = raw.execute(
        f"select article_id, signature from [{nd.SIGNATURES_TABLE}] order by article_id limit ?", [sample]
    ).fetchall()
    wide = nd.get_state(sqlite_utils.Database(raw), "index_signature") == nd._WIDE_BUCKETS_SIGNATURE
    bits, nd.BUCKET_BITS = nd.BUCKET_BITS, 64 if wide else nd.BUCKET_BITS  # the look-ups of the old layout
    try:
        candidates_before = _candidates(raw, signatures)
    finally:
        nd.BUCKET_BITS = bits
    raw.close()
    log(
        f"{path.name}: {count} articles, {db_bytes(path) / count / 1024:.2f} KB per article "
        "before the upgrade"
    )
    began = time.perf_counter()
    db = open_archive(str(path))
    took = time.perf_counter() - began
    assert search_index_is_current(db)
    log(f"{path.name}: upgraded by open_archive (search index, capture documents) in {took:.1f} s")
    began = time.perf_counter()
    ensure_clusters(db)
    log(
        f"{path.name}: near-duplicate index upgraded (ensure_clusters) in {time.perf_counter() - began:.1f} s"
    )
    after = {
        word: sorted(row[0] for row in db.execute(SEARCH_IDS_SQL, [match_query(word)])) for word in before
    }
    same = [word for word in before if before[word] == after[word]]
    log(
        f"{path.name}: search results identical before and after for {len(same)} of {len(before)} queries "
        f"({sum(len(ids) for ids in after.values())} matches in all)"
    )
    if ranked_before:
        same = [w for w in ranked_before if _ranked(db.conn, BM25_SQL, w) == ranked_before[w]]
        log(
            f"{path.name}: ranked search (best 50, bm25 scores compared exactly) identical for {len(same)} "
            f"of {len(ranked_before)} queries"
        )
    documents_after = _documents(db.conn)
    same_documents = sum(documents_before[i] == documents_after.get(i) for i in documents_before)
    log(
        f"{path.name}: capture documents identical as read for {same_documents} of {len(documents_before)}; "
        f"{db.execute('select avg(length(document)) from captures').fetchone()[0]:.0f} bytes on average now"
    )
    candidates_after = _candidates(db.conn, signatures)
    same_candidates = sum(a == b for a, b in zip(candidates_before, candidates_after, strict=True))
    log(
        f"{path.name}: LSH candidates (after the signature estimate) identical for {same_candidates} of "
        f"{len(signatures)} articles ({sum(map(len, candidates_after))} candidates in all)"
    )
    began = time.perf_counter()
    db.execute(f"insert into [{FTS_TABLE}] ([{FTS_TABLE}]) values ('integrity-check')")
    log(f"{path.name}: FTS5 integrity-check passed in {time.perf_counter() - began:.1f} s")
    db.close()
    vacuum(path, log)


def sizes(path: Path, log: Log, floor_kb: float = 0.005) -> None:
    """``dbstat`` of a (vacuumed) database: per table and index, KB per article of pages, payload and unused
    space, those of at least ``floor_kb``; then the total and the file."""
    db = sqlite3.connect(path)
    count = db.execute("select count(*) from articles").fetchone()[0]
    rows = db.execute(
        "select name, sum(pgsize), sum(payload), sum(unused) from dbstat group by name order by 2 desc"
    ).fetchall()
    pages = db.execute("pragma page_count").fetchone()[0] * db.execute("pragma page_size").fetchone()[0]
    db.close()
    per = 1024 * count
    for name, size, payload, unused in rows:
        if size / per >= floor_kb:
            log(
                f"{path.name}: {name:<52} {size / per:6.3f} KB per article "
                f"(payload {payload / per:6.3f}, unused {unused / per:6.3f})"
            )
    total = sum(row[1] for row in rows)
    log(f"{path.name}: {count} articles, dbstat {total / per:.3f} KB per article, file {pages / per:.3f}")


def vacuum(path: Path, log: Log) -> None:
    """The snapshot vacuumed: written by ``VACUUM INTO`` beside it, then put in its place (an in-place VACUUM
    of a WAL database needs a temporary copy and as much WAL again), with its size per article."""
    db = sqlite3.connect(path)
    count = db.execute("select count(*) from articles").fetchone()[0]
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    target = path.with_name(f"{path.stem}.vacuum.tmp")
    target.unlink(missing_ok=True)
    began = time.perf_counter()
    db.execute("VACUUM INTO ?", [str(target)])
    db.close()
    target.replace(path)
    for suffix in ("-wal", "-shm"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)
    log(
        f"{path.name}: VACUUM INTO {time.perf_counter() - began:.1f} s, database "
        f"{db_bytes(path) / count / 1024:.2f} KB per article after it"
    )


# --- what the full-text index would take in other layouts ------------------------------------------------

FTS_VARIANTS = {
    "as declared now (content stored)": ("", False),
    "contentless (content='')": ("content=''", False),
    "contentless, sequential rowids": ("content=''", True),
    "contentless, detail=column": ("content='', detail=column", False),
}


def fts_sizes(path: Path, log: Log, limit: int | None = None) -> None:
    """The search index of a snapshot rebuilt in other FTS5 layouts in a scratch file, from the indexed
    (bigram) text the snapshot stores: KB per article of each. Nothing in the snapshot changes."""
    from pipelines.archive.schema import FTS_TABLE

    scratch = path.parent / f"fts-scratch-{os.getpid()}.db"
    scratch.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute("attach ? as s", [str(scratch)])
    count = db.execute("select count(*) from articles").fetchone()[0]
    n = min(count, limit or count)
    for label, (options, sequential) in FTS_VARIANTS.items():
        db.execute("drop table if exists s.v")
        extra = f", {options}" if options else ""
        db.execute(
            f"create virtual table s.v using fts5(title, text{extra}, "
            "tokenize = 'unicode61 remove_diacritics 2')"
        )
        rowid = "row_number() over (order by id)" if sequential else "id"
        began = time.perf_counter()
        with db:
            db.execute(
                f"insert into s.v (rowid, title, text) select {rowid}, c0, c1 from "
                f"(select rowid as id, c0, c1 from [{FTS_TABLE}_content] order by rowid limit ?)",
                [n],
            )
            db.execute("insert into s.v (v) values ('optimize')")
        size = db.execute("select sum(pgsize) from dbstat('s') where name like 'v%'").fetchone()[0]
        log(
            f"{path.name}: search index {label:<36} {size / n / 1024:6.2f} KB per article "
            f"(built in {time.perf_counter() - began:.0f} s over {n} articles)"
        )
    db.execute("detach s")
    db.close()
    scratch.unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    b = sub.add_parser("build")
    b.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    b.add_argument("--target", type=int, default=1_000_000)
    b.add_argument("--checkpoints", default=",".join(map(str, CHECKPOINTS)))
    b.add_argument("--no-measure", action="store_true", help="checkpoints without Datasette and reextract")
    b.add_argument(
        "--cache-kb", type=int, help="page cache of the storing connection (default: ArticleSaver's)"
    )
    b.add_argument(
        "--commit-each",
        action="store_true",
        help="commit every fetch on its own, as a crawl does (default: one commit per clustering batch)",
    )
    m = sub.add_parser("measure")
    m.add_argument("--db", type=Path, required=True)
    m.add_argument("--rounds", type=int, default=40)
    m.add_argument("--log", type=Path)
    r = sub.add_parser("reextract")
    r.add_argument("--db", type=Path, required=True)
    r.add_argument("--sample", type=int, default=600)
    r.add_argument("--workers", type=int, default=2)
    r.add_argument("--log", type=Path)
    r.add_argument("--min-articles", type=int, default=100_000)
    q = sub.add_parser("query-costs")
    q.add_argument("--db", type=Path, required=True)
    q.add_argument("--log", type=Path)
    f = sub.add_parser("fts-sizes")
    f.add_argument("--db", type=Path, required=True)
    f.add_argument("--limit", type=int)
    f.add_argument("--log", type=Path)
    z = sub.add_parser("sizes", help="dbstat: KB per article of each table and index")
    z.add_argument("--db", type=Path, required=True)
    z.add_argument("--log", type=Path)
    u = sub.add_parser("migrate", help="upgrade a COPY of a snapshot, timed and checked")
    u.add_argument("--db", type=Path, required=True)
    u.add_argument("--log", type=Path)
    v = sub.add_parser("vacuum", help="VACUUM INTO beside a COPY of a snapshot, then put in its place")
    v.add_argument("--db", type=Path, required=True)
    v.add_argument("--log", type=Path)
    c = sub.add_parser("cluster-cost", help="clustering cost of the same new articles, on a snapshot COPY")
    c.add_argument("--db", type=Path, required=True)
    c.add_argument("--count", type=int, default=WINDOW)
    c.add_argument("--log", type=Path)
    t = sub.add_parser("rate")
    t.add_argument("--count", type=int, default=2000)
    args = parser.parse_args(argv)
    if args.command == "build":
        points = [int(p) for p in args.checkpoints.split(",") if p]
        log = Log(args.dir / "results.log")
        build(
            args.dir,
            args.target,
            points,
            log,
            measure_after=not args.no_measure,
            cache_kb=args.cache_kb,
            group_commits=not args.commit_each,
        )
    elif args.command == "measure":
        measure(args.db, args.rounds, Log(args.log))
    elif args.command == "reextract":
        reextract_sample(args.db, args.sample, args.workers, Log(args.log), min_articles=args.min_articles)
    elif args.command == "query-costs":
        query_costs(args.db, Log(args.log))
    elif args.command == "sizes":
        sizes(args.db, Log(args.log))
    elif args.command == "migrate":
        migrate(args.db, Log(args.log))
    elif args.command == "vacuum":
        vacuum(args.db, Log(args.log))
    elif args.command == "fts-sizes":
        fts_sizes(args.db, Log(args.log), args.limit)
    elif args.command == "cluster-cost":
        cluster_cost(args.db, args.count, Log(args.log))
    elif args.command == "rate":
        scratch = Path("/tmp") / f"archive-scale-rate-{os.getpid()}"
        shutil.rmtree(scratch, ignore_errors=True)
        build(scratch, args.count, [], Log(None), measure_after=False, group_commits=False)
        shutil.rmtree(scratch, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
