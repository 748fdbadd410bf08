"""Atom feeds of the newest articles, per source and per search: well-formed RFC 4287 that any reader takes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import datetime
from typing import Any

import pytest

from publish.feeds import atom_feed, rfc3339
from tests.support.publish_fixtures import ARTICLES, XSS_SCRIPT, archive, ds

__all__ = ["archive", "ds"]
NS = {"a": "http://www.w3.org/2005/Atom"}


async def feed(ds: Any, path: str, **params: str) -> ET.Element:
    response = await ds.client.get(path, params=params)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"] == "application/atom+xml; charset=utf-8"
    return ET.fromstring(response.content)


def check_atom(root: ET.Element) -> None:
    """The RFC 4287 requirements a feed reader relies on."""
    assert root.tag == "{http://www.w3.org/2005/Atom}feed"
    for tag in ("id", "title", "updated"):
        assert root.find(f"a:{tag}", NS) is not None, tag
    assert root.find("a:author/a:name", NS) is not None
    assert root.find("a:link[@rel='self']", NS) is not None
    for entry in root.findall("a:entry", NS):
        for tag in ("id", "title", "updated"):
            assert (entry.findtext(f"a:{tag}", namespaces=NS) or "").strip(), tag
        datetime.fromisoformat(entry.findtext("a:updated", namespaces=NS) or "")
        assert entry.find("a:link[@rel='alternate']", NS) is not None
        for link in entry.findall("a:link", NS):
            assert link.get("href", "").startswith(("http://", "https://"))


def titles(root: ET.Element) -> list[str]:
    return [entry.findtext("a:title", namespaces=NS) or "" for entry in root.findall("a:entry", NS)]


async def test_feed_of_newest_articles(ds: Any) -> None:
    root = await feed(ds, "/archive/articles.atom")
    check_atom(root)
    assert titles(root)[:2] == [
        ARTICLES["shinan_repost"]["fields"]["title"],
        ARTICLES["shinan"]["fields"]["title"],
    ]
    first = root.findall("a:entry", NS)[1]
    assert first.findtext("a:published", namespaces=NS) == "2024-03-15T09:30:00+08:00"
    assert first.findtext("a:author/a:name", namespaces=NS) == "闫可凯"
    assert first.find("a:link[@rel='via']", NS).get("href") == ARTICLES["shinan"]["url"]  # type: ignore[union-attr]
    assert first.findtext("a:summary", namespaces=NS) == ARTICLES["shinan"]["fields"]["summary"]


async def test_feed_per_source(ds: Any) -> None:
    root = await feed(ds, "/archive/articles.atom", source="dzwww")
    check_atom(root)
    assert titles(root) == [ARTICLES[k]["fields"]["title"] for k in ("shinan_repost", "laoshan")]


@pytest.mark.parametrize("path,param", [("/archive/articles.atom", "_search"), ("/archive/search.atom", "q")])
async def test_feed_for_a_search(ds: Any, path: str, param: str) -> None:
    root = await feed(ds, path, **{param: "市南区"})
    check_atom(root)
    assert set(titles(root)) == {ARTICLES[k]["fields"]["title"] for k in ("shinan", "shinan_repost")}


async def test_feed_links_are_offered_on_pages(ds: Any) -> None:
    html = (await ds.client.get("/archive/articles", params={"source": "dzwww"})).text
    assert 'href="/archive/articles.atom?source=dzwww&amp;_labels=on"' in html
    root = await feed(ds, "/archive/articles.atom", source="dzwww", _labels="on")  # the link as offered
    check_atom(root)
    assert [c.get("term") for c in root.findall("a:entry/a:category", NS)] == ["dzwww", "dzwww"]


async def test_hostile_article_is_text_in_the_feed(ds: Any) -> None:
    response = await ds.client.get("/archive/articles.atom", params={"source": "evil-site"})
    assert b"<script" not in response.content and b"<img" not in response.content
    root = ET.fromstring(response.content)
    check_atom(root)
    entry = root.find("a:entry", NS)
    assert entry is not None
    title = entry.find("a:title", NS)
    assert title is not None and title.get("type") == "text" and XSS_SCRIPT in (title.text or "")


def test_javascript_urls_and_control_characters_never_reach_the_feed() -> None:
    body = atom_feed(
        [{"id": 1, "title": "bad\x00\x1b title", "url": "javascript:alert(1)", "published": "not a date"}],
        feed_id="http://x/f",
        title="t",
        self_url="http://x/f.atom",
        alternate_url="http://x/f",
        article_url=lambda row: f"http://x/articles/{row['id']}",
    )
    root = ET.fromstring(body)
    check_atom(root)
    assert b"javascript:" not in body
    assert titles(root) == ["bad title"]
    assert root.findtext("a:entry/a:updated", namespaces=NS) == "1970-01-01T00:00:00+00:00"


def test_rfc3339_of_dates_and_naive_times() -> None:
    assert str(rfc3339("2024-03-15")) == "2024-03-15 00:00:00+00:00"
    assert str(rfc3339("2024-03-15T09:30:00Z")) == "2024-03-15 09:30:00+00:00"
    assert rfc3339("15/03/2024") is None
