"""pipelines.extract.page_dates: the page's visible text is read only when a date check needs it (reading it
costs ~1.7 ms a page), and the texts that print a day are found as reading them all would find them."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from pipelines.extract import extract_page, page_dates
from pipelines.extract.parse import parse_html

BODY = "<p>" + "The council met on Tuesday to discuss the new harbour plan and its budget. " * 6 + "</p>"
PAGE = (
    "<html><head><title>Harbour plan</title></head><body><article><h1>Harbour plan</h1>"
    f"{BODY}{BODY}</article></body></html>"
)


def _unread(*_: Any) -> Any:
    raise AssertionError("the page's visible text was read")


def test_a_day_the_url_states_needs_no_page_text(monkeypatch: pytest.MonkeyPatch) -> None:
    # No date on the page: htmldate's day comes from the URL, which states it; the text would add nothing.
    monkeypatch.setattr(page_dates, "_visible_texts", _unread)
    monkeypatch.setattr(page_dates, "_visible_text", _unread, raising=False)
    article = extract_page(PAGE.encode(), "https://example.org/2021/03/12/harbour-plan.html")
    assert article.published == "2021-03-12"


def test_the_texts_printing_a_day_are_the_visible_ones_in_page_order() -> None:
    tree = parse_html(
        "<html><head><title>2021-03-12</title></head><body><div class='sidebar'>Updated 2021-03-12</div>"
        "<script>var d = '2021-03-12';</script> tail 12 March 2021 <style>/* 2021-03-12 */</style>"
        "<p>On 2021-03-11 and <b>12/03/2021</b> and 2021-03-21.</p></body></html>"
    )
    assert tree is not None
    holders = page_dates._day_holders(tree, date(2021, 3, 12))
    assert [str(node) for node in holders] == ["Updated 2021-03-12", " tail 12 March 2021 ", "12/03/2021"]
    visible = page_dates._visible_texts(tree)
    assert holders == [node for node in visible if page_dates._day_pattern(date(2021, 3, 12)).search(node)]
