"""Datasette keeps serving while a crawl writes: WAL readers never wait for the writer, so a long write
transaction, frequent commits and checkpoints never make a page fail with "database is locked"."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import sqlite_utils

from pipelines.archive.store import save_article
from pipelines.documents.records import build_record
from publish import make_datasette
from tests.support.publish_fixtures import build_archive

HOLD_SECONDS = 5.5  # longer than the 5 s sqlite3 busy timeout of Datasette's connections


def crawl(path: Path, started: threading.Event, done: threading.Event) -> None:
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA busy_timeout = 30000")
    try:
        # One long transaction (a slow batch), then many short ones with checkpoints, as a crawl does.
        db.conn.execute("BEGIN EXCLUSIVE")
        begun = time.monotonic()
        started.set()
        for n in range(50):
            db.conn.execute(
                "insert into crawl_errors (run_id, input, stage, reason, at) values (1, ?, 'fetch', 'x', '2024')",
                [f"https://x.example/{n}"],
            )
        time.sleep(max(0.0, HOLD_SECONDS - (time.monotonic() - begun)))
        db.conn.execute("COMMIT")
        for n in range(30):
            record = build_record(
                {"title": f"青岛新闻 {n}", "text": f"青岛 第{n}条 新闻正文"},
                url=f"https://news.example.cn/{n}.html",
                fetched_at="2024-05-01T00:00:00+00:00",
                source="wal-test",
            )
            save_article(db, record)
            if n % 10 == 0:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        db.conn.close()
        done.set()


async def test_pages_never_fail_while_a_crawl_writes(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    build_archive(path)
    assert sqlite3.connect(path).execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    ds = make_datasette(str(path))
    await ds.invoke_startup()
    started, done = threading.Event(), threading.Event()
    writer = threading.Thread(target=crawl, args=(path, started, done), daemon=True)
    writer.start()
    assert started.wait(10)
    pages = [
        "/archive/articles",
        "/archive/articles.json?_search=青岛",
        "/archive/search?q=青岛",
        "/",
        "/archive/crawl_errors.json",
        "/-/crawl-health",
    ]
    served = 0
    while not done.is_set():
        for page in pages:
            begun = time.monotonic()
            response = await ds.client.get(page)
            assert response.status_code == 200, (page, response.text[:300])
            assert time.monotonic() - begun < 2.0, f"{page} waited for the writer"
            served += 1
        await asyncio.sleep(0.05)
    writer.join(10)
    assert served > 30
    found = (await ds.client.get("/archive/articles.json?_search=第29条&_shape=array")).json()
    assert [row["title"] for row in found] == ["青岛新闻 29"]  # what the crawl wrote is served
