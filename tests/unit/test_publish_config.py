"""The serve contract: arguments, safe defaults, Datasette's limits, read-only, and metadata for every table
and column of the schema whatever the database is called."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipelines.archive.schema import TABLES, VIEWS
from publish import (
    METADATA_PATH,
    PLUGINS_DIR,
    PUBLISH_DIR,
    datasette_serve_args,
)
from publish.config import table_metadata
from tests.support.publish_fixtures import archive, ds, ds_as_x

__all__ = ["archive", "ds", "ds_as_x"]


def option(args: list[str], name: str) -> str:
    return args[args.index(name) + 1]


def settings(args: list[str]) -> dict[str, str]:
    return {args[i + 1]: args[i + 2] for i, arg in enumerate(args) if arg == "--setting"}


def test_serve_args_are_local_and_use_the_publish_folder() -> None:
    args = datasette_serve_args("data/archive.db")
    assert args[:2] == ["serve", "data/archive.db"]
    assert option(args, "--host") == "127.0.0.1"
    assert option(args, "--port") == "8001"
    assert Path(option(args, "--metadata")) == METADATA_PATH
    # Plugins and templates come from the package's entry points (installed by make), not from folders.
    assert "--plugins-dir" not in args and "--template-dir" not in args
    assert all(Path(p).exists() and PUBLISH_DIR in Path(p).parents for p in (METADATA_PATH, PLUGINS_DIR))
    assert "-i" not in args and "--immutable" not in args  # a crawl may be writing: not immutable
    assert "--cors" not in args
    assert settings(args) == {"suggest_facets": "off"}


def test_public_opens_the_host_and_closes_bulk_downloads() -> None:
    args = datasette_serve_args("archive.db", public=True)
    assert option(args, "--host") == "0.0.0.0"
    assert settings(args) == {"suggest_facets": "off", "allow_download": "off", "allow_csv_stream": "off"}


def test_serve_args_are_accepted_by_datasette_cli(archive: tuple[Path, dict[str, int]]) -> None:
    from click.testing import CliRunner
    from datasette.cli import cli

    args = [
        *datasette_serve_args(str(archive[0])),
        "--get",
        "/archive/articles.json?_search=闫可凯&_shape=array",
    ]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert [row["title"] for row in json.loads(result.output)] == ["青岛市南区加快棚户区改造"]


async def test_datasette_limits_are_kept(ds: Any) -> None:
    current = (await ds.client.get("/-/settings.json")).json()
    assert current["sql_time_limit_ms"] == 1000
    assert current["max_returned_rows"] == 1000
    assert current["suggest_facets"] is False


@pytest.mark.parametrize(
    "sql",
    [
        "delete from articles",
        "update articles set title = 'x'",
        "drop table articles",
        "pragma query_only = 0",
    ],
)
async def test_sql_cannot_write(ds: Any, sql: str) -> None:
    response = await ds.client.get("/archive.json", params={"sql": sql})
    assert response.status_code == 400
    count = await ds.client.get(
        "/archive.json", params={"sql": "select count(*) as n from articles", "_shape": "array"}
    )
    assert count.json() == [{"n": 5}]


@pytest.mark.parametrize("path", ["/archive", "/archive/articles", "/archive/search"])
async def test_posts_write_nothing(ds: Any, path: str) -> None:
    # Datasette 0.65 only accepts POST for writable canned queries, and none is configured.
    response = await ds.client.post(path, data={"sql": "delete from articles", "q": "x"})
    assert response.status_code >= 400
    count = await ds.client.get(
        "/archive.json", params={"sql": "select count(*) as n from articles", "_shape": "array"}
    )
    assert count.json() == [{"n": 5}]


def test_every_schema_table_and_column_is_described() -> None:
    tables = table_metadata()
    for table in TABLES:
        described = tables[table.name]
        assert described.get("title") and described.get("description"), table.name
        missing = set(table.columns) - set(described.get("columns", {}))
        assert not missing, f"{table.name}: no description for {sorted(missing)}"
    for view in VIEWS:
        assert tables[view].get("description"), view


async def test_metadata_applies_whatever_the_database_is_called(ds_as_x: Any) -> None:
    data = (await ds_as_x.client.get("/x/articles.json?_search=崂山")).json()
    assert set(data["facet_results"]) == {"source", "region", "section", "language"}
    assert [row[data["columns"].index("title")] for row in data["rows"]] == ["崂山景区国庆接待游客创新高"]
    queries = (await ds_as_x.client.get("/x.json")).json()["queries"]
    assert "search" in {query["name"] for query in queries}
    home = await ds_as_x.client.get("/")
    assert "Browse and search articles" in home.text
