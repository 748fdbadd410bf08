"""Search pages at a million articles: the count of a search-only page is taken from the full-text index
(publish/search.py), the facets of a search with many rows count its most recently archived rows and say so
(publish/facets.py), ranked search ranks at most RANK_ROWS matches (publish/queries.py); and entries another
writer left for removal never make a stale or deleted article a match, nor a count wrong."""

from __future__ import annotations

import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

import publish.facets
from pipelines.archive.schema import SEARCH_PENDING
from publish.queries import CANNED_QUERIES, RANK_ROWS, RANKED_SEARCH
from publish.search import index_count_sql, search_config
from tests.support.publish_fixtures import ARTICLES, SEARCHES, archive

__all__ = ["archive"]

CONFIG = {"fts_table": "articles_bigrams", "fts_pk": "search_rowid"}


async def served(path: Path, **settings: Any) -> Any:
    from datasette.app import Datasette

    import publish

    ds = Datasette(
        files=[str(path)],
        metadata=publish.load_metadata(),
        plugins_dir=publish.plugins_dir(),
        settings={**publish.settings_for(), "trace_debug": True, **settings},
    )
    await ds.invoke_startup()
    return ds


@pytest.fixture
async def traced(archive: tuple[Path, dict[str, int]]) -> AsyncIterator[Any]:
    ds = await served(archive[0])
    yield ds
    for database in ds.databases.values():
        database.close()


async def page(ds: Any, name: str, query: str) -> dict[str, Any]:
    response = await ds.client.get(f"/{name}/articles.json?{query}&_trace=1&_shape=objects")
    assert response.status_code == 200, response.text
    return dict(response.json())


def count_sql(data: dict[str, Any]) -> list[str]:
    """The page's count query (as run: Datasette's, or its rewriting by publish.search)."""
    starts = ("select count(*) from articles where", "select case when exists")
    return [t["sql"] for t in data["_trace"]["traces"] if t["sql"].startswith(starts)]


@pytest.mark.parametrize("word", sorted(SEARCHES))
async def test_a_search_only_page_counts_its_matches_from_the_index(traced: Any, word: str) -> None:
    data = await page(traced, "archive", f"_search={word}")
    assert data["filtered_table_rows_count"] == len(SEARCHES[word]) == len(data["rows"])
    (sql,) = count_sql(data)
    assert "select count(*) from articles_bigrams where articles_bigrams match" in sql


async def test_a_search_with_another_filter_is_counted_as_datasette_counts(traced: Any) -> None:
    data = await page(traced, "archive", "_search=青岛&source=dzwww")
    expected = {key for key in SEARCHES["青岛"] if ARTICLES[key]["source"] == "dzwww"}
    assert data["filtered_table_rows_count"] == len(expected) == len(data["rows"])
    (sql,) = count_sql(data)
    assert sql.startswith("select count(*) from articles where")


def test_only_a_search_only_count_is_rewritten() -> None:
    def config_of(table: str) -> dict[str, str] | None:
        return CONFIG if table == "articles" else None

    search = "search_rowid in (select rowid from articles_bigrams where articles_bigrams match escape_fts(:search))"
    assert index_count_sql(f"select count(*) from articles where {search} ", config_of) is not None
    assert index_count_sql(f"select count(*) from articles where +{search} ", config_of) is not None
    column = search.replace("where articles_bigrams match", "where [title] match")
    assert index_count_sql(f"select count(*) from articles where {column} ", config_of) is not None
    for other in (
        f"select count(*) from articles where {search} and source = :p0 ",
        f"select count(*) from articles where source = :p0 and {search} ",
        f"select count(*) from articles where {search.replace('search_rowid in', 'id in')} ",
        f"select count(*) from other where {search} ",
        f"select id from articles where {search} ",
        "select count(*) from articles ",
    ):
        assert index_count_sql(other, config_of) is None, other
    assert search_config({"archive_search": CONFIG}) == CONFIG


