"""The archive's compact layout (issue 16, ≤ 12 KB an article): the search index with text before title (the
same matches and bm25 scores, smaller), and ``captures.document`` without the values its row holds (the same
document read back). An archive of the earlier layout is upgraded by ``ensure_db_shape``, idempotently."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Any

import sqlite_utils

from pipelines.archive import capture_document
from pipelines.archive.schema import (
    BM25_SQL,
    FTS_TABLE,
    ensure_db_shape,
    open_archive,
    search_index_is_current,
)
from pipelines.archive.search_text import index_text, match_query
from pipelines.archive.store import save_article, save_capture, save_captures, set_capture_document
from pipelines.documents.raw import RawDocument
from tests.unit.test_search_index import index_differences, integrity_check

# --- the search index: text first ----------------------------------------------------------------------

ARTICLES = [
    ("青岛港集装箱吞吐量创新高", "青岛港今年集装箱吞吐量再创新高，港口建设加快推进。" * 4),
    ("崂山景区游客众多", "崂山风景区游客众多，青岛市加强景区管理。Tourists crowd Laoshan." * 3),
    ("黄岛地铁建设", "黄岛区地铁建设加快推进，市民出行更方便，青岛港也受益。" * 3),
    ("The port of Qingdao", "The port of Qingdao handled more containers this year, 青岛港 said." * 3),
]
QUERIES = ["青岛港", "青岛", "崂山", "Laoshan", "港口 建设", '"市民出行"', "port", "containers", "青", "地铁"]
TITLE_FIRST_SQL = (
    f"CREATE VIRTUAL TABLE IF NOT EXISTS [{FTS_TABLE}] USING fts5("
    "title, text, content='', tokenize = 'unicode61 remove_diacritics 2')"
)


def ranked(db: sqlite_utils.Database, weights_sql: str) -> dict[str, list[tuple[int, float]]]:
    """Per query: (row id, bm25 score) of every match, as the ranked search orders them."""
    sql = (
        f"select rowid, {weights_sql} from [{FTS_TABLE}] where [{FTS_TABLE}] match ? "
        f"order by {weights_sql}, rowid"
    )
    return {q: db.execute(sql, [match_query(q)]).fetchall() for q in QUERIES}


def title_first_archive(path: Path, make_record: Any) -> sqlite_utils.Database:
    """An archive as the previous layout made it: contentless, row ids = search_rowid, title before text."""
    db = open_archive(str(path))
    for n, (title, text) in enumerate(ARTICLES):
        save_article(db, make_record(text, url=f"https://news.example.cn/{n}.html", title=title))
    with db.conn:
        db.execute(f"drop table [{FTS_TABLE}]")
        db.execute(TITLE_FIRST_SQL)
        for rowid, title, text in db.execute("select search_rowid, title, text from articles").fetchall():
            db.execute(
                f"insert into [{FTS_TABLE}] (rowid, title, text) values (?, ?, ?)",
                [rowid, index_text(title), index_text(text)],
            )
    return db


def test_the_index_declares_text_before_title_and_ranks_the_title_five_times_the_text(db) -> None:
    sql = db.execute("select sql from sqlite_master where name = ?", [FTS_TABLE]).fetchone()[0]
    assert "(text, title," in sql
    assert f"bm25([{FTS_TABLE}], 1.0, 5.0)" == BM25_SQL


def test_an_index_with_title_first_is_rebuilt_with_the_same_matches_and_scores(
    tmp_path: Path, make_record
) -> None:
    db = title_first_archive(tmp_path / "a.db", make_record)
    before = ranked(db, f"bm25([{FTS_TABLE}], 5.0, 1.0)")
    assert all(before[q] for q in ("青岛", "崂山", "port"))
    rowids = db.execute("select id, search_rowid from articles order by id").fetchall()
    assert not search_index_is_current(db)
    ensure_db_shape(db)
    assert search_index_is_current(db)
    # Exactly the same matches and bm25 scores (floats compared exactly), the row ids kept (not renumbered).
    assert ranked(db, BM25_SQL) == before
    assert db.execute("select id, search_rowid from articles order by id").fetchall() == rowids
    assert index_differences(db) == []
    integrity_check(db)
    # Idempotent: nothing changes at the next shaping, not even the schema version.
    version = db.execute("PRAGMA schema_version").fetchone()[0]
    ensure_db_shape(db)
    assert db.execute("PRAGMA schema_version").fetchone()[0] == version
    # The archive goes on: a new article gets the next row id and is found.
    new = save_article(db, make_record("即墨古城游客众多。" * 5, url="https://news.example.cn/9.html"))
    assert db.execute("select search_rowid from articles where id = ?", [new.article_id]).fetchone() == (5,)
    assert index_differences(db) == []


def test_text_first_is_the_smaller_index(tmp_path: Path) -> None:
    """The reason for the order: each (term, article) entry of a column other than the first carries two
    bytes more, and most terms are in the text only."""
    text = "".join(chr(0x4E00 + (i * 7919) % 8000) for i in range(1500))
    sizes = {}
    for order in ("title, text", "text, title"):
        conn = sqlite_utils.Database(tmp_path / f"{order[:4]}.db").conn
        conn.execute(f"create virtual table f using fts5({order}, content='')")
        for n in range(200):
            conn.execute(
                "insert into f (rowid, title, text) values (?, ?, ?)",
                [n + 1, index_text(text[n : n + 12]), index_text(text[n:] + text[:n])],
            )
        conn.execute("insert into f (f) values ('optimize')")
        conn.commit()
        sizes[order] = conn.execute("select sum(length(block)) from f_data").fetchone()[0]
    assert sizes["text, title"] < 0.85 * sizes["title, text"]


# --- captures.document without the row's values ----------------------------------------------------------

HEADERS = {"Content-Type": "text/html; charset=utf-8", "Server": "nginx", "Etag": '"abc"'}


def crawled(url: str = "https://news.example.cn/1.html", **changes: Any) -> dict[str, Any]:
    """A page's description as crawler/item_pipelines/store.py writes it."""
    page = RawDocument(
        body=b"<html></html>",
        name=url,
        fetched_at="2024-03-01T10:00:00+00:00",
        url=url,
        headers=dict(HEADERS),
        status=200,
        source="example",
        timezone="Asia/Shanghai",
        kind="html",
        aliases=["https://news.example.cn/1.html?from=rss"],
    )
    described = {k: v for k, v in asdict(page).items() if k not in ("body", "capture_id")}
    return {**described, **changes}


