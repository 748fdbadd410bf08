"""The article page: the row page of ``articles`` as a reader sees it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.publish_fixtures import ARTICLES, archive, ds

__all__ = ["archive", "ds"]


async def page(ds: Any, archive: tuple[Path, dict[str, int]], key: str) -> str:
    response = await ds.client.get(f"/archive/articles/{archive[1][key]}")
    assert response.status_code == 200
    return str(response.text)


async def test_article_page_shows_the_article(ds: Any, archive: tuple[Path, dict[str, int]]) -> None:
    html = await page(ds, archive, "shinan")
    fields = ARTICLES["shinan"]["fields"]
    assert "<title>青岛市南区加快棚户区改造</title>" in html
    assert "<h1>青岛市南区加快棚户区改造</h1>" in html
    assert "By 闫可凯" in html and "王芳 (摄影)" in html and "Editor: 李明" in html
    assert '<a href="/archive/articles?source=qingdao-news">qingdao-news</a>' in html
    assert f'<time datetime="{fields["published"]}">' in html
    assert "?section=%E7%A4%BE%E4%BC%9A" in html  # section 社会 links to its articles
    assert "?tags__arraycontains=%E6%A3%9A%E6%88%B7%E5%8C%BA%E6%94%B9%E9%80%A0" in html
    for paragraph in fields["text"].split("\n"):
        assert f"<p>{paragraph}</p>" in html
    assert f'<a href="{ARTICLES["shinan"]["url"]}" rel="noopener noreferrer nofollow">' in html


async def test_article_page_shows_captures_and_the_same_story(
    ds: Any, archive: tuple[Path, dict[str, int]]
) -> None:
    html = await page(ds, archive, "shinan")
    assert "Captures in the raw archive" in html
    assert "<code>archive/2024/03/15/qingdao-news.warc.gz</code> @ 0 (+4567)" in html
    assert "Same story elsewhere" in html
    repost = archive[1]["shinan_repost"]
    assert f'<a href="/archive/articles/{repost}">市南区棚户区改造提速</a> — dzwww' in html


async def test_article_without_captures_or_copies_omits_those_sections(
    ds: Any, archive: tuple[Path, dict[str, int]]
) -> None:
    html = await page(ds, archive, "laoshan")
    assert "Captures in the raw archive" not in html and "Same story elsewhere" not in html
    assert "<p>国庆假期，崂山风景区共接待游客三十万人次。</p>" in html


async def test_article_json_has_every_column(ds: Any, archive: tuple[Path, dict[str, int]]) -> None:
    response = await ds.client.get(f"/archive/articles/{archive[1]['port']}.json")
    assert response.status_code == 200
    data = response.json()
    row = dict(zip(data["columns"], data["rows"][0], strict=True))
    assert row["text"].startswith("The Port of Qingdao")


async def test_other_row_pages_keep_datasettes_layout(ds: Any) -> None:
    response = await ds.client.get("/archive/crawl_runs/1")
    assert response.status_code == 200
    assert 'class="rows-and-columns"' in response.text and "archive-article" not in response.text


async def test_missing_article_is_404(ds: Any) -> None:
    assert (await ds.client.get("/archive/articles/12345")).status_code == 404
