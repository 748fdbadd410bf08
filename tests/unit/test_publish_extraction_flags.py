"""Extraction flags and people on the article page and in the canned queries; each person listed once."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from pipelines.archive.schema import ensure_db_shape
from pipelines.archive.store import save_article
from pipelines.documents.records import build_record
from publish.reader import byline

PEOPLE = {
    "authors": ["周雨桐"],
    "contributors": [
        {"name": "周雨桐", "role": "reporter"},
        {"name": "孙立", "role": "correspondent"},
        {"name": "李楠", "role": "editor"},
    ],
    "editor": "李楠",
}


def test_each_person_is_listed_once() -> None:
    stored = {key: value if isinstance(value, str) else json.dumps(value) for key, value in PEOPLE.items()}
    shown = byline(stored)
    assert shown == {
        "authors": ["周雨桐"],
        "contributors": [{"name": "孙立", "role": "correspondent"}],
        "editor": "李楠",
    }


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[tuple[Any, int]]:
    from publish import make_datasette

    path = tmp_path / "archive.db"
    db = sqlite_utils.Database(path)
    ensure_db_shape(db)
    record = build_record(
        {
            "title": "海洋经济会议召开",
            "language": "zh",
            "text": "青岛市近日召开会议，部署海洋经济发展工作。",
            "extraction_flags": ["no_date", "body_looks_like_login"],
            **PEOPLE,
        },
        url="https://qingdao.example.cn/a.html",
        fetched_at="2024-03-01T10:00:00+08:00",
        source="example",
    )
    article_id = save_article(db, record).article_id
    db.close()
    datasette = make_datasette(str(path))
    await datasette.invoke_startup()
    yield datasette, article_id
    for database in datasette.databases.values():
        database.close()


async def test_the_article_page_shows_its_flags_and_each_person_once(served: tuple[Any, int]) -> None:
    ds, article_id = served
    html = (await ds.client.get(f"/archive/articles/{article_id}")).text
    assert "Extraction flags" in html
    assert "?extraction_flags__arraycontains=body_looks_like_login" in html and "no date" in html
    assert html.count("周雨桐") == 1
    assert "Editor: 李楠" in html and "李楠 (editor)" not in html


async def test_the_flag_queries_list_flagged_articles_per_source(served: tuple[Any, int]) -> None:
    ds, article_id = served
    response = await ds.client.get(
        "/archive/flagged_articles.json", params={"source": "", "flag": "no_date", "_shape": "array"}
    )
    assert response.status_code == 200, response.text[:300]
    assert [row["id"] for row in response.json()] == [article_id]
    response = await ds.client.get(
        "/archive/flagged_articles.json", params={"source": "", "flag": "text_repeated", "_shape": "array"}
    )
    assert response.json() == []
    response = await ds.client.get("/archive/extraction_flags_per_source.json", params={"_shape": "array"})
    assert {(row["source"], row["flag"], row["articles"]) for row in response.json()} == {
        ("example", "no_date", 1),
        ("example", "body_looks_like_login", 1),
    }
