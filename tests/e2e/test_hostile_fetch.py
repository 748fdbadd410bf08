"""No request leaves the source: start URLs, feeds, sitemaps and robots.txt (all ``dont_filter``) and every
redirect hop are checked against the source's hosts and ports; internal addresses it does not name are
refused; loops and over-long chains are counted failures. A hostile site on 127.0.0.1, a second server on
another port of 127.0.0.1 standing for what must never be reached."""

from __future__ import annotations

import gzip
from pathlib import Path

import sqlite_utils

from tests.support.hostile_inputs import page
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
                # 40,000 attributes on one tag: extraction time grows quadratically (~20 s) past the budget.
                "/news/attrs.html": _html(page(extra=f"<p {ATTRIBUTES}>x</p>")),
            }
        )
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
    assert stored == {f"{base}/news/a1.html", f"{base}/news/a2.html"}  # the page with the odd link was read
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
    # Stopped by the alarm in Python code, or by the CPU-time backstop when stuck in C code (libxml2's
    # duplicate-attribute check is quadratic): either way a failure naming the budget.
    assert "over the time budget (2 s per document)" in errors.pop(f"{base}/news/attrs.html")
    expected_lines = len(expected) + 1
    assert errors == expected
    failure_lines = [line for line in result.stderr.splitlines() if line.startswith("failed: ")]
    assert len(failure_lines) == expected_lines, result.stderr  # one line each
    run = next(db.query("select * from crawl_runs order by id desc limit 1"))
    assert run["failed"] == expected_lines
    assert run["new"] == 2
