"""Newest first across time zones (``published_utc``), the health page's extraction flags and skipped pages
per source, and the canned query listing skipped pages (issue 13)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from pipelines.archive.schema import ensure_db_shape
from pipelines.archive.skipped import SkippedPage, record_skipped
from pipelines.archive.store import save_article
from pipelines.documents.records import build_record

# Published in two time zones: as text, the +08:00 story sorts after the +00:00 one; in time it is earlier.
STORIES = {
    "london": ("2024-03-16T01:00:00+00:00", "2024-03-16T01:00:00Z", "伦敦港口新闻", []),
    "qingdao": ("2024-03-16T08:30:00+08:00", "2024-03-16T00:30:00Z", "青岛港口新闻", ["no_author"]),
    "older": (
        "2024-03-15T23:00:00+08:00",
        "2024-03-15T15:00:00Z",
        "更早的港口新闻",
        ["no_author", "short_body"],
    ),
    "undated": (None, None, "没有日期的新闻", ["no_date"]),
}
NEWEST_FIRST = ["伦敦港口新闻", "青岛港口新闻", "更早的港口新闻", "没有日期的新闻"]


def build(path: Path) -> None:
    db = sqlite_utils.Database(path)
    ensure_db_shape(db)
    for key, (published, utc, title, flags) in STORIES.items():
        fields = {
            "title": title,
            "text": f"{title}：港口今天发布了消息，{key}。",
            "published": published,
            "published_utc": utc,
            "language": "zh",
            "extraction_flags": flags,
        }
        record = build_record(
            fields, url=f"https://port.example.cn/{key}.html", fetched_at=utc or "2024-03-16"
        )
        save_article(db, {**record, "source": "port"})
    db.execute("update articles set cluster_id = 1")  # one story, for the article page's list of copies
    db.conn.commit()
    record_skipped(
        db,
        SkippedPage(
            canonical_url="https://port.example.cn/gallery.html",
            reason="not an article: no body text found",
            url="https://port.example.cn/gallery.html",
            source="port",
        ),
    )
    db.close()


@pytest.fixture
async def ds(tmp_path: Path) -> AsyncIterator[Any]:
    from publish import make_datasette

    build(tmp_path / "archive.db")
    datasette = make_datasette(str(tmp_path / "archive.db"))
    await datasette.invoke_startup()
    yield datasette
    for database in datasette.databases.values():
        database.close()


async def titles(ds: Any, path: str, **params: str) -> list[str]:
    rows = (await ds.client.get(path, params={"_shape": "array", **params})).json()
    return [row["title"] for row in rows]


async def test_the_articles_table_is_newest_first_across_time_zones(ds: Any) -> None:
    assert await titles(ds, "/archive/articles.json") == NEWEST_FIRST
    assert await titles(ds, "/archive/articles.json", source="port") == NEWEST_FIRST
    assert await titles(ds, "/archive/articles.json", _search="港口") == NEWEST_FIRST
    html = (await ds.client.get("/archive/articles")).text
    positions = [html.index(title) for title in NEWEST_FIRST]
    assert positions == sorted(positions)


async def test_the_reader_lists_copies_of_a_story_in_time_order(ds: Any) -> None:
    rows = await ds.client.get(
        "/archive/articles.json", params={"_shape": "array", "title": "没有日期的新闻"}
    )
    (undated,) = rows.json()
    html = (await ds.client.get(f"/archive/articles/{undated['id']}")).text
    positions = [html.index(title) for title in ("更早的港口新闻", "青岛港口新闻", "伦敦港口新闻")]
    assert positions == sorted(positions)


async def test_the_health_page_counts_flagged_articles_and_skipped_pages_per_source(ds: Any) -> None:
    data = (await ds.client.get("/-/crawl-health.json")).json()
    (archive,) = data["databases"]
    (port,) = archive["flags"]
    assert (port["source"], port["articles"]) == ("port", 3)
    assert {f["flag"]: f["articles"] for f in port["flags"]} == {
        "no_author": 2,
        "short_body": 1,
        "no_date": 1,
    }
    assert archive["skipped"] == [
        {
            "source": "port",
            "pages": 1,
            "reasons": [{"reason": "not an article: no body text found", "pages": 1}],
        }
    ]
    html = (await ds.client.get("/-/crawl-health")).text
    assert 'href="/archive/flagged_articles?source=port">3</a>' in html
    assert 'href="/archive/flagged_articles?source=port&amp;flag=no_author">no_author</a> 2' in html
    assert 'href="/archive/skipped_pages_per_source?source=port">1</a>' in html
    # The links lead to the articles and pages they count.
    flagged = await ds.client.get(
        "/archive/flagged_articles.json", params={"source": "port", "flag": "no_author", "_shape": "array"}
    )
    assert sorted(row["title"] for row in flagged.json()) == ["更早的港口新闻", "青岛港口新闻"]


async def test_the_canned_query_lists_skipped_pages_with_their_reasons(ds: Any) -> None:
    for source in ("port", ""):
        response = await ds.client.get(
            "/archive/skipped_pages_per_source.json", params={"source": source, "_shape": "array"}
        )
        (page,) = response.json()
        assert (page["source"], page["url"], page["reason"], page["times_seen"]) == (
            "port",
            "https://port.example.cn/gallery.html",
            "not an article: no body text found",
            1,
        )
    queries = (await ds.client.get("/archive.json")).json()["queries"]
    titles = {query["name"]: query["title"] for query in queries}
    assert titles["skipped_pages_per_source"] == "Skipped pages per source, with reasons"
    table = (await ds.client.get("/archive/skipped_pages.json", params={"_shape": "array"})).json()
    assert json.dumps(table, ensure_ascii=False).count("gallery.html") == 2  # url and canonical_url
