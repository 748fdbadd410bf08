"""End to end in a real headless browser: serve an archive with the project's serve arguments, type 青岛 into
the articles search box, see the expected article, open it, read its body; no page content ever runs.

Needs Debian's ``chromium`` and the ``playwright`` Python package (its browser downloads are never used:
the system Chromium is launched by path). Skips with the reason when either is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlite_utils

from publish import datasette_serve_args
from tests.support.publish_fixtures import ARTICLES, build_archive

CHROMIUM = os.environ.get("NEWSARCHIVE_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
SCREENSHOTS = os.environ.get("NEWSARCHIVE_SCREENSHOTS")  # a folder to save screenshots in, when set


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install -y chromium (or set NEWSARCHIVE_CHROMIUM)")
    pytest.importorskip(
        "playwright.sync_api", reason="the playwright package is not installed: pip install playwright"
    )
    db_path = tmp_path_factory.mktemp("e2e") / "archive.db"
    build_archive(db_path)
    # A source with its `sources` row, as sources.toml gives it: articles.source references sources(key), so
    # Datasette hands the list each row's source as {"value": key, "label": name}.
    sources = sqlite_utils.Database(db_path)
    sources.table("sources").upsert({"key": "qingdao-news", "name": "青岛新闻网", "kind": "site"}, pk="key")
    sources.close()
    port = free_port()
    # The project's own serve arguments; a later --port wins, as it does for `newsarchive serve --port`.
    argv = [sys.executable, "-m", "datasette", *datasette_serve_args(str(db_path)), "--port", str(port)]
    log_path = db_path.with_suffix(".log")
    log = log_path.open("w")
    process = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{base}/-/versions.json", timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"datasette did not start: {log_path.read_text()[-2000:]}")
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()


def test_search_box_finds_the_article_and_opens_it(server: str, tmp_path: Path) -> None:
    from playwright.sync_api import Dialog, expect, sync_playwright

    title = ARTICLES["shinan"]["fields"]["title"]
    paragraphs = ARTICLES["shinan"]["fields"]["text"].split("\n")
    dialogs: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()

            # Any alert() means markup from an article ran: the XSS fixture is in these results.
            def on_dialog(dialog: Dialog) -> None:
                dialogs.append(dialog.message)
                dialog.dismiss()

            page.on("dialog", on_dialog)
            page.goto(f"{server}/archive/articles")
            page.fill("input[name=_search]", "青岛")
            page.press("input[name=_search]", "Enter")
            page.wait_for_url("**_search=*")
            results = page.locator(".archive-list h3 a")
            # The row as a reader sees it: the source's name (not a dict), its link filtering by its key.
            row = page.locator(".archive-list .item").filter(has_text=title)
            meta = row.locator(".meta").inner_text()
            assert "青岛新闻网" in meta and "{" not in meta and "qingdao-news" not in meta, meta
            assert row.locator("a.source").get_attribute("href") == "/archive/articles?source=qingdao-news"
            # The search words are highlighted in the title and the passage under it.
            expect(row.locator("h3 mark").first).to_have_text("青岛")
            expect(row.locator(".summary mark").first).to_have_text("青岛")
            # No CREATE TABLE under the reader's list, and no heading of an empty facet.
            assert "CREATE TABLE" not in page.locator("body").inner_text()
            expect(results.filter(has_text=title)).to_have_count(1)
            expect(results.filter(has_text="崂山景区国庆接待游客创新高")).to_have_count(0)
            expect(page.locator(".archive-list")).to_contain_text('<script>alert("xss")</script>')
            if SCREENSHOTS:
                page.screenshot(path=str(Path(SCREENSHOTS) / "search.png"), full_page=True)
            results.filter(has_text=title).click()
            page.wait_for_url("**/archive/articles/*")
            expect(page.locator("h1")).to_have_text(title)
            body = page.locator(".archive-article .body p")
            expect(body).to_have_count(len(paragraphs))
            expect(body.first).to_have_text(paragraphs[0])
            expect(page.locator(".byline")).to_contain_text("闫可凯")
            expect(page.locator(".archive-article .meta a").first).to_have_text("青岛新闻网")
            if SCREENSHOTS:
                page.screenshot(path=str(Path(SCREENSHOTS) / "article.png"), full_page=True)
            # The source link finds the source's articles.
            page.goto(f"{server}/archive/articles?source=qingdao-news")
            expect(page.locator(".archive-list .item")).to_have_count(1)
            # dzwww's articles have no region: no "region 0" facet heading, the others stay.
            page.goto(f"{server}/archive/articles?source=dzwww")
            expect(page.locator(".facet-info[data-column=section]")).to_have_count(1)
            expect(page.locator(".facet-info[data-column=region]")).to_have_count(0)
            # The database page says what every table and view is for.
            page.goto(f"{server}/archive")
            contents = page.locator(".archive-contents li")
            expect(contents.filter(has_text="source_health: ")).to_have_count(1)
            expect(contents.filter(has_text="crawl_runs: ")).to_contain_text("One row per crawl")
            # The hostile article: its markup is shown as text and nothing runs.
            page.goto(f"{server}/archive/articles?source=evil-site")
            page.locator(".archive-list h3 a").first.click()
            expect(page.locator(".archive-article .body")).to_contain_text("javascript:alert(3)")
            expect(page.locator(".archive-article .body img")).to_have_count(0)
            expect(page.locator(".archive-article .body a")).to_have_count(0)
        finally:
            browser.close()
    assert dialogs == []