@pytest.fixture
async def changed_by_a_shell(archive: tuple[Path, dict[str, int]], tmp_path: Path) -> AsyncIterator[Any]:
    """The fixture archive with one article matching 青岛 deleted and another's text changed by a plain sqlite3
    connection (the index entries wait in SEARCH_PENDING: nothing reopened the archive), served."""
    path = tmp_path / "shell.db"
    shutil.copy(archive[0], path)
    ids = archive[1]
    shell = sqlite3.connect(path)
    shell.execute("delete from articles where id = ?", [ids["shinan"]])
    shell.execute("update articles set text = '市南区棚户区改造提速。' where id = ?", [ids["shinan_repost"]])
    shell.commit()
    assert shell.execute(f"select count(*) from {SEARCH_PENDING.name}").fetchone() == (2,)
    shell.close()
    ds = await served(path)
    yield ds
    for database in ds.databases.values():
        database.close()


async def test_entries_left_for_removal_are_never_matches_and_counts_stay_exact(
    changed_by_a_shell: Any, archive: tuple[Path, dict[str, int]]
) -> None:
    ids = archive[1]
    data = await page(changed_by_a_shell, "shell", "_search=青岛")
    assert [row["id"] for row in data["rows"]] == [ids["xss"]]
    assert data["filtered_table_rows_count"] == 1
    # The changed article is found by what it says now once the next opening re-indexes it, not before.
    response = await changed_by_a_shell.client.get(
        "/shell/search.json", params={"q": "青岛", "_shape": "objects"}
    )
    assert [row["id"] for row in response.json()["rows"]] == [ids["xss"]]


async def test_facets_of_a_search_with_many_rows_count_its_newest_rows_and_say_so(
    traced: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(publish.facets, "FACET_ROWS", 2)
    data = await page(traced, "archive", "_search=青岛&_facet=source&_facet=section")
    rowids = sorted(
        row[0]
        for row in (
            await traced.get_database("archive").execute(
                "select search_rowid from articles where id in ("
                + ", ".join(str(archive_id) for archive_id in [row["id"] for row in data["rows"]])
                + ")"
            )
        ).rows
    )
    cut = rowids[-2]  # the two most recently archived matches
    for column in ("source", "section"):
        ours = data["facet_results"][column]
        assert ours["sample"] == {"rows": 2, "of": 3, "search_rowid_from": cut}
    # The same counts as Datasette's own column facets of those two rows.
    theirs = await page(
        traced, "archive", f"_search=青岛&search_rowid__gte={cut}&_facet=source&_facet=section"
    )
    assert theirs["filtered_table_rows_count"] == 2
    for column in ("source", "section"):
        values = [(v["value"], v["count"]) for v in data["facet_results"][column]["results"]]
        assert values == [(v["value"], v["count"]) for v in theirs["facet_results"][f"{column}_2"]["results"]]
        assert sum(count for _, count in values) <= 2
    html = (await traced.client.get("/archive/articles?_search=青岛")).text
    assert "Facets count the 2 most recently archived of the 3 matching articles" in html
    # Few enough rows: every row counted, nothing said.
    monkeypatch.setattr(publish.facets, "FACET_ROWS", 3)
    data = await page(traced, "archive", "_search=青岛")
    assert all("sample" not in info for info in data["facet_results"].values())
    assert "Facets count the" not in (await traced.client.get("/archive/articles?_search=青岛")).text


async def test_ranked_search_ranks_at_most_rank_rows_matches_the_newest(
    archive: tuple[Path, dict[str, int]],
) -> None:
    sql = CANNED_QUERIES[RANKED_SEARCH]["sql"]
    assert f"offset {RANK_ROWS - 1}" in sql
    from pipelines.archive.search_text import match_query

    conn = sqlite3.connect(archive[0])
    conn.create_function("escape_fts", 1, match_query)
    conn.create_function("search_snippet", 2, lambda text, q: text)
    every = {row[0] for row in conn.execute(sql, {"q": "青岛"})}
    assert every == {archive[1][key] for key in SEARCHES["青岛"]}
    newest_two = {
        row[0]
        for row in conn.execute(
            "select id from articles where id in ({}) order by search_rowid desc limit 2".format(
                ", ".join(str(i) for i in every)
            )
        )
    }
    bounded = sql.replace(f"offset {RANK_ROWS - 1}", "offset 1")
    assert {row[0] for row in conn.execute(bounded, {"q": "青岛"})} == newest_two
    conn.close()