def capture(document: dict[str, Any] | None, **changes: Any) -> dict[str, Any]:
    """The captures row the WARC middleware writes for that page."""
    return {
        "url": "https://news.example.cn/1.html",
        "fetched_at": "2024-03-01T09:59:59.650000+00:00",
        "status": 200,
        "content_type": HEADERS["Content-Type"],
        "headers": json.dumps(HEADERS, ensure_ascii=False),
        "source": "example",
        "document": None if document is None else json.dumps(document, ensure_ascii=False),
        **changes,
    }


def stored(db: sqlite_utils.Database, capture_id: int) -> dict[str, Any]:
    cursor = db.execute("select * from captures where id = ?", [capture_id])
    return dict(zip([d[0] for d in cursor.description], cursor.fetchone(), strict=True))


def test_a_crawled_page_is_described_without_what_its_row_holds_and_read_back_whole(db) -> None:
    described = crawled()
    capture_id = save_capture(db, capture(None))
    set_capture_document(db, capture_id, json.dumps(described, ensure_ascii=False))
    row = stored(db, capture_id)
    kept = json.loads(row["document"])
    assert kept[capture_document.FROM_CAPTURE] == ["name", "url", "headers", "status", "path", "source"]
    assert "headers" not in kept and kept["fetched_at"] == described["fetched_at"]  # differs from the row's
    assert len(row["document"]) < 0.6 * len(json.dumps(described, ensure_ascii=False))
    assert capture_document.expand(row) == described


