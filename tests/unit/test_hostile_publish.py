"""Text from hostile pages on the published archive: a right-to-left override (U+202E) in a title or body is
kept in its own bidi island on the article page and the list, so it cannot reverse the text around it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from publish.feeds import BASE_URL_ENV, rebase
from tests.support.publish_fixtures import archive, ds

__all__ = ["archive", "ds"]

ISOLATED = ".archive-article h1, .archive-article .byline"


async def test_page_text_is_bidi_isolated(ds: Any, archive: tuple[Path, dict[str, int]]) -> None:
    for path in (f"/archive/articles/{archive[1]['shinan']}", "/archive/articles"):
        response = await ds.client.get(path)
        assert response.status_code == 200
        html = str(response.text)
        assert ISOLATED in html and "{ unicode-bidi: isolate; }" in html, path


async def test_feed_links_use_the_configured_base_url_not_a_forged_host(
    ds: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    forged = {"Host": "evil.example"}
    response = await ds.client.get("/archive/articles.atom", headers=forged)
    assert response.status_code == 200 and "http://evil.example/" in response.text  # no base URL: the host

    monkeypatch.setenv(BASE_URL_ENV, "https://news.example.org/pub")
    response = await ds.client.get("/archive/articles.atom?source=qingdao-news", headers=forged)
    assert response.status_code == 200
    assert "evil.example" not in response.text
    assert 'href="https://news.example.org/pub/archive/articles.atom?source=qingdao-news"' in response.text
    assert "<id>https://news.example.org/pub/archive/articles/" in response.text


@pytest.mark.parametrize(
    ("url", "base", "rebased"),
    [
        ("http://127.0.0.1:8001/archive/articles/1", None, "http://127.0.0.1:8001/archive/articles/1"),
        ('http://a"b<c>/archive/articles/1', None, "/archive/articles/1"),  # not a host: a path on this site
        (
            "http://evil.example/archive/articles/1?x=1",
            "https://n.example/",
            "https://n.example/archive/articles/1?x=1",
        ),
    ],
)
def test_rebase(url: str, base: str | None, rebased: str) -> None:
    assert rebase(url, base) == rebased
