"""Datasette's own table search (?_search= and the search box) finds Chinese and English words."""

from __future__ import annotations

from typing import Any

import pytest
from datasette.plugins import pm
from datasette.utils import escape_fts as datasette_escape_fts

from pipelines.archive.search_text import match_query
from tests.support.publish_fixtures import ARTICLES, SEARCHES, archive, ds, ds_as_x

__all__ = ["archive", "ds", "ds_as_x"]


def titles(keys: set[str]) -> set[str]:
    return {ARTICLES[key]["fields"]["title"] for key in keys}


@pytest.mark.parametrize(("word", "expected"), sorted(SEARCHES.items()))
async def test_search_parameter_finds_the_articles_containing_the_word(
    ds: Any, word: str, expected: set[str]
) -> None:
    response = await ds.client.get("/archive/articles.json", params={"_search": word, "_shape": "array"})
    assert response.status_code == 200
    assert {row["title"] for row in response.json()} == titles(expected)


async def test_search_box_is_on_the_articles_page_and_searches(ds: Any) -> None:
    page = await ds.client.get("/archive/articles")
    assert 'name="_search"' in page.text
    found = await ds.client.get("/archive/articles", params={"_search": "闫可凯"})
    assert found.status_code == 200
    assert ARTICLES["shinan"]["fields"]["title"] in found.text
    assert ARTICLES["laoshan"]["fields"]["title"] not in found.text


@pytest.mark.parametrize(
    "query",
    [
        '"',
        '"青岛',
        "*",
        "青岛*",
        "AND",
        "青岛 AND",
        "-",
        "- 青岛",
        "NOT",
        "(",
        ")",
        "title:青岛",
        "^",
        "NEAR(青岛 市南)",
    ],
)
async def test_fts_syntax_characters_do_not_error(ds: Any, query: str) -> None:
    for path in ("/archive/articles", "/archive/articles.json"):
        response = await ds.client.get(path, params={"_search": query})
        assert response.status_code == 200, (query, response.text[:500])


async def test_escape_fts_is_match_query_after_datasette_default(ds: Any) -> None:
    # Datasette's default escape_fts would return "市南区" (one quoted token) and find nothing.
    assert datasette_escape_fts("市南区") != match_query("市南区")
    response = await ds.client.get(
        "/archive.json", params={"sql": "select escape_fts(:q) as e", "q": "市南区", "_shape": "array"}
    )
    assert response.json() == [{"e": match_query("市南区")}]
    # Registered as the entry point "archive_search", or from --plugins-dir as "archive_search.py".
    impls = {
        impl.plugin_name.removesuffix(".py"): impl for impl in pm.hook.prepare_connection.get_hookimpls()
    }
    assert impls["archive_search"].trylast
    # pluggy calls hook implementations from the end of this list to the start: trylast ones are first.
    order = [impl.plugin_name.removesuffix(".py") for impl in pm.hook.prepare_connection.get_hookimpls()]
    assert order.index("archive_search") < order.index("datasette.sql_functions")


async def test_search_works_whatever_the_database_is_called(ds_as_x: Any) -> None:
    response = await ds_as_x.client.get("/x/articles.json", params={"_search": "青岛", "_shape": "array"})
    assert response.status_code == 200
    assert {row["title"] for row in response.json()} == titles(SEARCHES["青岛"])
