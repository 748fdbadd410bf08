"""Nothing from a page is ever rendered as markup: an article whose title, body, byline, section and tags carry
<script>, <img onerror> and javascript: links shows them as text on every page, feed and search result."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.publish_fixtures import XSS_IMG, XSS_SCRIPT, archive, ds

__all__ = ["archive", "ds"]

RAW_MARKUP = [XSS_SCRIPT, "<script>alert", XSS_IMG, "<img src=x", 'href="javascript:', "href='javascript:"]
JAVASCRIPT_LINK = re.compile(r"""(?:href|src)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)
ESCAPED_TITLE = (
    "&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt; 青岛 标题 &lt;img src=x onerror=alert(1)&gt;"
)

PAGES = [
    "/",
    "/archive",
    "/archive/articles",
    "/archive/articles?_search=青岛",
    "/archive/articles?source=evil-site",
    "/archive/articles?section=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E",
    "/archive/articles?_col=title&_col=text&_col=section&_col=authors&_col=url",
    "/archive/articles?_search=%3Cscript%3Ealert(1)%3C/script%3E",
    "/archive/articles?_facet_array=tags&_facet_array=authors",
    "/archive/search?q=青岛",
    "/archive/search?q=%3Cimg+src%3Dx+onerror%3Dalert(1)%3E",
    "/archive/top_authors",
    "/archive/article_keys",
    "/-/crawl-health",
]


def assert_no_markup_from_pages(body: str) -> None:
    for raw in RAW_MARKUP:
        assert raw not in body, raw
    assert not JAVASCRIPT_LINK.search(body)


@pytest.mark.parametrize("path", PAGES)
async def test_pages_show_hostile_content_as_text(ds: Any, path: str) -> None:
    response = await ds.client.get(path)
    assert response.status_code == 200
    assert_no_markup_from_pages(response.text)


async def test_hostile_title_is_visible_escaped(ds: Any, archive: tuple[Path, dict[str, int]]) -> None:
    for path in ("/archive/articles", f"/archive/articles/{archive[1]['xss']}", "/archive/search?q=标题"):
        html = (await ds.client.get(path)).text
        assert ESCAPED_TITLE in html, path


async def test_hostile_article_page(ds: Any, archive: tuple[Path, dict[str, int]]) -> None:
    html = (await ds.client.get(f"/archive/articles/{archive[1]['xss']}")).text
    assert_no_markup_from_pages(html)
    assert (
        "<p>第三段 &lt;a href=&#34;javascript:alert(2)&#34;&gt;点我&lt;/a&gt; javascript:alert(3)</p>" in html
    )
    assert "By &lt;script&gt;" in html


async def test_javascript_url_is_never_a_link(ds: Any, tmp_path: Path) -> None:
    import sqlite_utils

    from pipelines.archive.schema import ensure_db_shape
    from pipelines.archive.store import save_article
    from pipelines.documents.records import build_record
    from publish import make_datasette

    db = sqlite_utils.Database(tmp_path / "js.db")
    ensure_db_shape(db)
    record = build_record(
        {"title": "链接", "text": "正文", "canonical_url": "javascript:alert(4)"},
        url="javascript:alert(5)",
        fetched_at="2024-01-01T00:00:00+00:00",
        source="evil",
    )
    article_id = save_article(db, record).article_id
    db.close()
    datasette = make_datasette(str(tmp_path / "js.db"))
    html = (await datasette.client.get(f"/js/articles/{article_id}")).text
    assert "Original URL: javascript:alert(5)" in html
    assert not JAVASCRIPT_LINK.search(html)
    feed = (await datasette.client.get("/js/articles.atom")).text
    assert "javascript:" not in feed


async def test_feeds_and_json_carry_no_markup(ds: Any) -> None:
    for path in (
        "/archive/articles.atom",
        "/archive/search.atom?q=青岛",
        "/archive/articles.atom?_search=标题",
    ):
        body = (await ds.client.get(path)).text
        assert "<script" not in body and "<img" not in body, path
    response = await ds.client.get("/archive/articles.json?source=evil-site")
    assert response.headers["content-type"].startswith("application/json")
