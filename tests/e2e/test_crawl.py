"""Crawling a local regional portal end to end: what is stored, what is never fetched, re-crawls."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from tests.support.local_site import (
    ARTICLE_PATTERN,
    DISALLOWED_ARTICLE,
    ESCAPING_REDIRECTS,
    OLD_PATH,
    LocalNewsSite,
    serve_site,
    sources_toml,
)

FAST = [
    "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "-s", "DOWNLOAD_MAXSIZE=1000000", "-s", "ARCHIVE_RETRY_BACKOFF_BASE=0.05", "-s", "DOWNLOAD_TIMEOUT=5",
]  # fmt: skip
MOJIBAKE = ("\ufffd", "Ã", "â€", "锟斤拷")


@pytest.fixture
def site(tmp_path: Path) -> Iterator[LocalNewsSite]:
    local = LocalNewsSite(article_count=24)
    with serve_site(local) as base_url:
        (tmp_path / "sources.toml").write_text(sources_toml(base_url), encoding="utf-8")
        yield local


def crawl(run_cli, tmp_path: Path, *extra: str):
    return run_cli(
        "crawl", "testsite", "--sources", "sources.toml", "--db", "a.db", *FAST, *extra, cwd=tmp_path
    )


def test_crawl_stores_every_article_and_fetches_nothing_it_must_not(run_cli, site, tmp_path: Path) -> None:
    result = crawl(run_cli, tmp_path)
    db = sqlite_utils.Database(tmp_path / "a.db")
    stored = {row["url"].removeprefix(site.base_url): row for row in db["articles"].rows}

    # Every article (from list pages, pagination, the feed and the sitemap) is stored, once.
    assert site.article_paths() | {"/news/2024/01/01/art_9001.html"} == set(stored)
    assert site.sitemap_only_article.path in stored
    for article in site.articles:
        row = stored[article.path]
        assert row["title"] == article.title, (article.path, article.gbk_declaration)
        assert not any(bad in row["title"] + row["text"] for bad in MOJIBAKE)
        assert article.paragraphs[1][:20] in row["text"]
        assert row["source"] == "testsite"

    requested = site.requested_paths()
    assert DISALLOWED_ARTICLE not in requested  # robots.txt
    assert not any("utm_source" in path or "spm=" in path for path in requested)  # tracking duplicate
    assert requested.count(site.tracked_article.path) == 1
    assert requested.count("/news/2024/01/01/art_500.html") == 4  # retried 3 times, then given up

    # Redirects cannot pull the crawler off the site or onto the local disk.
    for path in ESCAPING_REDIRECTS:
        assert requested.count(path) == 1
    assert not any("root:" in row["text"] for row in stored.values())

    # The redirect: both URLs lead to one article.
    (old,) = db.query("select article_id from article_keys where key = ?", [site.base_url + OLD_PATH])
    assert old["article_id"] == stored[site.redirected_article.path]["id"]

    run = next(db.query("select * from crawl_runs order by id desc limit 1"))
    assert (run["kind"], run["source"], run["status"], run["new"]) == (
        "crawl",
        "testsite",
        "finished",
        len(stored),
    )
    by_status = json.loads(run["responses_by_status"])
    assert {"200", "301", "404", "500"} <= set(by_status)
    assert json.loads(run["stats"]).get("offsite/filtered", 0) >= 1
    errors = {e["input"].removeprefix(site.base_url): e["reason"] for e in db["crawl_errors"].rows}
    assert errors["/news/2024/01/01/art_404.html"] == "HTTP 404"
    assert errors["/news/2024/01/01/art_500.html"] == "HTTP 500"
    assert "max size" in errors["/news/2024/01/01/art_9002.html"]  # the oversized page
    assert errors["/news/2024/01/02/art_802.html"] == "HTTP 302: redirect to file:///etc/passwd not followed"
    assert errors["/news/2024/01/02/art_801.html"] == (  # a refused hop (crawler/guard_middleware.py)
        f"redirect to {ESCAPING_REDIRECTS['/news/2024/01/02/art_801.html']} refused: "
        "host offsite.example.org is not one of the source's allowed domains"
    )
    # The crawl did its job: the site's own 404/500 pages and refused hops are counted, not an exit status.
    assert run["failed"] == 5 and result.returncode == 0, result.stderr


def test_second_crawl_fetches_list_pages_but_no_known_article(run_cli, site, tmp_path: Path) -> None:
    crawl(run_cli, tmp_path)
    count = sqlite_utils.Database(tmp_path / "a.db")["articles"].count
    site.clear_log()
    result = crawl(run_cli, tmp_path)
    requested = set(site.requested_paths())
    assert "/news/list_1.html" in requested and "/rss.xml" in requested and "/sitemap-news.xml" in requested
    assert not requested & site.article_paths()
    assert OLD_PATH not in requested  # the known redirect is not followed again either
    assert "0 stored (0 new, 0 updated)" in result.stdout
    db = sqlite_utils.Database(tmp_path / "a.db")
    assert db["articles"].count == count
    run = next(db.query("select * from crawl_runs order by id desc limit 1"))
    assert run["skipped_known"] >= len(site.articles)


def test_due_articles_are_rechecked_with_a_conditional_get(run_cli, site, tmp_path: Path) -> None:
    crawl(run_cli, tmp_path)
    site.clear_log()
    result = crawl(run_cli, tmp_path, "-s", "ARCHIVE_RECHECK_AFTER=0s")
    conditional = [h for path, h in site.requests if path in site.article_paths()]
    assert conditional and all("if-none-match" in h for h in conditional)
    db = sqlite_utils.Database(tmp_path / "a.db")
    run = next(db.query("select * from crawl_runs order by id desc limit 1"))
    assert run["unchanged"] >= len(site.articles) - 1 and run["new"] == 0, result.stdout
    assert db["article_versions"].count == 0


@pytest.mark.parametrize("how", ["SIGINT", "SIGKILL"])
def test_interrupted_crawl_loses_nothing_and_the_next_one_carries_on(
    repo_root: Path, tmp_path: Path, how: str
) -> None:
    import os
    import signal
    import subprocess
    import sys
    import time

    # Scrapy finishes the requests already handed to the downloader (up to CONCURRENT_REQUESTS) on Ctrl-C.
    local = LocalNewsSite(article_count=60, article_delay=0.2)
    with serve_site(local) as base_url:
        (tmp_path / "sources.toml").write_text(sources_toml(base_url), encoding="utf-8")
        command = [
            sys.executable,
            "-m",
            "crawler",
            "crawl",
            "testsite",
            "--sources",
            "sources.toml",
            "--db",
            "a.db",
            *FAST,
            "-s",
            "CONCURRENT_REQUESTS_PER_DOMAIN=2",
        ]
        env = {**os.environ, "PYTHONPATH": str(repo_root)}
        process = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if (tmp_path / "a.db").exists():
                try:
                    if sqlite_utils.Database(tmp_path / "a.db")["articles"].count >= 4:
                        break
                except Exception:  # the schema may still be in the making
                    pass
            time.sleep(0.1)
        process.send_signal(getattr(signal, how))
        process.communicate(timeout=60)  # returns only once the extraction workers are gone too
        db = sqlite_utils.Database(tmp_path / "a.db")
        before = {row["id"]: row["text"] for row in db["articles"].rows}
        assert 4 <= len(before) < len(local.articles)

        finished = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        assert "failed" in finished.stdout, finished.stderr
        after = {row["id"]: row["text"] for row in db["articles"].rows}
        assert {k: after[k] for k in before} == before  # nothing already stored was lost or altered
        assert len(after) == len(local.articles) + 1  # + the slow page; nothing stored twice
        runs = list(db.query("select status from crawl_runs order by id"))
        assert runs[0]["status"] == ("interrupted" if how == "SIGINT" else "killed")
        assert runs[1]["status"] == "finished"


def test_a_site_that_only_errors_is_a_failed_crawl(run_cli, site, tmp_path: Path) -> None:
    site.fail_status = 500
    result = crawl(run_cli, tmp_path, "-s", "RETRY_TIMES=0")
    assert result.returncode == 4  # could not do its job (README, "Exit statuses")
    assert "testsite: could not crawl: no page answered successfully (responses: 500: " in result.stderr
    assert f"failed: {site.base_url}/: HTTP 500" in result.stderr
    db = sqlite_utils.Database(tmp_path / "a.db")
    run = next(db.query("select * from crawl_runs order by id desc limit 1"))
    assert run["failed"] >= 1 and run["new"] == 0


def test_an_unreachable_site_is_one_failure_line_without_tracebacks(run_cli, tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nothing listens on: the connection is refused
        probe.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{probe.getsockname()[1]}/news/"
    result = run_cli("crawl", "--start-url", dead, "--db", "a.db", *FAST, "-s", "RETRY_TIMES=1", cwd=tmp_path)
    assert result.returncode == 4
    assert f"failed: {dead}: Connection was refused" in result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    # Scrapy's own lines for the failure we report (the page given up; robots.txt not downloaded): not repeated
    assert "Gave up retrying" not in result.stderr and "Error downloading" not in result.stderr, result.stderr


def test_scrapy_crawl_news_does_the_same(repo_root: Path, site, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    command = [sys.executable, "-m", "scrapy", "crawl", "news", "-a", "source=testsite",
               "-a", f"sources={tmp_path / 'sources.toml'}", "-s", f"ARCHIVE_DB={tmp_path / 'a.db'}",
               "-s", "LOG_LEVEL=WARNING", *FAST]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(repo_root)}
    result = subprocess.run(command, cwd=repo_root, env=env, capture_output=True, text=True, timeout=180)
    assert result.returncode == 0, result.stderr
    db = sqlite_utils.Database(tmp_path / "a.db")
    assert db["articles"].count == len(site.articles) + 1
    assert next(db.query("select source, kind from crawl_runs"))["source"] == "testsite"


def test_a_site_without_a_definition_is_crawled_within_its_host(run_cli, site, tmp_path: Path) -> None:
    result = run_cli(
        "crawl", "--start-url", f"{site.base_url}/news/list_1.html", "--allow", r"/news/list_\d+\.html$",
        "--article", ARTICLE_PATTERN, "--db", "b.db", *FAST, cwd=tmp_path,
    )  # fmt: skip
    db = sqlite_utils.Database(tmp_path / "b.db")
    urls = {row["url"].removeprefix(site.base_url) for row in db["articles"].rows}
    news = {a.path for a in site.articles if a.channel == "news"} - {site.articles[-1].path}
    assert news <= urls, result.stderr
    assert next(db.query("select source from crawl_runs"))["source"] == "127-0-0-1"
