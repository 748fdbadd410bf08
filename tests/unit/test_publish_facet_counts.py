"""Pages of articles counted and faceted from the kept facet counts (publish/counts.py, publish/facets.py):
an unfiltered page, or one filtered only by equalities on the facet columns, reads the combinations table and
gives exactly the count and facets it gave by reading the articles; every other page is unchanged."""

from __future__ import annotations

import random
import shutil
import sqlite3
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml

import publish
from pipelines.archive.facet_counts import FACET_COLUMNS, FACET_COUNTS_TABLE, TRIGGERS
from pipelines.archive.schema import open_archive
from publish import PUBLISH_DIR
from publish.counts import kept_count_sql, kept_where
from tests.support.publish_fixtures import archive

__all__ = ["archive"]

FACETS = list(FACET_COLUMNS)
# Counted from the kept combinations.
KEPT_PAGES: list[dict[str, str]] = [
    {},
    {"region": "青岛"},
    {"region": "青岛", "section": "社会"},
    {"language": "zh", "section": "社会"},
    {"source__exact": "dzwww"},
    {"source": "dzwww", "_facet_size": "1"},
    {"region": "no such region"},
    {"region": "青岛", "_sort": "title"},
]
# Counted by reading the articles, as before.
OTHER_PAGES: list[dict[str, str]] = [
    {"region": "青岛", "title__contains": "改造"},
    {"_since": "2024-01-01"},
    {"section__not": "社会"},
    {"region__isnull": "1"},
    {"_search": "青岛"},
    {"_search": "青岛", "region": "青岛"},
    {"_where": "region = '青岛'"},
]


