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
            if SCREENSHOTS:
                page.screenshot(path=str(Path(SCREENSHOTS) / "article.png"), full_page=True)
            # The hostile article: its markup is shown as text and nothing runs.
            page.goto(f"{server}/archive/articles?source=evil-site")
            page.locator(".archive-list h3 a").first.click()
            expect(page.locator(".archive-article .body")).to_contain_text("javascript:alert(3)")
            expect(page.locator(".archive-article .body img")).to_have_count(0)
            expect(page.locator(".archive-article .body a")).to_have_count(0)
        finally:
            browser.close()
    assert dialogs == []
