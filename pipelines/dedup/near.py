"""Near-duplicate detection: shingles, MinHash signatures and an LSH index kept in SQLite.

A story syndicated across sites differs by title suffix, boilerplate, a cut paragraph, punctuation, or a
truncated body, so texts are compared as sets of shingles (character 5-grams for Chinese, word 4-grams
otherwise) with boilerplate lines removed. MinHash (datasketch) with banded LSH finds the few stored
articles worth comparing; each is then verified on its real shingle sets, so LSH only has to be sensitive.

The LSH index is one SQLite row per (band bucket, article) in a WITHOUT ROWID table keyed by both: a
lookup is one query over ``BANDS`` buckets of one b-tree, whatever the size of the archive, and it survives
restarts. ``rebuild_lsh_index`` rebuilds it from ``articles`` (the index is derived data).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import sqlite_utils
from datasketch import MinHash

from pipelines.archive.schema import DEDUP_LSH_SQL
from pipelines.documents.records import site_of
from pipelines.text.cjk import CJK_CHAR

BANDS, ROWS = 42, 3  # pairs of Jaccard 0.3 become candidates with p ~ 0.68, of 0.5 ~ 0.995, of 0.05 ~ 0.005
NUM_PERM = BANDS * ROWS
CHAR_SHINGLE = 5  # Chinese: 5 characters span two words, so shared topic vocabulary rarely matches
WORD_SHINGLE = 4
MIN_SHINGLES = 20  # fewer than this (a caption, a one-line notice) is too little to call anything a copy
# Verification: the smaller text mostly inside the larger (truncated or cut copies), and a good part of the
# larger text shared too: a follow-up reusing one background paragraph of a story is another story.
MIN_CONTAINMENT = 0.6
MIN_COVERAGE = 0.3
MIN_OVERLAP = 25
# Folding two existing clusters into one needs stronger evidence than joining one: a wrong merge costs
# every pair of the two stories, a wrong join only the article's own pairs.
MERGE_COVERAGE = 0.5
TOP_CANDIDATES = 20  # candidates verified per article, most shared buckets first: bounds the work
# Signature values (of NUM_PERM) a candidate must share with the article to be verified (likely_candidates).
MIN_SIGNATURE_AGREEMENT = 10
# Rows read per bucket at most. A bucket of template text (a topic's stock sentence) gains articles as the
# archive grows; reading all of it would make a lookup grow with the archive. Rows are keyed by article id
# (a hash), so the first BUCKET_SAMPLE are a fair sample: a large story's copies still show up in it.
BUCKET_SAMPLE = 32
BOILERPLATE_STORIES = 3  # a line seen in this many different stories of one site is that site's template
# The parameters and the table layout: a change of either rebuilds the index from the articles.
# (v3: is_chinese counts the CJK characters of pipelines.text.cjk, which adds Extension B and beyond,
# hangul jamo and the katakana phonetic extensions. v4: no (article_id) index; each article's signature in
# dedup_signatures instead. v5: 48-bit buckets, see BUCKET_BITS.)
_PARAMETERS = f"minhash-affine32-crc32/{BANDS}x{ROWS}/c{CHAR_SHINGLE}/w{WORD_SHINGLE}"
INDEX_SIGNATURE = f"{_PARAMETERS}/pk-bucket48-article+signatures/v5"
# An index of v4 (64-bit buckets) is converted where it is (each bucket shifted to its top 48 bits, which is
# what lsh_buckets now gives), not rebuilt from the articles: convert_wide_buckets.
_WIDE_BUCKETS_SIGNATURE = f"{_PARAMETERS}/pk-bucket-article+signatures/v4"
# Bits of a bucket. SQLite stores an integer within 48 bits in 6 bytes, one of 64 in 8: 2 bytes less in each
# of an article's 42 rows (0.08 KB an article, ~10 % of the table). Two different bands' values fall in one
# bucket by chance with odds 2^-48 per pair of stored and looked-up buckets: building an archive of N
# articles compares 42 * 42 * N^2 / 2 such pairs, ~3 at a million articles (~5e-5 with 64 bits). Such a
# candidate shares one bucket and nothing else: likely_candidates drops it before verification (10 of 126
# signature values agreeing by chance: below 1e-15 for texts sharing under 0.1 % of their shingles), so a
# decision could only change if it took the last of the TOP_CANDIDATES places (5 % of look-ups fill them, at
# 100,000 articles), or a BUCKET_SAMPLE place, from a real candidate that would have verified: ~0.15 look-ups
# in a million-article build. (At 100,000 articles, every article's candidates were the same both ways.)
BUCKET_BITS = 48
# Page cache of a clustering connection: the LSH b-tree takes ~1 KB per article (42 rows), inserted at
# random places; pages that miss the cache are read from the OS
# through the memory map rather than by a system call each.
CLUSTER_CACHE_KB = 256 * 1024
CLUSTER_MMAP_BYTES = 4 << 30

LSH_TABLE = "dedup_lsh"
SIGNATURES_TABLE = (
    "dedup_signatures"  # each article's MinHash signature: its buckets, and a similarity estimate
)
_OLD_ARTICLE_INDEX = "idx_dedup_lsh_article_id"  # the v3 layout's (article_id) index on the LSH table
LINES_TABLE = "dedup_lines"
STATE_TABLE = "dedup_state"

# Lines that are a page's furniture, not the story: editor and source credits, copyright, app and QR
# promotions. Only short lines are tested, so a story about an app or a copyright case keeps its text.
_CREDIT_LINE = re.compile(
    r"^[\s(\[（【]*(责任编辑|责编|编辑|校对|审核|审校|终审|监制|主编|值班编辑|作者|记者|通讯员|来源|本文来源|稿件来源"
    r"|原标题|原文标题|原文链接|图片来源|图片|图|摄影|摄|视频|制图|出品|转载|声明|editor|source|photo|by)\s*[:：丨|/]",
    re.IGNORECASE,
)
_FURNITURE = re.compile(
    r"版权|免责声明|转载请|未经授权|扫码|二维码|扫一扫|公众号|客户端|点击(?:查看|阅读|进入)|下载.{0,6}app|分享到|举报|"
    r"copyright|all rights reserved|advertisement|subscribe|sign up|newsletter|read more|share this|"
    r"follow us|related:|recommended",
    re.IGNORECASE,
)
_SHORT_LINE = 80


@dataclass(frozen=True)
class Fingerprint:
    """What near-duplicate matching knows of one text."""

    shingles: frozenset[str]
    buckets: tuple[int, ...]  # one LSH bucket per band; empty when the text is too short to match
    signature: bytes = b""  # the MinHash values (NUM_PERM little-endian uint32); the buckets derive from it


@dataclass(frozen=True)
class Match:
    article_id: int
    containment: float  # |A ∩ B| / min(|A|, |B|)
    coverage: float  # |A ∩ B| / max(|A|, |B|)
    jaccard: float


_NOT_WORD = re.compile(r"[\W_]+")


def fold(text: str) -> str:
    """Width, case and every punctuation or symbol removed: "“青岛”，" and "「青岛」," fold alike."""
    return _NOT_WORD.sub(" ", unicodedata.normalize("NFKC", text).casefold())


@lru_cache(maxsize=4096)
def line_key(line: str) -> str:
    # Cached: clustering one article keys each of its lines three times (site boilerplate, story lines,
    # shingles), and a site's template lines recur in every article.
    return " ".join(fold(line).split())


def is_furniture(line: str) -> bool:
    """A credit, copyright or promotion line of stored text, in any language.

    Not ``pipelines.extract.furniture.is_furniture``: that one cleans Chinese pages while extracting; this
    one only keeps such lines out of shingles, on text as stored (older extractor versions, seeds, English).
    """
    stripped = line.strip()
    if not stripped:
        return True
    if len(stripped) > _SHORT_LINE:
        return False
    return bool(_CREDIT_LINE.match(stripped) or _FURNITURE.search(stripped))


def story_lines(text: str, boilerplate: Iterable[str] = ()) -> list[str]:
    """The text's lines without furniture and without lines known as the site's ``boilerplate`` keys."""
    known = set(boilerplate)
    return [line for line in text.splitlines() if not is_furniture(line) and line_key(line) not in known]


def is_chinese(text: str) -> bool:
    """Mostly CJK letters (pipelines.text.cjk: kana and hangul count): such text is shingled by characters,
    not words."""
    head = text[:2000]
    letters = sum(map(str.isalpha, head))
    return letters > 0 and len(CJK_CHAR.findall(head)) / letters > 0.3


def shingle_set(lines: Sequence[str]) -> frozenset[str]:
    """Character 5-grams over the folded text (punctuation and spaces removed) for Chinese, word 4-grams
    otherwise. Shingles run across line breaks, so a re-wrapped page shingles alike."""
    joined = "\n".join(lines)
    # The folded words of the whole text are those of its lines in turn (folding never joins two lines),
    # so the lines' cached keys serve: no second fold of the text.
    words = [word for line in lines for word in line_key(line).split()]
    if is_chinese(joined):
        chars = "".join(words)
        n = CHAR_SHINGLE
        return frozenset(chars[i : i + n] for i in range(max(len(chars) - n + 1, 0)))
    n = WORD_SHINGLE
    return frozenset(" ".join(words[i : i + n]) for i in range(max(len(words) - n + 1, 0)))


@lru_cache(maxsize=1)
def _permutations() -> Any:
    # Generating the permutations is most of a MinHash's set-up cost: do it once per process.
    return MinHash(num_perm=NUM_PERM, seed=1, scheme="affine32").permutations


def minhash(shingles: Iterable[str]) -> MinHash:
    # zlib.crc32 itself, not a Python wrapper: it is called once per shingle.
    sketch = MinHash(
        num_perm=NUM_PERM, seed=1, hashfunc=zlib.crc32, permutations=_permutations(), scheme="affine32"
    )
    sketch.update_batch([s.encode("utf-8") for s in shingles])
    return sketch


def signature_bytes(hashvalues: Any) -> bytes:
    return np.asarray(hashvalues, dtype="<u4").tobytes()


def signature_values(signature: bytes) -> Any:
    return np.frombuffer(signature, dtype="<u4")


def lsh_buckets(sketch: MinHash | bytes) -> tuple[int, ...]:
    """One signed BUCKET_BITS-bit bucket per band: a hash of the band's number and its ROWS minimum hashes
    (of a MinHash, or of a stored signature). The top bits of a signed 64-bit hash, so that a v4 bucket (the
    whole 64 bits) becomes this one by an arithmetic shift, in SQL as in Python (convert_wide_buckets)."""
    hashvalues = signature_values(sketch) if isinstance(sketch, bytes) else sketch.hashvalues
    values = np.asarray(hashvalues, dtype=np.uint64)
    buckets = []
    for band in range(BANDS):
        chunk = values[band * ROWS : (band + 1) * ROWS].tobytes()
        digest = hashlib.blake2b(chunk, digest_size=8, salt=band.to_bytes(16, "little")).digest()
        buckets.append(int.from_bytes(digest, "little", signed=True) >> (64 - BUCKET_BITS))
    return tuple(buckets)


def fingerprint(text: str, boilerplate: Iterable[str] = ()) -> Fingerprint:
    shingles = shingle_set(story_lines(text, boilerplate))
    if len(shingles) < MIN_SHINGLES:
        return Fingerprint(shingles, ())
    sketch = minhash(shingles)
    return Fingerprint(shingles, lsh_buckets(sketch), signature_bytes(sketch.hashvalues))


def similarity(a: frozenset[str], b: frozenset[str], article_id: int = 0) -> Match:
    shared = len(a & b)
    small, large = sorted((len(a), len(b)))
    return Match(
        article_id, shared / (small or 1), shared / (large or 1), shared / (small + large - shared or 1)
    )


def is_same_story(match: Match, shared: int) -> bool:
    return match.containment >= MIN_CONTAINMENT and match.coverage >= MIN_COVERAGE and shared >= MIN_OVERLAP


# --- site boilerplate: lines repeated across a site's different stories ---------------------------------


def _line_keys(text: str) -> list[str]:
    keys = {line_key(line) for line in text.splitlines()}
    return [k for k in keys if 4 <= len(k) <= 300]


def site_boilerplate(db: sqlite_utils.Database, site: str, text: str) -> set[str]:
    """The lines of ``text`` that ``site`` has shown in at least BOILERPLATE_STORIES different stories."""
    keys = _line_keys(text)
    if not keys:
        return set()
    hashed = {_line_hash(site, k): k for k in keys}
    marks = ",".join("?" * len(hashed))
    rows = db.execute(
        f"select hash from [{LINES_TABLE}] where hash in ({marks}) and stories >= ?",
        [*hashed, BOILERPLATE_STORIES],
    ).fetchall()
    return {hashed[row[0]] for row in rows}


def count_story_lines(db: sqlite_utils.Database, site: str, text: str) -> None:
    """Count the lines of a new story (not of a copy: copies would make the story its own boilerplate)."""
    db.conn.executemany(
        f"insert into [{LINES_TABLE}] (hash, site, stories) values (?, ?, 1) "
        "on conflict(hash) do update set stories = stories + 1",
        [(_line_hash(site, key), site) for key in _line_keys(text)],
    )


def _line_hash(site: str, key: str) -> int:
    digest = hashlib.blake2b(f"{site}\n{key}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "little", signed=True)


def article_site(row: Mapping[str, Any]) -> str:
    url = row.get("url") or row.get("canonical_url")
    return site_of(url) if url and str(url).startswith("http") else str(row.get("source") or "")


# --- the persisted LSH index -----------------------------------------------------------------------------


def ensure_lsh_table(db: sqlite_utils.Database) -> bool:
    """Create the LSH tables in their current layout. An older layout is replaced and its signature
    forgotten: returns True then, and the index must be rebuilt (``ensure_clusters`` does it). Older
    layouts: a rowid table with an ``id`` column and two indexes (dropped), and the WITHOUT ROWID table with
    an (article_id) index and no ``dedup_buckets`` (v3: the index is dropped; its rows are rebuilt). An index
    of the current layout with 64-bit buckets (v4) is converted where it is (:func:`convert_wide_buckets`) and
    False returned: every writer passes here first, so no 48-bit row lands beside 64-bit ones."""
    found = dict(
        db.execute(
            "select name, sql from sqlite_master where name in (?, ?, ?)",
            [LSH_TABLE, SIGNATURES_TABLE, _OLD_ARTICLE_INDEX],
        ).fetchall()
    )
    lsh_sql = found.get(LSH_TABLE)
    current = lsh_sql is not None and "WITHOUT ROWID" in str(lsh_sql).upper()
    if current and SIGNATURES_TABLE in found and _OLD_ARTICLE_INDEX not in found:
        if get_state(db, "index_signature") == _WIDE_BUCKETS_SIGNATURE:
            convert_wide_buckets(db)
        return False
    older = lsh_sql is not None
    with db.conn:
        if older and not current:
            db.execute(f"drop table [{LSH_TABLE}]")
        db.execute(f"drop index if exists [{_OLD_ARTICLE_INDEX}]")
        if older:
            db.execute(f"delete from [{STATE_TABLE}] where key = 'index_signature'")
        for sql in DEDUP_LSH_SQL:
            db.execute(sql)
    return older


def convert_wide_buckets(db: sqlite_utils.Database) -> int:
    """An index of 64-bit buckets (v4) made one of BUCKET_BITS-bit buckets, in one transaction: every row's
    bucket shifted to its top bits (as lsh_buckets computes them), the table copied in order into a new one
    (a primary key cannot be updated in place without a sort and two copies), and the signature set. The
    articles, signatures and clusters are not read. Returns the rows converted."""
    with transaction(db):
        if get_state(db, "index_signature") != _WIDE_BUCKETS_SIGNATURE:
            return 0  # another process converted it meanwhile
        new = f"{LSH_TABLE}_narrow"
        db.execute(f"drop table if exists [{new}]")
        db.execute(DEDUP_LSH_SQL[0].replace(f"[{LSH_TABLE}]", f"[{new}]"))
        # OR IGNORE: two buckets of one article that differ in their low 16 bits only become one row (odds
        # ~1e-11 an article), as index_buckets would have written them.
        cursor = db.execute(
            f"insert or ignore into [{new}] (bucket, article_id) "
            f"select bucket >> {64 - BUCKET_BITS}, article_id from [{LSH_TABLE}] order by 1, 2"
        )
        db.execute(f"drop table [{LSH_TABLE}]")
        db.execute(f"alter table [{new}] rename to [{LSH_TABLE}]")
        set_state(db, "index_signature", INDEX_SIGNATURE)
    return int(cursor.rowcount)


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[None]:
    """One explicit transaction: sqlite-utils commits every write ``db.execute`` makes outside one, which
    would make each counted line and cluster update a commit of its own.

    IMMEDIATE: the write lock is taken (waiting for it if need be) before the first read. A deferred
    transaction reads first, and if another connection (the crawl's store and WARC writers) commits before
    its first write, SQLite refuses that write at once with "database is locked", whatever busy_timeout.
    """
    if not db.conn.in_transaction:
        db.conn.execute("BEGIN IMMEDIATE")
    with db.conn:  # commits (with whatever the caller left open, as before), or rolls back on an error
        yield


def tune_for_clustering(db: sqlite_utils.Database) -> None:
    """A larger page cache and a memory map for the connection that clusters (see CLUSTER_CACHE_KB)."""
    db.execute(f"PRAGMA cache_size = -{CLUSTER_CACHE_KB}")
    if db.conn.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
        db.execute(f"PRAGMA mmap_size = {CLUSTER_MMAP_BYTES}")


def index_buckets(
    db: sqlite_utils.Database,
    article_id: int,
    buckets: Sequence[int],
    *,
    known: bool = True,
    signature: bytes = b"",
) -> None:
    """Replace the article's LSH rows (a new version's text replaces the old one's buckets), and keep its
    MinHash ``signature`` in ``dedup_signatures``.

    The stored signature gives the buckets of the article's rows back, so they are found by primary key when
    its text changes: an (article_id) index on the LSH table cost as much as the table itself (42 entries an
    article) and as many random page writes. Rows are written with their signature (a caller giving none, as
    some tests do, writes rows that are never replaced).
    ``known=False`` says the article has no rows yet (first clustering, or a rebuild): no lookup then."""
    if known:
        row = db.execute(
            f"select signature from [{SIGNATURES_TABLE}] where article_id = ?", [article_id]
        ).fetchone()
        if row is not None:  # no signature: never indexed, or too short for buckets (no rows either)
            keep = set(buckets)
            db.conn.executemany(
                f"delete from [{LSH_TABLE}] where bucket = ? and article_id = ?",
                [(b, article_id) for b in lsh_buckets(bytes(row[0])) if b not in keep],
            )
    db.conn.executemany(
        f"insert or ignore into [{LSH_TABLE}] (bucket, article_id) values (?, ?)",
        [(b, article_id) for b in buckets],
    )
    if signature:
        db.execute(
            f"insert or replace into [{SIGNATURES_TABLE}] (article_id, signature) values (?, ?)",
            [article_id, signature],
        )
    elif known:
        db.execute(f"delete from [{SIGNATURES_TABLE}] where article_id = ?", [article_id])


def likely_candidates(db: sqlite_utils.Database, signature: bytes, candidates: Sequence[int]) -> list[int]:
    """The candidates whose stored signature agrees with ``signature`` in at least MIN_SIGNATURE_AGREEMENT
    of its NUM_PERM values (an estimate of their Jaccard similarity), in the given order; a candidate without
    a stored signature is kept.

    One shared LSH band is all it takes to be a candidate, and texts that share a sentence or two with the
    article (Jaccard ~0.01) become candidates more often as the archive grows: at 25,000 articles 0.8 such
    candidates an article, doubling with the archive. Verifying one reads and shingles its text (~0.5 ms);
    this estimate reads 504 bytes. A same-story pair has Jaccard >= 0.25 (containment >= 0.6 and coverage
    >= 0.3): 32 agreeing values expected of 126, and fewer than 10 with probability ~1e-5."""
    if not signature or not candidates:
        return list(candidates)
    marks = ",".join("?" * len(candidates))
    stored = dict(
        db.execute(
            f"select article_id, signature from [{SIGNATURES_TABLE}] where article_id in ({marks})",
            list(candidates),
        ).fetchall()
    )
    mine = signature_values(signature)
    kept = []
    for candidate in candidates:
        other = stored.get(candidate)
        if other is None or len(other) != len(signature):
            kept.append(candidate)  # nothing to estimate from: verified as before
            continue
        if int(np.count_nonzero(signature_values(bytes(other)) == mine)) >= MIN_SIGNATURE_AGREEMENT:
            kept.append(candidate)
    return kept


def lsh_candidates(
    db: sqlite_utils.Database, buckets: Sequence[int], *, exclude: int | None = None
) -> list[int]:
    """Stored articles sharing at least one bucket, most shared buckets first, at most TOP_CANDIDATES."""
    if not buckets:
        return []
    one = f"select * from (select article_id from [{LSH_TABLE}] where bucket = ? limit {BUCKET_SAMPLE + 1})"
    hits: dict[int, int] = {}
    for (article_id,) in db.execute(" union all ".join([one] * len(buckets)), list(buckets)):
        if article_id != exclude:
            hits[article_id] = hits.get(article_id, 0) + 1
    return sorted(hits, key=lambda a: (-hits[a], a))[:TOP_CANDIDATES]


def article_fingerprint(db: sqlite_utils.Database, row: Mapping[str, Any]) -> Fingerprint:
    text = row.get("text") or ""
    return fingerprint(text, site_boilerplate(db, article_site(row), text))


def article_shingles(db: sqlite_utils.Database, row: Mapping[str, Any]) -> frozenset[str]:
    """The shingles alone (no MinHash): what verifying a candidate needs."""
    text = row.get("text") or ""
    return shingle_set(story_lines(text, site_boilerplate(db, article_site(row), text)))


def verified_matches(
    db: sqlite_utils.Database, shingles: frozenset[str], candidates: Sequence[int]
) -> list[Match]:
    """The candidates whose text really is the same story, best first."""
    if not candidates:
        return []
    marks = ",".join("?" * len(candidates))
    rows = db.execute(
        f"select id, url, canonical_url, source, text from articles where id in ({marks})", list(candidates)
    ).fetchall()
    matches = []
    for article_id, url, canonical_url, source, text in rows:
        row = {"url": url, "canonical_url": canonical_url, "source": source, "text": text}
        other = article_shingles(db, row)
        match = similarity(shingles, other, int(article_id))
        if is_same_story(match, len(shingles & other)):
            matches.append(match)
    return sorted(matches, key=lambda m: (-m.coverage, -m.containment, m.article_id))


def get_state(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute(f"select value from [{STATE_TABLE}] where key = ?", [key]).fetchone()
    return None if row is None else str(row[0])


def set_state(db: sqlite_utils.Database, key: str, value: str) -> None:
    db.execute(f"insert or replace into [{STATE_TABLE}] (key, value) values (?, ?)", [key, value])


def rebuild_lsh_index(db: sqlite_utils.Database) -> int:
    """Recompute the LSH buckets and site boilerplate counts from the stored articles.

    Clusters are left as they are. Articles are read in first-seen order and lines are counted for the
    first article of each cluster, as they were when the articles came in. Returns the articles indexed.
    """
    count = 0
    counted_clusters: set[int] = set()
    ensure_lsh_table(db)
    with transaction(db):
        db.execute(f"delete from [{LSH_TABLE}]")
        db.execute(f"delete from [{SIGNATURES_TABLE}]")
        db.execute(f"delete from [{LINES_TABLE}]")
        rows = db.query(
            "select id, url, canonical_url, source, text, cluster_id from articles order by first_seen, id"
        )
        for row in rows:
            cluster = row["cluster_id"] if row["cluster_id"] is not None else row["id"]
            if cluster not in counted_clusters:
                counted_clusters.add(cluster)
                count_story_lines(db, article_site(row), row["text"] or "")
            fp = article_fingerprint(db, row)
            index_buckets(db, row["id"], fp.buckets, known=False, signature=fp.signature)
            count += 1
        set_state(db, "index_signature", INDEX_SIGNATURE)
    return count
