"""No request leaves the source: start URLs, feeds, sitemaps and robots.txt (all ``dont_filter``) and every
redirect hop are checked against the source's hosts and ports; internal addresses it does not name are
refused; loops and over-long chains are counted failures. A hostile site on 127.0.0.1, a second server on
another port of 127.0.0.1 standing for what must never be reached."""

from __future__ import annotations

import gzip
from pathlib import Path

import sqlite_utils

from tests.support.hostile_inputs import FETCH_CASES, laughs_feed, page, sitemap
from tests.support.hostile_server import Answer, HostileSite, redirect, serve_hostile
from tests.support.local_site import make_articles, render_article_a

FAST = [
    "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "-s", "ARCHIVE_RETRY_BACKOFF_BASE=0.05", "-s", "DOWNLOAD_TIMEOUT=5", "--workers", "1",
    "-s", "DOWNLOAD_MAXSIZE=1000000", "-s", "ARCHIVE_EXTRACT_TIME_BUDGET=2",
]  # fmt: skip
GZIP = {"Content-Encoding": "gzip"}
CUT = gzip.compress(("<html><body><h1>截断的gzip</h1>" + "<p>截断的正文。</p>" * 2000).encode())[:-200]
BOMB = gzip.compress(b" " * 30_000_000)  # ~30 KB that inflate to 30 MB
ATTRIBUTES = " ".join(f"a{i}='{i}'" for i in range(40_000))
ATTRIBUTES_100K = " ".join(f"a{i}='{i}'" for i in range(100_000))
SIZE_PAGES = [
    "/news/attrs100k.html",
    "/news/datauri.html",
    "/news/utf16.html",
    "/news/lying-meta.html",
    "/news/nul.html",
    "/news/breaks.html",
]
CHAIN = 14  # hops, more than ARCHIVE_MAX_REDIRECTS (10) and fewer than Scrapy's own limit (20)


def _html(answer: str) -> Answer:
    return Answer(200, answer.encode("utf-8"))


