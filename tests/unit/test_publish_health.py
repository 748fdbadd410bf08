"""Crawl health: recent runs per source with counts, errors and finish reasons, and articles per day."""

from __future__ import annotations

from typing import Any

from publish.health import svg_chart
from tests.support.publish_fixtures import archive, ds

__all__ = ["archive", "ds"]


async def test_health_page_lists_runs_with_errors(ds: Any) -> None:
    response = await ds.client.get("/-/crawl-health")
    assert response.status_code == 200
    html = response.text
    assert '<a href="/archive/crawl_runs/1">1</a>' in html
    assert "<td>qingdao-news</td><td>crawl</td>" in html
    assert "<td>finished</td><td>finished</td>" in html
    assert '<a href="/archive/crawl_errors?run_id=1">1</a>' in html  # one error recorded
    assert "<svg" in html and "Articles per day per source" in html


async def test_health_json_counts_articles_per_day_per_source(ds: Any) -> None:
    data = (await ds.client.get("/-/crawl-health.json", params={"by": "published", "days": "300"})).json()
    (archive_data,) = data["databases"]
    chart = archive_data["chart"]
    assert chart["days"][-1] == "2024-03-16" and len(chart["days"]) == 300
    totals = {source: sum(counts) for source, counts in chart["series"].items()}
    assert totals == {"dzwww": 2, "qingdao-news": 1, "english-news": 1, "evil-site": 1}
    assert chart["series"]["dzwww"][chart["days"].index("2024-03-16")] == 1
    (run,) = archive_data["runs"]
    assert (run["status"], run["finish_reason"], run["new"], run["failed"], run["errors"]) == (
        "finished",
        "finished",
        5,
        1,
        1,
    )


async def test_health_ignores_bad_parameters(ds: Any) -> None:
    response = await ds.client.get("/-/crawl-health", params={"by": "text; drop table x", "days": "many"})
    assert response.status_code == 200
    assert 'value="first_seen" selected' in response.text
    data = (await ds.client.get("/-/crawl-health.json", params={"days": "100000"})).json()
    assert data["days"] == 366 and len(data["databases"][0]["chart"]["days"]) == 366


def test_chart_escapes_source_names_and_stacks_counts() -> None:
    svg = str(svg_chart(["2024-01-01", "2024-01-02"], {"<script>": [1, 2], "b": [3, 0]}))
    assert "<script>" not in svg and "&lt;script&gt; (3)" in svg
    assert svg.count("<rect") == 3 + 2  # three bars, two legend keys
    assert ">4</text>" in svg  # the tallest stacked bar sets the scale
