"""The news spider's discovery and article handling, on responses built in the test (no network)."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy.http import HtmlResponse, Request, TextResponse, XmlResponse
from scrapy.utils.test import get_crawler

from crawler.middlewares import ARTICLE_META
from crawler.spiders.news import NewsSpider
from pipelines.documents.raw import RawDocument
from pipelines.sources import source_from_dict

BASE = "https://news.example.cn"
SOURCE = source_from_dict(
    "demo",
    {
        "name": "Demo",
        "start_urls": [f"{BASE}/"],
        "article_patterns": [r"/\d{4}/\d{2}/\d{2}/art_\d+\.html$"],
        "list_patterns": [r"/list_\d+\.html$"],
        "max_depth": 2,
        "host_aliases": {"m.news.example.cn": "news.example.cn"},
    },
)


@pytest.fixture
def spider() -> NewsSpider:
    crawler = get_crawler(NewsSpider)
    return NewsSpider.from_crawler(crawler, source=SOURCE)


def html(url: str, body: str, depth: int = 0) -> HtmlResponse:
    request = Request(url, meta={"depth": depth})
    return HtmlResponse(url, body=body.encode("utf-8"), encoding="utf-8", request=request)


def follow(spider: NewsSpider, response: HtmlResponse) -> list[Request]:
    return [r for r in spider._requests_to_follow(response) if r is not None]


LIST_PAGE = """<html><body>
<a href="/2024/03/01/art_1.html">一</a>
<a href="/2024/03/01/art_2.html?utm_source=wechat&spm=a.b#top">二</a>
<a href="https://m.news.example.cn/2024/03/01/art_3.html">三</a>
<a href="/list_2.html">下一页</a>
<a href="/about.html">关于</a>
<a href="https://elsewhere.example.org/2024/03/01/art_9.html">外站</a>
</body></html>"""


def test_list_pages_yield_canonical_article_requests_and_next_pages(spider: NewsSpider) -> None:
    requests = follow(spider, html(f"{BASE}/list_1.html", LIST_PAGE))
    articles = [r.url for r in requests if r.meta.get(ARTICLE_META)]
    assert articles == [
        f"{BASE}/2024/03/01/art_1.html",
        f"{BASE}/2024/03/01/art_2.html",  # tracking parameters and fragment gone
        f"{BASE}/2024/03/01/art_3.html",  # mobile host mapped to the desktop one
        "https://elsewhere.example.org/2024/03/01/art_9.html",  # dropped later by OffsiteMiddleware
    ]
    assert [r.url for r in requests if not r.meta.get(ARTICLE_META)] == [f"{BASE}/list_2.html"]


def test_depth_limit_stops_following(spider: NewsSpider) -> None:
    assert follow(spider, html(f"{BASE}/list_5.html", LIST_PAGE, depth=2)) == []


def test_start_page_advertises_feeds(spider: NewsSpider) -> None:
    page = html(
        f"{BASE}/",
        '<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml">'
        '<link rel="alternate" type="application/atom+xml" href="https://news.example.cn/atom.xml">'
        '<link rel="stylesheet" href="/s.css"></head><body></body></html>',
    )
    assert sorted(r.url for r in spider.parse_start_url(page)) == [f"{BASE}/atom.xml", f"{BASE}/rss.xml"]


def test_rss_and_atom_feeds_lead_to_articles(spider: NewsSpider) -> None:
    rss = XmlResponse(
        f"{BASE}/rss.xml",
        body=(
            '<?xml version="1.0" encoding="utf-8"?><rss><channel>'
            f"<item><title>一</title><link>{BASE}/2024/03/01/art_1.html</link></item>"
            f"<item><title>不是稿件</title><link>{BASE}/about.html</link></item>"
            "</channel></rss>"
        ).encode(),
    )
    atom = XmlResponse(
        f"{BASE}/atom.xml",
        body=(
            b'<feed xmlns="http://www.w3.org/2005/Atom"><entry><link rel="alternate" '
            b'href="/2024/03/02/art_2.html"/></entry></feed>'
        ),
    )
    assert [r.url for r in spider.parse_feed(rss)] == [f"{BASE}/2024/03/01/art_1.html"]
    assert [r.url for r in spider.parse_feed(atom)] == [f"{BASE}/2024/03/02/art_2.html"]
    assert all(r.meta[ARTICLE_META] for r in spider.parse_feed(rss))


def test_sitemaps_from_robots_index_and_google_news(spider: NewsSpider) -> None:
    robots = TextResponse(f"{BASE}/robots.txt", body=f"User-agent: *\nSitemap: {BASE}/sitemap.xml\n".encode())
    assert [r.url for r in spider.parse_robots(robots)] == [f"{BASE}/sitemap.xml"]
    index = XmlResponse(
        f"{BASE}/sitemap.xml",
        body=(
            '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            f"<sitemap><loc>{BASE}/news.xml</loc></sitemap></sitemapindex>"
        ).encode(),
    )
    assert [r.url for r in spider.parse_sitemap(index)] == [f"{BASE}/news.xml"]
    news = XmlResponse(
        f"{BASE}/news.xml",
        body=(
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">'
            f"<url><loc>{BASE}/2024/03/03/art_3.html</loc><news:news><news:title>三</news:title></news:news></url>"
            f"<url><loc>{BASE}/list_1.html</loc></url></urlset>"
        ).encode(),
    )
    assert [r.url for r in spider.parse_sitemap(news)] == [f"{BASE}/2024/03/03/art_3.html"]


def test_article_response_becomes_a_page_item_with_its_bytes_and_redirects(spider: NewsSpider) -> None:
    body = "<html><head><title>标题</title></head><body><p>正文</p></body></html>".encode("gbk")
    request = Request(
        f"{BASE}/2024/03/01/art_1.html", meta={"redirect_urls": [f"{BASE}/old/1.html?from=rss"]}
    )
    response = HtmlResponse(
        f"{BASE}/2024/03/01/art_1.html",
        body=body,
        headers={"Content-Type": "text/html; charset=gbk"},
        request=request,
    )
    (item,) = list(spider.parse_article(response))
    assert isinstance(item, RawDocument)
    assert item.body == body
    assert item.headers["Content-Type"] == "text/html; charset=gbk"
    assert item.source == "demo" and item.kind == "html" and item.status == 200
    assert item.aliases == [f"{BASE}/old/1.html"]


def test_spider_needs_a_known_source(tmp_path: Any) -> None:
    with pytest.raises(ValueError, match="needs a source"):
        NewsSpider()
    (tmp_path / "s.toml").write_text('[sources.a]\nname = "a"\nstart_urls = ["https://a.example.cn/"]\n')
    with pytest.raises(ValueError, match="unknown source 'b'"):
        NewsSpider(source="b", sources=str(tmp_path / "s.toml"))


async def test_the_sitemap_lookup_in_robots_txt_is_not_retried(spider: NewsSpider) -> None:
    # Scrapy's RobotsTxtMiddleware fetches robots.txt with retries first; ours only looks for Sitemap: lines.
    requests = [r async for r in spider.start()]
    robots = [r for r in requests if r.url.endswith("/robots.txt")]
    assert robots and all(r.meta.get("dont_retry") for r in robots)