def test_requests_and_redirects_never_leave_the_source(run_cli, tmp_path: Path) -> None:
    inner, site = HostileSite(), HostileSite()
    with serve_hostile(inner) as inside, serve_hostile(site) as base:
        other_port = inside.rsplit(":", 1)[1]
        articles = make_articles(2, seed=14)
        links = [
            "/news/a1.html",
            "/news/a2.html",
            "http://[::ffff:a9fe:a9fe]/news/x.html",  # 169.254.169.254 spelled as IPv6: once abandoned the page
            "/news/meta.html",
            "/news/port.html",
            "/news/loop1.html",
            "/news/chain0.html",
            "/news/cut.html",
            "/news/bomb.html",
            "/news/short.html",
            "/news/attrs.html",
        ]
        home = (
            "<html><body>" + "".join(f'<a href="{link}">{link}</a><br>' for link in links) + "</body></html>"
        )
        site.answers.update(
            {
                "/": _html(home),
                "/start-meta": redirect("http://169.254.169.254/latest/meta-data/"),
                "/feed.xml": redirect(f"http://localhost:{other_port}/feed.xml"),
                "/sitemap.xml": redirect(f"{inside}/sitemap.xml"),
                "/robots.txt": redirect(f"http://localhost:{other_port}/robots.txt"),
                "/news/a1.html": _html(render_article_a(articles[0], [])),
                "/news/a2.html": _html(render_article_a(articles[1], [])),
                "/news/meta.html": redirect("http://169.254.169.254/latest/meta-data/iam/"),
                "/news/port.html": redirect(f"{inside}/news/p.html", 301),
                "/news/loop1.html": redirect("/news/loop2.html"),
                "/news/loop2.html": redirect("/news/loop1.html"),
                **{f"/news/chain{i}.html": redirect(f"/news/chain{i + 1}.html") for i in range(CHAIN)},
                f"/news/chain{CHAIN}.html": _html(render_article_a(make_articles(3, seed=15)[2], [])),
                # A gzip body cut off (its Content-Length agrees): Scrapy hands over what it can inflate.
                "/news/cut.html": Answer(200, CUT, {**GZIP, "Content-Type": "text/html; charset=utf-8"}),
                "/news/bomb.html": Answer(200, BOMB, {**GZIP, "Content-Type": "text/html"}),
                # Fewer bytes than the Content-Length, then the connection closes.
                "/news/short.html": Answer(200, b"<html><body>\xe6\x88\xaa", content_length=5000),
                # 40,000 attributes on one tag: extraction took ~20 s (quadratic), past the 2 s budget, until
                # pipelines.extract.sanitize bounded the attributes per tag; now stored within the budget.
                "/news/attrs.html": _html(page(extra=f"<p {ATTRIBUTES}>x</p>")),
            }
        )
        assert set(site.answers) == set(FETCH_CASES["redirects"])
        inner.answers.update({path: _html("<html><body>secret</body></html>") for path in site.answers})
        (tmp_path / "sources.toml").write_text(
            f"""
[sources.hostile]
name = "hostile"
start_urls = ["{base}/", "{base}/start-meta"]
feeds = ["{base}/feed.xml"]
sitemaps = ["{base}/sitemap.xml"]
allowed_domains = ["127.0.0.1"]
article_patterns = ['/news/']
""",
            encoding="utf-8",
        )
        result = run_cli("crawl", "hostile", "--sources", "sources.toml", "--db", "a.db", *FAST, cwd=tmp_path)

    assert inner.requests == []  # nothing reached the other port
    assert "Traceback" not in result.stderr, result.stderr
    db = sqlite_utils.Database(tmp_path / "a.db")
    stored = {row["url"] for row in db["articles"].rows}
    # The page with the odd link was read; the page with 40,000 attributes is stored.
    assert stored == {f"{base}/news/a1.html", f"{base}/news/a2.html", f"{base}/news/attrs.html"}
    captured = [row["url"] for row in db["captures"].rows]
    assert all(url.startswith(base) for url in captured), captured

    errors = {row["input"]: row["reason"] for row in db["crawl_errors"].rows}
    expected = {
        f"{base}/start-meta": "redirect to http://169.254.169.254/latest/meta-data/ refused: "
        "169.254.169.254 is a link-local address the source does not name",
        f"{base}/feed.xml": f"redirect to http://localhost:{other_port}/feed.xml refused: "
        "localhost is a loopback address the source does not name",
        f"{base}/sitemap.xml": f"redirect to {inside}/sitemap.xml refused: "
        f"port {other_port} of 127.0.0.1 is not a port the source names",
        f"{base}/robots.txt": f"redirect to http://localhost:{other_port}/robots.txt refused: "
        "localhost is a loopback address the source does not name",
        f"{base}/news/meta.html": "redirect to http://169.254.169.254/latest/meta-data/iam/ refused: "
        "169.254.169.254 is a link-local address the source does not name",
        f"{base}/news/port.html": f"redirect to {inside}/news/p.html refused: "
        f"port {other_port} of 127.0.0.1 is not a port the source names",
        f"{base}/news/loop1.html": f"redirect to {base}/news/loop1.html refused: a redirect loop",
        f"{base}/news/chain0.html": f"redirect to {base}/news/chain11.html refused: "
        "more than 10 redirects in a row",
        f"{base}/news/cut.html": f"response from {base}/news/cut.html refused: "
        "truncated: the gzip body ends before its stream does",
        f"{base}/news/bomb.html": f"response from {base}/news/bomb.html refused: "
        f"a gzip body of {len(BOMB):,} bytes that decompresses past 1,000,000 bytes",
        f"{base}/news/short.html": f"response from {base}/news/short.html refused: "
        "truncated: the connection closed before the whole Content-Length was received",
    }
    expected_lines = len(expected)
    assert errors == expected
    failure_lines = [line for line in result.stderr.splitlines() if line.startswith("failed: ")]
    assert len(failure_lines) == expected_lines, result.stderr  # one line each
    run = next(db.query("select * from crawl_runs order by id desc limit 1"))
    assert run["failed"] == expected_lines
    assert run["new"] == 3