def test_values_the_row_does_not_hold_exactly_stay_in_the_document(db) -> None:
    # Another URL, headers in another order, a status as text, a float: each kept as it was written.
    described = crawled(
        url="https://news.example.cn/1.html?canonical", headers=dict(reversed(HEADERS.items())), status="200"
    )
    capture_id = save_capture(db, capture(described, status=200.0))
    row = stored(db, capture_id)
    kept = json.loads(row["document"])
    assert {"url", "headers", "status"} <= kept.keys()
    assert list(kept["headers"]) == list(reversed(HEADERS))
    assert capture_document.expand(row) == described
    # Written in a batch (the WARC middleware, a merge) the same.
    [batch_id] = save_captures(db, [capture(described)])
    assert capture_document.expand(stored(db, batch_id)) == described


def test_documents_stored_before_are_compacted_once_at_the_opening(tmp_path: Path) -> None:
    path = tmp_path / "a.db"
    db = open_archive(str(path))
    full = [crawled(f"https://news.example.cn/{n}.html") for n in range(3)]
    rows = [capture(d, url=d["url"]) for d in full]
    seed = {"name": "a.md", "fetched_at": "2024-01-01T00:00:00+00:00", "path": "a.md", "headers": {}}
    rows.append(
        {"url": "file:a.md", "path": "a.md", "fetched_at": "2024-01-01", "document": json.dumps(seed)}
    )
    rows.append({"url": "file:b.md", "fetched_at": "2024-01-01", "document": None})
    with db.conn:  # as an earlier version stored them: the documents whole
        ids = [db.table("captures").insert(row).last_pk for row in rows]
    assert [stored(db, i)["document"] for i in ids[:3]] == [json.dumps(d, ensure_ascii=False) for d in full]
    assert capture_document.needs_compacting(db)
    before = {i: capture_document.expand(stored(db, i)) for i in ids}
    db.close()

    db = sqlite_utils.Database(path)  # as another process opens it: shaped
    ensure_db_shape(db)
    assert not capture_document.needs_compacting(db)
    assert {i: capture_document.expand(stored(db, i)) for i in ids} == before
    assert all(stored(db, i)["document"].startswith(capture_document.COMPACT_PREFIX) for i in ids[:4])
    assert stored(db, ids[4])["document"] is None
    # Idempotent, and no write when there is nothing to do.
    calls: list[str] = []
    db.conn.set_trace_callback(calls.append)
    ensure_db_shape(db)
    db.conn.set_trace_callback(None)
    assert not any(call.upper().startswith(("BEGIN", "UPDATE")) for call in calls)
    assert {i: capture_document.expand(stored(db, i)) for i in ids} == before


def test_a_document_written_before_is_read_as_it_is() -> None:
    described = crawled()
    row = capture(described)
    assert capture_document.expand(row) == described
    assert capture_document.expand(capture(None)) == {}
    # compact() of a compact document, or of text that is not a JSON object, changes nothing.
    once = capture_document.compact(row["document"], row)
    assert capture_document.compact(once, row) == once
    assert capture_document.compact("[1, 2]", row) == "[1, 2]"


# --- the near-duplicate index: 48-bit buckets ------------------------------------------------------------


def test_buckets_fit_in_48_bits_and_are_the_top_bits_of_the_64_bit_ones(monkeypatch) -> None:
    from pipelines.dedup import near as nd
    from tests.unit.test_dedup_clusters import STORY

    narrow = nd.fingerprint(STORY).buckets
    assert len(narrow) == nd.BANDS and all(-(1 << 47) <= b < 1 << 47 for b in narrow)
    monkeypatch.setattr(nd, "BUCKET_BITS", 64)
    wide = nd.fingerprint(STORY).buckets
    assert any(not -(1 << 47) <= b < 1 << 47 for b in wide)
    assert [b >> 16 for b in wide] == list(narrow)