@pytest.fixture(scope="module")
def many(archive: tuple[Path, dict[str, int]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture archive with 300 more articles of varied facet values (nulls and empty strings among them),
    written by plain SQL and indexed by the next opening."""
    path = tmp_path_factory.mktemp("facet-counts") / "archive.db"
    shutil.copy(archive[0], path)
    shell = sqlite3.connect(path)
    rng = random.Random(7)
    for n in range(300):
        shell.execute(
            "insert into articles (id, title, text, content_hash, first_seen, published_utc, source, region, "
            "section, language) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                10_000 + n,
                f"标题 {n}",
                rng.choice(["青岛市南区棚户区改造", "崂山游客", "The port of Qingdao"]) + f" {n}",
                f"hash{n}",
                f"2024-05-{1 + n % 28:02d}T00:00:00Z",
                f"2024-05-{1 + n % 28:02d}T00:00:00Z",
                rng.choice(["qingdao-news", "dzwww", "english-news", "bandao"]),
                rng.choice(["青岛", "山东", None]),
                rng.choice(["社会", "财经", "Business", "", None]),
                rng.choice(["zh", "en", None]),
            ],
        )
    shell.commit()
    shell.close()
    open_archive(str(path)).close()
    return path


async def make_datasette(path: Path) -> Any:
    """The archive served as ``newsarchive serve`` serves it, with SQL traces (``?_trace=1``)."""
    from datasette.app import Datasette

    ds = Datasette(
        files=[str(path)],
        metadata=publish.load_metadata(),
        plugins_dir=publish.plugins_dir(),
        settings={**publish.settings_for(), "trace_debug": True},
    )
    await ds.invoke_startup()
    return ds


def without_counts(path: Path, to: Path) -> Path:
    """A copy of the archive as an archive made before the counts (served as Datasette served it then)."""
    shutil.copy(path, to)
    shell = sqlite3.connect(to)
    for name in TRIGGERS:
        shell.execute(f"drop trigger {name}")
    shell.execute(f"drop table {FACET_COUNTS_TABLE}")
    shell.commit()
    shell.close()
    return to


@pytest.fixture
async def served(many: Path, tmp_path: Path) -> AsyncIterator[tuple[Any, Any]]:
    """The archive served with its counts, and a copy without them (as before this change)."""
    with_counts = await make_datasette(many)
    before = await make_datasette(without_counts(many, tmp_path / "before.db"))
    yield with_counts, before
    for ds in (with_counts, before):
        for database in ds.databases.values():
            database.close()


async def page(ds: Any, params: dict[str, str], extra: Sequence[tuple[str, str]] = ()) -> dict[str, Any]:
    name = next(iter(ds.databases.keys() - {"_internal"}))
    response = await ds.client.get(
        f"/{name}/articles.json",
        params=[*params.items(), *extra, ("_shape", "objects"), ("_trace", "1")],
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def comparable(data: dict[str, Any]) -> tuple[Any, ...]:
    """Count, rows and facets of a page, the database's name taken out of the links. Each facet's own "hide"
    link (toggle_url) is left out: an unfiltered page's was Datasette's per-column facet's, which removes
    ``_facet=COLUMN``; it is now this facet type's, as on filtered pages (see the test after the next ones)."""
    facets = {
        name: {key: value for key, value in info.items() if key != "toggle_url"}
        for name, info in data["facet_results"].items()
    }
    return (
        data["filtered_table_rows_count"],
        [row["id"] for row in data["rows"]],
        repr(facets).replace("/before/", "/archive/"),
    )


def kept_sql(data: dict[str, Any]) -> list[str]:
    return [t["sql"] for t in data["_trace"]["traces"] if f"from [{FACET_COUNTS_TABLE}]" in t["sql"]]


@pytest.mark.parametrize("params", KEPT_PAGES + OTHER_PAGES, ids=repr)
async def test_counts_and_facets_are_the_same_with_and_without_the_kept_counts(
    served: tuple[Any, Any], many: Path, params: dict[str, str]
) -> None:
    with_counts, before = served
    # ?_facet=COLUMN adds Datasette's own column facet beside each configured one (named COLUMN_2).
    extra = [("_facet", column) for column in FACETS]
    ours, theirs = await page(with_counts, params, extra), await page(before, params, extra)
    assert comparable(ours) == comparable(theirs)
    assert kept_sql(theirs) == []
    for column in FACETS:
        mine, datasettes = ours["facet_results"][column], ours["facet_results"][f"{column}_2"]
        assert [(v["value"], v["count"], v["toggle_url"]) for v in mine["results"]] == [
            (v["value"], v["count"], v["toggle_url"]) for v in datasettes["results"]
        ]
        assert mine["truncated"] == datasettes["truncated"]
    # The count is exactly what counting the articles gives.
    db = sqlite3.connect(many)
    sql, values = ours["query"]["sql"], ours["query"]["params"]
    where = sql[sql.index(" from articles ") : sql.index(" order by ")] if " order by " in sql else ""
    if "_search" not in params and "_where" not in params and where and " limit " not in where:
        assert (
            db.execute(f"select count(*){where}", values).fetchone()[0] == ours["filtered_table_rows_count"]
        )
    db.close()


@pytest.mark.parametrize("params", KEPT_PAGES, ids=repr)
async def test_kept_pages_read_the_combinations_not_the_articles(
    served: tuple[Any, Any], params: dict[str, str]
) -> None:
    data = await page(served[0], params)
    ran = kept_sql(data)
    assert any(sql.startswith("select coalesce(sum([n]), 0)") for sql in ran), ran  # the count
    assert any(sql.startswith("select source, region, section, language, [n]") for sql in ran), ran  # facets
    counts_of_articles = [
        t["sql"]
        for t in data["_trace"]["traces"]
        if t["sql"].startswith("select count(*) from articles") or " group by " in t["sql"]
    ]
    assert counts_of_articles == []


@pytest.mark.parametrize("params", OTHER_PAGES, ids=repr)
async def test_other_pages_read_the_articles(served: tuple[Any, Any], params: dict[str, str]) -> None:
    assert kept_sql(await page(served[0], params)) == []


@pytest.fixture
async def skewed(many: Path, tmp_path: Path) -> AsyncIterator[Any]:
    """The archive with its kept counts deliberately wrong (100 more 青岛 articles in one combination)."""
    path = tmp_path / "skewed.db"
    shutil.copy(many, path)
    shell = sqlite3.connect(path)
    shell.execute(
        f"update {FACET_COUNTS_TABLE} set n = n + 100 where rowid = "
        f"(select min(rowid) from {FACET_COUNTS_TABLE} where region = '青岛' and section = '社会')"
    )
    shell.commit()
    shell.close()
    ds = await make_datasette(path)
    yield ds
    for database in ds.databases.values():
        database.close()


async def test_the_pages_show_what_the_table_holds(skewed: Any, served: tuple[Any, Any]) -> None:
    exact = await page(served[0], {"region": "青岛", "section": "社会"})
    shown = await page(skewed, {"region": "青岛", "section": "社会"})
    assert shown["filtered_table_rows_count"] == exact["filtered_table_rows_count"] + 100
    assert shown["facet_results"]["region"]["results"][0]["count"] == (
        exact["facet_results"]["region"]["results"][0]["count"] + 100
    )
    unfiltered = await page(skewed, {})
    assert (
        unfiltered["filtered_table_rows_count"]
        == (await page(served[0], {}))["filtered_table_rows_count"] + 100
    )
    # A page with another filter counts the articles.
    other = {"region": "青岛", "section": "社会", "title__contains": "标题"}
    assert (await page(skewed, other))["filtered_table_rows_count"] == (await page(served[0], other))[
        "filtered_table_rows_count"
    ]


async def test_counts_are_not_used_without_their_triggers(many: Path, tmp_path: Path) -> None:
    # A trigger dropped (writes since are not counted): the page counts the articles.
    path = tmp_path / "damaged.db"
    shutil.copy(many, path)
    shell = sqlite3.connect(path)
    shell.execute(f"drop trigger {FACET_COUNTS_TABLE}_delete")
    shell.execute("delete from articles where region = '青岛'")
    shell.commit()
    expected = shell.execute("select count(*) from articles").fetchone()[0]
    shell.close()
    ds = await make_datasette(path)
    data = await page(ds, {})
    assert data["filtered_table_rows_count"] == expected and kept_sql(data) == []
    assert (await page(ds, {"region": "青岛"}))["filtered_table_rows_count"] == 0
    for database in ds.databases.values():
        database.close()


def test_only_equalities_on_counted_columns_are_kept() -> None:
    assert kept_where("") == ""
    assert (
        kept_where('where "region" = :p0 and "section" = :p1 ') == 'where "region" = :p0 and "section" = :p1'
    )
    assert kept_where("where [language] = :p0 ") == "where [language] = :p0"
    for other in (
        'where "region" = :p0 or "section" = :p1 ',
        'where "region" != :p0 ',
        "where \"region\" = 'x and y' ",
        'where "title" = :p0 ',
        'where "region" = :p0 and "published" >= :p1 ',
        'where "region" = :p0 and ("published_utc" < :p1 or ("published_utc" = :p1 and id > :p2)) ',
        'where "region" is null ',
        "order by published_utc desc",
    ):
        assert kept_where(other) is None, other
    assert kept_count_sql('select count(*) from articles where "region" = :p0 ') == (
        f'select coalesce(sum([n]), 0) from [{FACET_COUNTS_TABLE}] where "region" = :p0'
    )
    assert (
        kept_count_sql("select count(*) from articles ")
        == f"select coalesce(sum([n]), 0) from [{FACET_COUNTS_TABLE}]"
    )
    assert kept_count_sql('select count(*) from sources where "region" = :p0 ') is None
    assert kept_count_sql('select id from articles where "region" = :p0 ') is None


def test_the_configured_facets_are_the_counted_columns_and_the_table_is_described() -> None:
    tables = yaml.safe_load((PUBLISH_DIR / "tables.yml").read_text(encoding="utf-8"))
    configured = [next(iter(facet.values())) for facet in tables["articles"]["facets"]]
    assert configured == FACETS  # a facet added there and not counted would read every article again
    described = tables[FACET_COUNTS_TABLE]
    assert described["hidden"] is True and described["title"] and described["description"]
    assert set(described["columns"]) == {*FACET_COLUMNS, "n"}


async def test_the_hide_link_of_an_unfiltered_page_is_the_filtered_pages_one(served: tuple[Any, Any]) -> None:
    for params in ({}, {"region": "青岛"}):
        data = await page(served[0], {**params, "_facet_columns": "source"})
        assert data["facet_results"]["source"]["toggle_url"] == "/archive/articles.json?" + "&".join(
            [*(f"{key}=%E9%9D%92%E5%B2%9B" for key in params), "_shape=objects", "_trace=1"]
        )