def test_oversized_and_malformed_site_files(run_cli, tmp_path: Path) -> None:
    """A 10 MB robots.txt, sitemaps of a million URLs (plain, and gzip that inflates past the limit), a
    feed with a billion-laughs DTD, pages of 20 MB, UTF-16 without BOM, a lying charset, NUL bytes, 100,000
    attributes: each a named, counted failure or a correct store, and the crawl ends in good time."""
    site = HostileSite()
    with serve_hostile(site) as base:
        answers = {
            "/": _html(page(extra="".join(f'<a href="{p}">{p}</a>' for p in SIZE_PAGES))),
            "/robots.txt": Answer(
                200,
                b"User-agent: *\nDisallow: /private/\n" + b"#" * 10_000_000,
                {"Content-Type": "text/plain"},
            ),
            "/feed.xml": Answer(
                200, laughs_feed(f"{base}/news/laughs.html"), {"Content-Type": "application/rss+xml"}
            ),
            "/sitemap.xml": Answer(200, sitemap(1_000_000, base), {"Content-Type": "application/xml"}),
            "/sitemap-gz.xml": Answer(
                200, gzip.compress(sitemap(200_000, base)), {**GZIP, "Content-Type": "application/xml"}
            ),
            "/news/laughs.html": _html(
                page("笑声订阅里的文章", "<p>第五篇：笑声订阅里的文章的正文，与其他各篇都不相同。</p>")
            ),
            "/news/attrs100k.html": _html(
                page(
                    "十万个属性",
                    extra="<p>第一篇：十万个属性的正文，与其他各篇都不相同。</p>"
                    + f"<p {ATTRIBUTES_100K}>x</p>",
                )
            ),
            "/news/datauri.html": _html(
                page("图片", extra=f'<img src="data:image/png;base64,{"A" * 20_000_000}">')
            ),
            "/news/utf16.html": Answer(
                200,
                page("没有字节序标记", "<p>第二篇：没有字节序标记的正文，与其他各篇都不相同。</p>").encode(
                    "utf-16-le"
                ),
                {"Content-Type": "text/html"},
            ),
            "/news/lying-meta.html": _html(
                page(
                    "声明错误的字符集",
                    extra="<p>第三篇：声明错误的字符集的正文，与其他各篇都不相同。</p>"
                    + '<meta charset="iso-8859-1">',
                )
            ),
            "/news/nul.html": Answer(200, b"\0" * 4096, {"Content-Type": "text/html"}),
            "/news/breaks.html": _html(
                page(
                    "一百万个换行",
                    extra="<p>第四篇：一百万个换行的正文，与其他各篇都不相同。</p>" + "<br>" * 1_000_000,
                )
            ),
        }
        assert set(answers) == set(FETCH_CASES["sizes"])
        site.answers.update(answers)
        (tmp_path / "sources.toml").write_text(
            f"""
[sources.hostile]
name = "hostile"
start_urls = ["{base}/"]
feeds = ["{base}/feed.xml"]
sitemaps = ["{base}/sitemap.xml", "{base}/sitemap-gz.xml"]
allowed_domains = ["127.0.0.1"]
article_patterns = ['/news/']
""",
            encoding="utf-8",
        )
        limit = ["-s", "DOWNLOAD_MAXSIZE=5000000"]
        result = run_cli(
            "crawl", "hostile", "--sources", "sources.toml", "--db", "a.db", *FAST, *limit, cwd=tmp_path
        )
    assert "Traceback" not in result.stderr, result.stderr
    db = sqlite_utils.Database(tmp_path / "a.db")
    assert {row["title"] for row in db["articles"].rows} == {
        "笑声订阅里的文章",  # the billion-laughs feed's link: its DTD dropped, its links kept
        "十万个属性",
        "没有字节序标记",
        "声明错误的字符集",
        "一百万个换行",
    }
    errors = {row["input"].removeprefix(base): row["reason"] for row in db["crawl_errors"].rows}
    assert errors.pop("/sitemap-gz.xml") == (
        f"response from {base}/sitemap-gz.xml refused: a gzip body of "
        f"{len(answers['/sitemap-gz.xml'].body):,} bytes that decompresses past 5,000,000 bytes"
    )
    assert errors.pop("/news/nul.html") == "binary data, not a text or HTML document"
    for path in ("/sitemap.xml", "/news/datauri.html"):  # Scrapy's words: cancelled before the body came
        size = len(answers[path].body)
        assert errors.pop(path).startswith(
            f"Expected to receive {size} bytes which is larger than download max"
        )
    assert errors == {}  # the 10 MB robots.txt is not a failure: treated as missing, the crawl went on
    run = next(db.query("select * from crawl_runs order by id desc limit 1"))
    assert (run["new"], run["failed"]) == (5, 4)
    # The billion-laughs feed is read in bounded time and memory (this whole crawl took seconds), and its
    # link followed (pipelines.documents.feeds drops the feed's internal DTD).
    assert "/news/laughs.html" in site.requests
