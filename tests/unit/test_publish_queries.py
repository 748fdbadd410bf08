"""The canned example queries that teach the schema run and give what they say."""

from __future__ import annotations

from typing import Any

import pytest

from publish.queries import CANNED_QUERIES
from tests.support.publish_fixtures import archive, ds

__all__ = ["archive", "ds"]


async def rows(ds: Any, name: str, **params: str) -> list[dict[str, Any]]:
    response = await ds.client.get(f"/archive/{name}.json", params={**params, "_shape": "array"})
    assert response.status_code == 200, response.text[:500]
    return list(response.json())


async def test_queries_are_listed_on_the_database_page(ds: Any) -> None:
    html = (await ds.client.get("/archive")).text
    for name, query in CANNED_QUERIES.items():
        assert f'href="/archive/{name}"' in html and query["title"] in html


async def test_articles_per_source_per_day(ds: Any) -> None:
    result = await rows(ds, "articles_per_source_per_day", since="2024-03-01", until="")
    assert result == [
        {"day": "2024-03-16", "source": "dzwww", "articles": 1},
        {"day": "2024-03-15", "source": "qingdao-news", "articles": 1},
    ]
    assert len(await rows(ds, "articles_per_source_per_day", since="", until="")) == 5


async def test_top_authors(ds: Any) -> None:
    result = await rows(ds, "top_authors")
    assert {row["author"] for row in result} == {
        "闫可凯",
        "张伟",
        "Jane Smith",
        '<script>alert("xss")</script>',
    }


async def test_term_in_date_range(ds: Any) -> None:
    result = await rows(ds, "term_in_date_range", term="棚户区改造", since="2024-03-16", until="2024-04-01")
    assert [row["title"] for row in result] == ["市南区棚户区改造提速"]


async def test_crawl_runs_per_source(ds: Any) -> None:
    (run,) = await rows(ds, "crawl_runs_per_source")
    assert (run["source"], run["errors"], run["new"]) == ("qingdao-news", 1, 5)


@pytest.mark.parametrize("name", sorted(CANNED_QUERIES))
async def test_each_query_page_renders(ds: Any, name: str) -> None:
    response = await ds.client.get(f"/archive/{name}")
    assert response.status_code == 200
