"""Search and facets of large archives: the `articles` search (publish/search.py) and the one-pass facets
(publish/facets.py) give exactly what Datasette's own search and column facets give, whichever query plan
they choose."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

import publish.search
from pipelines.archive.schema import ARTICLES as ARTICLES_TABLE
from publish.facets import covering_index, facet_counts
from tests.support.publish_fixtures import ARTICLES, SEARCHES, archive, ds

__all__ = ["archive", "ds"]

FACETS = ["source", "region", "section", "language"]
PAGES: list[dict[str, str]] = [
    {},
    {"region": "青岛"},
    {"language": "zh", "section": "社会"},
    {"_since": "2024-01-01"},
    *({"_search": word} for word in SEARCHES),
    {"_search": "青岛", "source": "dzwww"},
    {"_search": "青岛", "_since": "2024-03-16"},
    {"_search": "青岛", "_sort": "title"},
    {"_search_title": "青岛"},
    {"_search_text": "棚户区"},
]


@pytest.fixture(params=["sparse", "dense"])
def plan(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """ "dense": every search is taken to match a large share of the archive (written ``+search_rowid in (...)``)."""
    if request.param == "dense":
        monkeypatch.setattr(publish.search, "DENSE_SHARE", 0.0)
        monkeypatch.setattr(publish.search, "DENSE_MIN_MATCHES", 0)
    return str(request.param)


async def page(ds: Any, params: dict[str, str], extra: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    response = await ds.client.get(
        "/archive/articles.json", params=[*params.items(), *extra, ("_shape", "objects")]
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def facet_values(info: dict[str, Any]) -> list[tuple[Any, ...]]:
    return [(v["value"], v["label"], v["count"], v["toggle_url"], v["selected"]) for v in info["results"]]


@pytest.mark.parametrize("params", PAGES, ids=repr)
async def test_facets_are_datasettes_column_facets(ds: Any, plan: str, params: dict[str, str]) -> None:
    # ?_facet=COLUMN adds Datasette's own column facet beside the configured one (named COLUMN_2).
    data = await page(ds, params, [("_facet", column) for column in FACETS])
    for column in FACETS:
        ours, datasettes = data["facet_results"][column], data["facet_results"][f"{column}_2"]
        assert ours["type"] == datasettes["type"] == "column"
        assert facet_values(ours) == facet_values(datasettes)
        assert ours["truncated"] == datasettes["truncated"]
        assert ours["hideable"] is False


async def test_truncated_facets_match_datasettes(ds: Any, plan: str) -> None:
    data = await page(ds, {"_search": "青岛", "_facet_size": "1"}, [("_facet", "source")])
    ours, datasettes = data["facet_results"]["source"], data["facet_results"]["source_2"]
    assert len(ours["results"]) == 1 and ours["truncated"] is datasettes["truncated"] is True
    assert facet_values(ours) == facet_values(datasettes)


@pytest.mark.parametrize("params", PAGES, ids=repr)
async def test_rows_and_count_do_not_depend_on_the_plan(
    ds: Any, monkeypatch: pytest.MonkeyPatch, params: dict[str, str]
) -> None:
    sparse = await page(ds, params)
    monkeypatch.setattr(publish.search, "DENSE_SHARE", 0.0)
    monkeypatch.setattr(publish.search, "DENSE_MIN_MATCHES", 0)
    dense = await page(ds, params)
    assert [row["id"] for row in dense["rows"]] == [row["id"] for row in sparse["rows"]]
    assert dense["filtered_table_rows_count"] == sparse["filtered_table_rows_count"]
    assert dense["facet_results"] == sparse["facet_results"]
    searching = any(key.startswith("_search") for key in params)
    sorted_by_unindexed_column = params.get("_sort") == "title"
    assert ("+search_rowid in (select rowid" in dense["query"]["sql"]) is (
        searching and not sorted_by_unindexed_column
    )
    assert "+search_rowid in" not in sparse["query"]["sql"] and "+rowid in" not in sparse["query"]["sql"]


async def test_search_is_dense_only_for_words_in_a_large_share(
    ds: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publish.search, "DENSE_MIN_MATCHES", 0)
    monkeypatch.setattr(publish.search, "DENSE_SHARE", 0.5)
    total = len(ARTICLES)
    assert len(SEARCHES["青岛"]) >= total / 2 > len(SEARCHES["崂山"])
    assert "+search_rowid in" in (await page(ds, {"_search": "青岛"}))["query"]["sql"]
    assert "+search_rowid in" not in (await page(ds, {"_search": "崂山"}))["query"]["sql"]


async def test_dense_search_facets_read_the_facet_index(
    archive: tuple[Path, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    from datasette.app import Datasette

    import publish

    monkeypatch.setattr(publish.search, "DENSE_SHARE", 0.0)
    monkeypatch.setattr(publish.search, "DENSE_MIN_MATCHES", 0)
    ds = Datasette(
        files=[str(archive[0])],
        metadata=publish.load_metadata(),
        plugins_dir=publish.plugins_dir(),  # None: the installed entry points load them
        settings={**publish.settings_for(), "trace_debug": True},
    )
    data = (await ds.client.get("/archive/articles.json?_search=青岛&_since=2024-01-01&_trace=1")).json()
    facet_sql = [t["sql"] for t in data["_trace"]["traces"] if t["sql"].startswith("select source, region")]
    assert len(facet_sql) == 1  # one query for the four facets
    # Each match looked up by search_rowid (no "+": the page's scan plan is not the facets' plan).
    assert "indexed by idx_articles_search_rowid_source_region_section_language_published" in facet_sql[0]
    assert " search_rowid in (select rowid" in facet_sql[0] and "+search_rowid" not in facet_sql[0]
    # A filter on a column the index does not hold: the table is read.
    data = (await ds.client.get("/archive/articles.json?_search=青岛&title__contains=改造&_trace=1")).json()
    facet_sql = [t["sql"] for t in data["_trace"]["traces"] if t["sql"].startswith("select source, region")]
    assert len(facet_sql) == 1 and "indexed by" not in facet_sql[0]


def test_the_schema_declares_the_facet_indexes() -> None:
    assert ("source", "region", "section", "language", "published") in ARTICLES_TABLE.indexes
    assert ("search_rowid", "source", "region", "section", "language", "published") in ARTICLES_TABLE.indexes


async def test_covering_index_prefers_one_starting_with_the_grouped_columns(ds: Any) -> None:
    db = ds.get_database("archive")
    found = await covering_index(db, "articles", {"region", "source"}, ["region", "source"])
    assert found is not None and found[0] == "idx_articles_source_region_section_language_published"
    assert await covering_index(db, "articles", {"source", "text"}, ["source"]) is None
    narrow = await covering_index(db, "articles", {"region"}, ["published"])
    assert narrow is not None and narrow[0] == "idx_articles_region_published"


def test_facet_counts_sum_combinations_in_sqlite_order() -> None:
    rows = [("b", 1, 2), ("a", 1, 2), ("a", None, 1), (None, "x", 5), (10, "x", 1), (9, 1, 1)]
    by_column = facet_counts(rows, 2, limit=10)
    # Ties by value as SQLite orders them: numbers before text, text by its UTF-8 bytes.
    assert by_column[0] == [("a", 3), ("b", 2), (9, 1), (10, 1)]
    assert by_column[1] == [("x", 6), (1, 5)]
    assert facet_counts(rows, 2, limit=1)[0] == [("a", 3)]


async def test_search_box_column_search_and_raw_mode_still_work(ds: Any) -> None:
    html = (await ds.client.get("/archive/articles", params={"_search": "崂山"})).text
    assert 'name="_search"' in html and 'value="崂山"' in html
    assert "search matches &#34;崂山&#34;" in html
    titles = await page(ds, {"_search_title": "崂山"})
    assert [row["title"] for row in titles["rows"]] == [ARTICLES["laoshan"]["fields"]["title"]]
    assert (await ds.client.get("/archive/articles.json?_search_nosuch=x")).status_code == 400
    raw = await page(ds, {"_search": "container", "_searchmode": "raw"})
    assert [row["title"] for row in raw["rows"]] == [ARTICLES["port"]["fields"]["title"]]
    # Raw FTS syntax errors are reported as Datasette reports them, not as a server error.
    broken = await ds.client.get("/archive/articles.json", params={"_search": '"', "_searchmode": "raw"})
    assert broken.status_code == 400 and "unterminated string" in broken.text


async def test_pages_of_a_search_follow_each_other_under_both_plans(ds: Any, plan: str) -> None:
    ids: list[int] = []
    params = {"_search": "青岛", "_size": "1"}
    while True:
        data = await page(ds, params)
        ids.extend(row["id"] for row in data["rows"])
        if not data["next"]:
            break
        params = {**params, "_next": data["next"]}
    newest_first = await page(ds, {"_search": "青岛"})
    assert ids == [row["id"] for row in newest_first["rows"]] and len(ids) == len(SEARCHES["青岛"])
