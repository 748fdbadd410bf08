"""A page the article pattern matches that is not an article (the local site's photo gallery), crawled again
and again: remembered in skipped_pages, not fetched before recheck_after, then fetched conditionally (a 304
keeps it skipped), stored as an article once it is one; counted by `status` and the source_health view."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from tests.support.local_site import (
    NOT_ARTICLE,
    LocalNewsSite,
    Page,
    make_articles,
    render_article_a,
    serve_site,
    sources_toml,
)

FAST = [
    "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=8",
    "-s", "DOWNLOAD_MAXSIZE=1000000", "-s", "ARCHIVE_RETRY_BACKOFF_BASE=0.05", "-s", "DOWNLOAD_TIMEOUT=5",
    "--workers", "1",
]  # fmt: skip


@pytest.fixture
def site(tmp_path: Path) -> Iterator[LocalNewsSite]:
    local = LocalNewsSite(article_count=6, slow_seconds=0.0)
    with serve_site(local) as base_url:
        (tmp_path / "sources.toml").write_text(sources_toml(base_url), encoding="utf-8")
        yield local


def crawl(run_cli, tmp_path: Path, *extra: str):
    result = run_cli(
        "crawl", "testsite", "--sources", "sources.toml", "--db", "a.db", *FAST, *extra, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    return result


def skipped(tmp_path: Path) -> list[dict]:
    return list(sqlite_utils.Database(tmp_path / "a.db").query("select * from skipped_pages"))


def gallery_requests(site: LocalNewsSite) -> list[dict[str, str]]:
    return [headers for path, headers in site.requests if path == NOT_ARTICLE]


def test_a_page_that_is_not_an_article_is_remembered_skipped_and_rechecked(
    run_cli, site: LocalNewsSite, tmp_path: Path
) -> None:
    crawl(run_cli, tmp_path)
    (page,) = skipped(tmp_path)
    assert page["url"] == site.base_url + NOT_ARTICLE and page["source"] == "testsite"
    assert page["reason"] == "not an article: no body text found"
    assert (page["etag"], page["times_seen"], page["status"]) == ('"gallery-1"', 1, 200)
    assert page["capture_id"] is not None  # its raw response is in the WARC archive

    # The next crawl, before recheck_after: the gallery is not fetched again (nor any known article).
    site.clear_log()
    crawl(run_cli, tmp_path, "-s", "ARCHIVE_RECHECK_AFTER=1h")
    assert gallery_requests(site) == []
    assert "/news/list_1.html" in site.requested_paths()  # the list page linking to it was read
    (page,) = skipped(tmp_path)
    assert page["times_seen"] == 1
    db = sqlite_utils.Database(tmp_path / "a.db")
    stats = json.loads(next(db.query("select stats from crawl_runs order by id desc limit 1"))["stats"])
    assert stats["archive/skipped_pages/not_fetched"] == 1

    # Counted per source: the source_health view and `newsarchive status` (JSON and plain text).
    (health,) = db.query("select skipped_pages from source_health where source = 'testsite'")
    assert health["skipped_pages"] == 1
    status = run_cli("status", "--db", "a.db", "--json", cwd=tmp_path)
    rows = {row["source"]: row for row in json.loads(status.stdout)}
    assert rows["testsite"]["skipped_pages"] == 1
    plain = run_cli("status", "--db", "a.db", cwd=tmp_path).stdout.splitlines()
    assert "skipped" in plain[0].split()

    # Due: fetched with a conditional GET; the 304 keeps it skipped.
    site.clear_log()
    crawl(run_cli, tmp_path, "-s", "ARCHIVE_RECHECK_AFTER=0s")
    (conditional,) = gallery_requests(site)
    assert conditional["if-none-match"] == '"gallery-1"'
    assert conditional["if-modified-since"] == "Wed, 03 Jan 2024 08:00:00 GMT"
    (page,) = skipped(tmp_path)
    assert page["times_seen"] == 2

    # The page became an article: stored as any other, and it leaves the table.
    story = make_articles(1, seed=9003)[0]
    story.title = "图集改版为图文报道 崂山秋色迎来赏景高峰"
    site.pages[NOT_ARTICLE] = Page(
        200,
        render_article_a(story, []).encode("utf-8"),
        {"Content-Type": "text/html; charset=utf-8", "ETag": '"gallery-2"'},
    )
    crawl(run_cli, tmp_path, "-s", "ARCHIVE_RECHECK_AFTER=0s")
    assert skipped(tmp_path) == []
    db = sqlite_utils.Database(tmp_path / "a.db")
    (article,) = db.query("select title from articles where url = ?", [site.base_url + NOT_ARTICLE])
    assert article["title"] == "图集改版为图文报道 崂山秋色迎来赏景高峰"
    (health,) = db.query("select skipped_pages from source_health where source = 'testsite'")
    assert health["skipped_pages"] == 0
