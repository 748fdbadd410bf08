"""pipelines.extract.page_dates: where the published day comes from when the page declares none (htmldate's
extensive search, asked only then, once), and that a declared one wins."""

from __future__ import annotations

import pytest
from htmldate import find_date
from trafilatura.settings import set_date_params

from pipelines.extract import extract_page, page_dates
from pipelines.extract.parse import parse_html

BODY = "<p>" + "The council met on Tuesday to discuss the new harbour plan and its budget. " * 6 + "</p>"


def page(head: str = "", byline: str = "") -> str:
    return (
        f"<html><head><title>Harbour plan</title>{head}</head><body><article><h1>Harbour plan</h1>"
        f"{byline}{BODY}{BODY}</article></body></html>"
    )


@pytest.mark.parametrize(
    "head",
    [
        '<meta property="article:published_time" content="2021-03-12T08:00:00Z">',
        '<meta property="og:type" content="article"><meta name="pubdate" content="2021/03/12">',
        '<script type="application/ld+json">{"@type": "NewsArticle", "datePublished": "2021-03-12"}</script>',
    ],
)
def test_a_structured_date_leaves_htmldate_out(head: str, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str | None] = []
    monkeypatch.setattr(page_dates, "htmldate_day", lambda tree, url: asked.append(url))
    article = extract_page(page(head).encode(), "https://example.org/news/harbour-plan")
    assert article.published is not None and article.published.startswith("2021-03-12")
    assert asked == []


@pytest.mark.parametrize("head", ["", '<meta name="date" content="to be announced">'])
def test_no_parseable_structured_date_asks_htmldate_once(head: str, monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str | None] = []

    def day(tree: object, url: str | None) -> str:
        asked.append(url)
        return "2021-03-12"

    monkeypatch.setattr(page_dates, "htmldate_day", day)
    url = "https://example.org/news/harbour-plan"
    article = extract_page(page(head, '<p class="byline">published 12 March 2021</p>').encode(), url)
    assert asked == [url]
    assert article.published == "2021-03-12"


# The second byline: only the extensive search finds a date (it falls back to the year, as 2021-01-01), the
# fast one none; the page states the year only as far as the extractor can read it, so it stays "2021".
@pytest.mark.parametrize("head", ["", '<meta name="date" content="to be announced">'])
@pytest.mark.parametrize(
    ("byline", "day", "published"),
    [
        ("published 12 March 2021", "2021-03-12", "2021-03-12"),
        ("pubblicato il 12 marzo 2021", "2021-01-01", "2021"),
    ],
)
def test_without_structured_date_the_day_is_htmldates_extensive_one(
    head: str, byline: str, day: str, published: str
) -> None:
    html = page(head, f'<p class="byline">By Ann Lee, {byline}</p>')
    url = "https://example.org/news/harbour-plan"
    article = extract_page(html.encode(), url)
    assert article is not None
    assert find_date(parse_html(html), **{**set_date_params(extensive=True), "url": url}) == day
    assert article.published == published


def test_a_structured_date_wins_over_the_visible_one() -> None:
    html = page(
        '<meta property="article:published_time" content="2021-03-14T08:00:00+00:00">',
        '<p class="byline">published 12 March 2021</p>',
    )
    article = extract_page(html.encode(), "https://example.org/news/harbour-plan")
    assert article is not None and article.published == "2021-03-14T08:00:00+00:00"
