"""bench/schedule_scale.py's arithmetic: due times matched with crawls, lags, missed and starved sources,
and the simulated sites' growth."""

from __future__ import annotations

import pytest

from bench.schedule_scale import INITIAL_ARTICLES, NEW_PER_CYCLE, Site, due_lags, percentile
from tests.support.local_site import make_articles


def test_each_due_time_is_matched_with_the_first_crawl_after_it() -> None:
    t0, cycle, end = 1000.0, 100.0, 1400.0  # due at 1000, 1100, 1200, 1300 (not 1400: at the end)
    starts = {
        "a": [1002.0, 1105.0, 1199.0, 1330.0],  # 1199: a little early counts for 1200
        "b": [1001.0, 1250.0],  # 1100 missed; 1250 is 1200's; 1300 missed
    }
    lags, missed, starved = due_lags(starts, ["a", "b", "c"], t0, end, cycle, limit=10.0)
    a, b, c = lags[:4], lags[4:8], lags[8:]
    assert a == [2.0, 5.0, 0.0, 30.0]
    assert b == [1.0, 100.0, 50.0, 100.0]  # a missed due time counts its whole cycle (or up to the end)
    assert c == [100.0, 100.0, 100.0, 100.0]  # never crawled
    assert missed == 2 + 4 and starved == {"b", "c"}


def test_due_times_close_to_the_end_are_not_counted() -> None:
    lags, missed, _ = due_lags({"a": [0.0]}, ["a"], 0.0, 105.0, 100.0, limit=10.0)
    assert lags == [0.0] and missed == 0  # the due time at 100 is within the limit of the end


def test_percentile_is_a_value_of_the_list() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 51.0 and percentile(values, 0.95) == 95.0
    assert percentile([3.0], 0.95) == 3.0


@pytest.mark.parametrize(("elapsed", "count"), [(0.0, INITIAL_ARTICLES), (150.0, INITIAL_ARTICLES + 3)])
def test_a_site_gains_its_new_articles_over_each_cycle(elapsed: float, count: int) -> None:
    assert NEW_PER_CYCLE == 2
    site = Site(0, cycle=100.0, latency=0.0, t0=0.0, rss=True, sitemap=True, articles=make_articles(20))
    site.port = 8000
    assert len(site.visible(elapsed)) == count
    newest = site.visible(elapsed)[-1]
    status, _, body = site.respond(newest.path, elapsed)
    assert (status == 200 and newest.title.encode("utf-8") in body) or newest.title.encode("gbk") in body
    assert site.respond(site.articles[count].path, elapsed)[0] == 404  # not published yet
    assert b"Sitemap: http://127.0.0.1:8000/sitemap.xml" in site.respond("/robots.txt", elapsed)[2]
    assert newest.path.encode() in site.respond("/rss.xml", elapsed)[2]


def test_the_cold_start_can_be_left_out() -> None:
    t0, cycle, end = 1000.0, 100.0, 1400.0
    starts = {"a": [1050.0, 1101.0, 1202.0, 1303.0]}  # the cold start late, the rest on time
    lags, missed, starved = due_lags(starts, ["a"], t0, end, cycle, limit=10.0, first=1)
    assert lags == [1.0, 2.0, 3.0] and missed == 0 and starved == set()
