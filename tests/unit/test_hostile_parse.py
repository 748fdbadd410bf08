"""Markup whose cost grew faster than its size (issue 14): ``pipelines.extract.sanitize`` bounds it before
the page is parsed. Each page of tests/support/hostile_pages.py extracts within a CPU bound far above what
it takes now (~0.3 s) and far below what the first four took before the pre-pass (4-19 s of CPU; 100,000
attributes took 222 s): the article beside the markup is stored."""

from __future__ import annotations

import time

import pytest

from pipelines.extract import extract_page
from pipelines.extract.sanitize import MAX_ATTRIBUTE_VALUE, MAX_ATTRIBUTES, MAX_EMPTY_RUN, sanitize_html
from tests.support.hostile_pages import MARKUP, TITLE, around, attributes, empty_breaks

# CPU seconds (not wall time: a loaded machine stretches wall time, not the process's own CPU time).
BOUND = 3.0


@pytest.fixture(scope="module", autouse=True)
def _warm() -> None:
    # The first page of a process loads justext's stop lists and htmldate's parsers (~0.3 s).
    extract_page(around("").encode(), "http://a.example/news/1.html")


@pytest.mark.parametrize("name", sorted(MARKUP))
def test_hostile_markup_extracts_within_its_bound(name: str) -> None:
    build, size = MARKUP[name]
    body = build(size).encode()
    started = time.process_time()
    article = extract_page(body, "http://a.example/news/1.html")
    took = time.process_time() - started
    assert took < BOUND, f"{name}: {took:.1f} s of CPU"
    assert article.title == TITLE
    assert "海洋经济发展工作" in article.text


def test_the_pre_pass_is_linear_on_markup_built_to_make_it_reread() -> None:
    """Inputs that make a reader that restarts at every "<" or every quote read the page again and again:
    2-4 MB each, within a fraction of a second of CPU."""
    pages = {
        "250,000 attributes": attributes(250_000),
        "values holding tags": around("<p " + " ".join(f"a{i}='<b c{i}'" for i in range(150_000)) + ">"),
        "quotes never closed": around('<p a="x' * 100_000),
        "a quote open to the end": around('<p a="' + "x" * 3_000_000),
        "'<' without end": around("<a" * 1_500_000),
        "runs one short of the limit": around(("<br>" * MAX_EMPTY_RUN + "x") * 100_000),
        "line breaks": empty_breaks(500_000),
    }
    for what, html in pages.items():
        started = time.process_time()
        sanitize_html(html)
        took = time.process_time() - started
        assert took < 3.0, f"{what}: {took:.1f} s of CPU for {len(html):,} characters"


def test_a_tag_keeps_its_first_attributes_and_drops_repeats() -> None:
    tag = "<p " + " ".join(f"a{i % 300}='{i}'" for i in range(600)) + " />"
    bounded = sanitize_html(tag + "x")
    assert bounded == "<p " + " ".join(f"a{i}='{i}'" for i in range(MAX_ATTRIBUTES)) + "/>x"


def test_empty_elements_are_bounded_too() -> None:
    many = " ".join(f"a{i}='{i}'" for i in range(1000))
    kept = " ".join(f"a{i}='{i}'" for i in range(MAX_ATTRIBUTES))
    assert sanitize_html(f"<p>x<br {many}>y") == f"<p>x<br {kept}>y"
    assert sanitize_html(f"x<span {many}></span>y") == f"x<span {kept}></span>y"


def test_over_long_values_are_emptied_and_unclosed_ones_left() -> None:
    long = "A" * (MAX_ATTRIBUTE_VALUE + 1)
    assert sanitize_html(f"<img alt=图 src=\"data:{long}\" title='t'>x") == "<img alt=图 src=\"\" title='t'>x"
    unclosed = f'<img src="data:{long}'
    assert sanitize_html(unclosed) == unclosed


def test_runs_of_empty_elements_keep_their_first_ones() -> None:
    html = "<p>a" + "<br>" * 20 + "b" + "<BR/>\n" * MAX_EMPTY_RUN + "c" + "<i></i> <span class=x></span>" * 9
    assert sanitize_html(html) == (
        "<p>a"
        + "<br>" * MAX_EMPTY_RUN
        + "b"
        + "<BR/>\n" * MAX_EMPTY_RUN
        + "c"
        + "<i></i> <span class=x></span>" * 8
    )


def test_ordinary_markup_and_raw_text_are_left_as_they_are() -> None:
    script = "<script>if (a<b && " + " ".join(f"c{i}=d" for i in range(400)) + ") {}</script>"
    style = "<style>" + "<br>" * 40 + "</style>"
    comment = "<!--<p " + " ".join(f"a{i}" for i in range(400)) + ">-->"
    cells = "<table><tr>" + "<td></td>" * 40 + "</tr></table>"
    ordinary = "<div class='a' data-x=\"1 > 0\"><p>正文<br><br>第二段</p>" + "<br>" * MAX_EMPTY_RUN + "</div>"
    for html in (script, style, comment, cells, ordinary, around("")):
        assert sanitize_html(html) == html
