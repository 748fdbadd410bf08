"""Browsing articles: newest first, facets, a date range, and a list that does not carry the full text."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.publish_fixtures import ARTICLES, archive, ds

__all__ = ["archive", "ds"]

NEWEST_FIRST = ["shinan_repost", "shinan", "xss", "port", "laoshan"]


async def test_articles_are_newest_first(ds: Any) -> None:
    rows = (await ds.client.get("/archive/articles.json", params={"_shape": "array"})).json()
    assert [row["title"] for row in rows] == [ARTICLES[key]["fields"]["title"] for key in NEWEST_FIRST]


async def test_list_page_shows_title_source_published_summary_not_the_text(ds: Any) -> None:
    html = (await ds.client.get("/archive/articles")).text
    assert 'class="archive-list"' in html
    positions = [
        html.index(f">{ARTICLES[key]['fields']['title']}</a></h3>") for key in ("shinan_repost", "laoshan")
    ]
    assert positions == sorted(positions)
    assert "市南区今年将完成三个棚户区改造项目。" in html  # the summary
    assert "涉及居民两千余户" not in html  # the body's second paragraph is only on the article's page
    assert '<time datetime="2024-03-15T09:30:00+08:00">' in html


async def test_choosing_columns_gives_datasettes_table(ds: Any) -> None:
    html = (await ds.client.get("/archive/articles", params=[("_col", "title"), ("_col", "text")])).text
    assert 'class="rows-and-columns"' in html and 'class="archive-list"' not in html


async def test_long_text_cells_are_shortened_in_tables(ds: Any) -> None:
    text = ARTICLES["laoshan"]["fields"]["text"]
    assert len(text) > 300
    html = (await ds.client.get("/archive/articles", params={"_col": "text", "source": "dzwww"})).text
    assert "第25天" not in html and "景区提醒游客错峰出行" in html
    from publish.plugins.archive_reader import render_cell

    assert str(render_cell(None, "<b>" + "长" * 300, "text", "articles", "archive", None)) == (
        "&lt;b&gt;" + "长" * 197 + "…"
    )


@pytest.mark.parametrize("facet", ["source", "region", "section", "language"])
async def test_facets(ds: Any, facet: str) -> None:
    data = (await ds.client.get("/archive/articles.json")).json()
    counts = {item["value"]: item["count"] for item in data["facet_results"][facet]["results"]}
    expected: dict[str, int] = {}
    for article in ARTICLES.values():
        value = {
            "source": article["source"],
            "region": "青岛" if article["source"] == "qingdao-news" else None,
        }.get(facet, article["fields"].get(facet))
        if value is not None:
            expected[value] = expected.get(value, 0) + 1
    assert counts == expected
    html = (await ds.client.get("/archive/articles")).text
    assert f'data-column="{facet}"' in html


async def test_date_range_filter(ds: Any) -> None:
    rows = (
        await ds.client.get(
            "/archive/articles.json",
            params={"_since": "2024-01-20", "_until": "2024-03-15", "_shape": "array"},
        )
    ).json()
    assert [row["title"] for row in rows] == [
        ARTICLES[k]["fields"]["title"] for k in ("shinan", "xss", "port")
    ]
    html = (await ds.client.get("/archive/articles", params={"_since": "2024-03-16"})).text
    assert "published on or after 2024-03-16" in html
    assert 'name="_since" value="2024-03-16"' in html


async def test_date_range_keeps_search_and_facets(ds: Any) -> None:
    rows = (
        await ds.client.get(
            "/archive/articles.json",
            params={"_search": "青岛", "_since": "2024-03-01", "source": "dzwww", "_shape": "array"},
        )
    ).json()
    assert [row["title"] for row in rows] == [ARTICLES["shinan_repost"]["fields"]["title"]]


@pytest.mark.parametrize("value", ["yesterday", "2024-1-1", "2024-01-01' or 1=1"])
async def test_bad_dates_are_a_400(ds: Any, value: str) -> None:
    assert (await ds.client.get("/archive/articles", params={"_until": value})).status_code == 400
