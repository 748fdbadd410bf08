"""The ranked search page (canned query ``search``): bm25 order and highlighted snippets of the original text."""

from __future__ import annotations

from typing import Any

import pytest

from publish.snippets import is_marked_html, search_snippet
from tests.support.publish_fixtures import ARTICLES, XSS_IMG, XSS_SCRIPT, archive, ds

__all__ = ["archive", "ds"]


async def ranked(ds: Any, query: str) -> list[dict[str, Any]]:
    response = await ds.client.get("/archive/search.json", params={"q": query, "_shape": "array"})
    assert response.status_code == 200, response.text[:500]
    return list(response.json())


async def test_title_matches_rank_above_body_matches(ds: Any) -> None:
    rows = await ranked(ds, "棚户区改造")
    assert [row["title"] for row in rows][:2] == [
        ARTICLES["shinan_repost"]["fields"]["title"],  # shorter title and text: higher bm25
        ARTICLES["shinan"]["fields"]["title"],
    ]
    rows = await ranked(ds, "崂山")
    assert [row["title"] for row in rows] == [ARTICLES["laoshan"]["fields"]["title"]]


async def test_snippet_highlights_the_words_in_the_original_text(ds: Any) -> None:
    rows = await ranked(ds, "闫可凯")
    assert rows[0]["snippet"].startswith("本报讯（记者 <mark>闫可凯</mark>）青岛市市南区")
    page = await ds.client.get("/archive/search", params={"q": "闫可凯"})
    assert "<mark>闫可凯</mark>" in page.text
    assert f'href="/archive/articles/{rows[0]["id"]}"' in page.text  # titles link to the article page


@pytest.mark.parametrize("query", ["", '"', "*", "AND", "-", "青岛 -", "NOT 青岛", "香蕉"])
async def test_odd_queries_do_not_error(ds: Any, query: str) -> None:
    response = await ds.client.get("/archive/search", params={"q": query})
    assert response.status_code == 200


async def test_english_and_two_character_words_rank(ds: Any) -> None:
    assert [row["title"] for row in await ranked(ds, "container")] == [ARTICLES["port"]["fields"]["title"]]
    assert len(await ranked(ds, "青岛")) == 3


async def test_snippet_of_a_hostile_page_is_escaped_text(ds: Any) -> None:
    rows = await ranked(ds, "青岛")
    hostile = next(row for row in rows if row["source"] == "evil-site")
    assert "<script" not in hostile["snippet"] and "<img" not in hostile["snippet"]
    assert "&lt;script&gt;" in hostile["snippet"]
    page = await ds.client.get("/archive/search", params={"q": "青岛"})
    assert XSS_SCRIPT not in page.text and XSS_IMG not in page.text
    assert "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;" in page.text


async def test_hand_written_snippet_column_is_not_trusted(ds: Any) -> None:
    page = await ds.client.get(
        "/archive", params={"sql": "select '<img src=x onerror=alert(1)><mark>x</mark>' as snippet"}
    )
    assert page.status_code == 200
    assert "<img src=x onerror" not in page.text
    assert "&lt;img src=x onerror=alert(1)&gt;" in page.text


def test_search_snippet_windows_around_the_first_match() -> None:
    text = "开头" * 200 + "青岛市南区" + "结尾" * 200
    snippet = search_snippet(text, "市南区", width=40)
    assert snippet.startswith("…") and snippet.endswith("…")
    assert "<mark>市南区</mark>" in snippet
    assert len(snippet.replace("<mark>", "").replace("</mark>", "")) <= 42


def test_search_snippet_marks_phrases_words_and_case_insensitively() -> None:
    assert (
        search_snippet("The Port of Qingdao", "qingdao port")
        == "The <mark>Port</mark> of <mark>Qingdao</mark>"
    )
    assert search_snippet("record-number", '"record number"') == "<mark>record-number</mark>"
    assert search_snippet("a < b & 青岛", "青岛") == "a &lt; b &amp; <mark>青岛</mark>"
    assert search_snippet("no match here", "青岛") == "no match here"
    assert search_snippet(None, "青岛") == ""


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("plain &amp; <mark>x</mark> &lt;b&gt; &#34; &#39;", True),
        ("<b>x</b>", False),
        ("<mark onclick=x>x</mark>", False),
        ("a & b", False),
        ('"quoted"', False),
        ("&nbsp;", False),
        (None, False),
    ],
)
def test_is_marked_html_accepts_only_escaped_text_and_marks(value: Any, safe: bool) -> None:
    assert is_marked_html(value) is safe
