"""JSON and CSV of every page, as Datasette gives them."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from tests.support.publish_fixtures import archive, ds

__all__ = ["archive", "ds"]


@pytest.mark.parametrize(
    "path",
    [
        "/archive/articles?_search=青岛",
        "/archive/articles?source=dzwww&_since=2024-01-01",
        "/archive/search?q=青岛",
        "/archive/top_authors",
        "/archive/crawl_runs",
    ],
)
async def test_json_and_csv(ds: Any, path: str) -> None:
    base, _, query = path.partition("?")
    suffix = f"?{query}" if query else ""
    as_json = await ds.client.get(f"{base}.json{suffix}")
    assert as_json.status_code == 200
    data = as_json.json()
    as_csv = await ds.client.get(f"{base}.csv{suffix}")
    assert as_csv.status_code == 200
    table = list(csv.reader(io.StringIO(as_csv.text)))
    assert len(table) - 1 == len(data["rows"]) > 0


async def test_article_row_json(ds: Any, archive: tuple[Path, dict[str, int]]) -> None:
    response = await ds.client.get(f"/archive/articles/{archive[1]['laoshan']}.json")
    assert response.status_code == 200
    assert response.json()["rows"][0][0] == archive[1]["laoshan"]