def test_an_index_of_64_bit_buckets_is_converted_in_place_with_the_same_candidates(
    tmp_path: Path, make_record, monkeypatch
) -> None:
    from pipelines.dedup import near as nd
    from pipelines.dedup.clusters import ensure_clusters
    from tests.unit.test_dedup_clusters import OTHER_STORY, STORY, store

    path = tmp_path / "a.db"
    db = open_archive(str(path))
    with monkeypatch.context() as patched:  # the index as the previous version wrote it: 64-bit buckets
        patched.setattr(nd, "BUCKET_BITS", 64)
        first = store(db, make_record, "https://a.example.cn/1.html")
        other = store(db, make_record, "https://b.example.cn/2.html", OTHER_STORY)
        wide = db.execute(f"select bucket, article_id from [{nd.LSH_TABLE}] order by 2, 1").fetchall()
        wide_candidates = nd.lsh_candidates(db, nd.fingerprint(STORY).buckets)
    with db.conn:
        nd.set_state(db, "index_signature", nd._WIDE_BUCKETS_SIGNATURE)
    assert wide_candidates == [first]
    assert nd.lsh_candidates(db, nd.fingerprint(STORY).buckets) == []  # 48-bit look-ups miss 64-bit rows

    assert ensure_clusters(db) == 0  # what ArticleSaver.open runs: converted, nothing re-clustered
    assert nd.get_state(db, "index_signature") == nd.INDEX_SIGNATURE
    rows = db.execute(f"select bucket, article_id from [{nd.LSH_TABLE}] order by 2, 1").fetchall()
    assert rows == sorted(((b >> 16, a) for b, a in wide), key=lambda r: (r[1], r[0]))
    for article_id in (first, other):  # each article's rows are its signature's buckets, as new ones are
        signature = db.execute(
            f"select signature from [{nd.SIGNATURES_TABLE}] where article_id = ?", [article_id]
        ).fetchone()[0]
        assert {b for b, a in rows if a == article_id} == set(nd.lsh_buckets(bytes(signature)))
    assert nd.lsh_candidates(db, nd.fingerprint(STORY).buckets) == [first]
    sql = db.execute("select sql from sqlite_master where name = ?", [nd.LSH_TABLE]).fetchone()[0]
    assert "WITHOUT ROWID" in sql.upper()
    # Idempotent; and a copy stored now joins the story.
    assert nd.convert_wide_buckets(db) == 0
    copy = store(db, make_record, "https://c.example.cn/3.html", STORY.replace("，", ","))
    assert db["articles"].get(copy)["cluster_id"] == first


def test_documents_compact_cannot_make_are_not_pending_forever(tmp_path: Path) -> None:
    """A document that is no JSON object stays as it is and is not listed as pending; a compact one written with
    other key order or spacing is rewritten in ours once, then is compact."""
    path = str(tmp_path / "archive.db")
    db = sqlite_utils.Database(path)
    ensure_db_shape(db)
    documents = ["[1]", '"text"', '{"a": 1, "from_capture": []}', '{"from_capture": [], "b": 2}']
    with db.conn:
        ids = [
            db.table("captures")
            .insert({"url": f"file:{n}", "fetched_at": "2024-01-01", "document": d})
            .last_pk
            for n, d in enumerate(documents)
        ]
    before = {i: capture_document.expand(stored(db, i)) for i in ids}
    assert capture_document.needs_compacting(db)
    ensure_db_shape(db)
    assert not capture_document.needs_compacting(db)
    assert {i: capture_document.expand(stored(db, i)) for i in ids} == before
    assert [stored(db, i)["document"] for i in ids[:2]] == documents[:2]
    assert all(stored(db, i)["document"].startswith(capture_document.COMPACT_PREFIX) for i in ids[2:])
