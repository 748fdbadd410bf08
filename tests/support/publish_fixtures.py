"""A small archive for the publishing tests: Chinese and English articles, one laden with XSS, a story
cluster, a capture, crawl runs and an error. Import the fixtures into a test module to use them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from pipelines.archive.runs import finish_run, save_error, start_run
from pipelines.archive.schema import ensure_db_shape
from pipelines.archive.store import save_article, save_capture
from pipelines.documents.records import build_record

XSS_SCRIPT = '<script>alert("xss")</script>'
XSS_IMG = "<img src=x onerror=alert(1)>"
XSS_LINK = '<a href="javascript:alert(2)">点我</a>'

ARTICLES: dict[str, dict[str, Any]] = {
    "shinan": {
        "url": "https://qingdao.example.cn/news/2024/0315/shinan.html",
        "source": "qingdao-news",
        "fields": {
            "title": "青岛市南区加快棚户区改造",
            "authors": ["闫可凯"],
            "contributors": [{"name": "王芳", "role": "摄影"}],
            "editor": "李明",
            "section": "社会",
            "published": "2024-03-15T09:30:00+08:00",
            "language": "zh",
            "summary": "市南区今年将完成三个棚户区改造项目。",
            "tags": ["棚户区改造", "市南区"],
            "text": "本报讯（记者 闫可凯）青岛市市南区今年将加快推进棚户区改造工作。\n"
            "据介绍，今年计划完成三个片区的改造，涉及居民两千余户。\n"
            "市南区住建局表示，改造后的社区将增加绿地和停车位。",
        },
    },
    "shinan_repost": {
        "url": "https://dzwww.example.cn/sd/2024/0316/repost.html",
        "source": "dzwww",
        "fields": {
            "title": "市南区棚户区改造提速",
            "authors": [],
            "section": "山东",
            "published": "2024-03-16T08:00:00+08:00",
            "language": "zh",
            "source_outlet": "青岛日报",
            "text": "青岛市南区棚户区改造提速，三个片区今年完工。\n转载自青岛日报。",
        },
    },
    "laoshan": {
        "url": "https://dzwww.example.cn/travel/2023/1001/laoshan.html",
        "source": "dzwww",
        "fields": {
            "title": "崂山景区国庆接待游客创新高",
            "authors": ["张伟"],
            "section": "旅游",
            "published": "2023-10-01T18:00:00+08:00",
            "language": "zh",
            "text": "国庆假期，崂山风景区共接待游客三十万人次。\n景区提醒游客错峰出行。\n"
            + "，".join(f"第{n}天景区游客量持续增长" for n in range(1, 26))
            + "。",
        },
    },
    "port": {
        "url": "https://english.example.com/business/qingdao-port.html",
        "source": "english-news",
        "fields": {
            "title": "Qingdao port container throughput hits record",
            "authors": ["Jane Smith"],
            "section": "Business",
            "published": "2024-01-20T10:00:00+00:00",
            "language": "en",
            "summary": "The port handled more containers than ever.",
            "text": "The Port of Qingdao handled a record number of containers last year.\n"
            "Officials credited new automated terminals.",
        },
    },
    "xss": {
        "url": "https://evil.example.net/2024/xss.html",
        "source": "evil-site",
        "fields": {
            "title": f"{XSS_SCRIPT} 青岛 标题 {XSS_IMG}",
            "authors": [XSS_SCRIPT],
            "section": XSS_IMG,
            "published": "2024-02-02T12:00:00+08:00",
            "language": "zh",
            "summary": f"摘要 {XSS_IMG}",
            "tags": [XSS_SCRIPT],
            "text": f"第一段 青岛 {XSS_SCRIPT}\n第二段 {XSS_IMG} 青岛\n第三段 {XSS_LINK} javascript:alert(3)",
        },
    },
}
# Words each search must find (article keys), and one that must find nothing.
SEARCHES: dict[str, set[str]] = {
    "青岛": {"shinan", "shinan_repost", "xss"},  # "port" says Qingdao, in English only
    "市南区": {"shinan", "shinan_repost"},
    "闫可凯": {"shinan"},
    "棚户区改造": {"shinan", "shinan_repost"},
    "崂山": {"laoshan"},
    "container": {"port"},
    '"市南区 棚户区"': {"shinan_repost"},  # a phrase: the words next to each other
    '"port of qingdao"': {"port"},
    "qingdao 青岛": set(),  # every word must match
    "香蕉": set(),
    "xylophone": set(),
}


def build_archive(path: Path) -> dict[str, int]:
    """Create the fixture archive at ``path``; returns article ids by fixture key."""
    db = sqlite_utils.Database(path)
    ensure_db_shape(db)
    run_id = start_run(db, kind="crawl", spider="news", source="qingdao-news", args={"start": "fixture"})
    ids: dict[str, int] = {}
    for key, article in ARTICLES.items():
        capture_id = None
        if key == "shinan":
            capture_id = save_capture(
                db,
                {
                    "run_id": run_id,
                    "url": article["url"],
                    "fetched_at": "2024-03-15T10:00:00+00:00",
                    "status": 200,
                    "content_type": "text/html; charset=utf-8",
                    "digest": "sha256:" + "ab" * 32,
                    "length": 12345,
                    "warc_file": "archive/2024/03/15/qingdao-news.warc.gz",
                    "warc_offset": 0,
                    "warc_length": 4567,
                },
            )
        # What extraction stores beside the page's wording of the date: the moment in UTC, to sort by.
        published = datetime.fromisoformat(article["fields"]["published"]).astimezone(UTC)
        record = build_record(
            {**article["fields"], "published_utc": published.strftime("%Y-%m-%dT%H:%M:%SZ")},
            url=article["url"],
            fetched_at="2024-03-15T10:00:00+00:00",
            source=article["source"],
        )
        ids[key] = save_article(db, record, run_id=run_id, capture_id=capture_id).article_id
    # The same story in two outlets (as deduplication will mark it).
    db.execute("update articles set cluster_id = 1 where id in (?, ?)", [ids["shinan"], ids["shinan_repost"]])
    db.execute("update articles set region = '青岛' where source = 'qingdao-news'")
    db.conn.commit()
    save_error(db, run_id, "https://qingdao.example.cn/broken.html", "no text extracted", "extract")
    finish_run(
        db,
        run_id,
        status="finished",
        finish_reason="finished",
        inputs=6,
        new=5,
        failed=1,
        dropped={"short": 1},
    )
    db.close()
    return ids


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    path = tmp_path_factory.mktemp("publish") / "archive.db"
    return path, build_archive(path)


@pytest.fixture
async def ds(archive: tuple[Path, dict[str, int]]) -> AsyncIterator[Any]:
    from publish import make_datasette

    datasette = make_datasette(str(archive[0]))
    await datasette.invoke_startup()
    yield datasette
    for database in datasette.databases.values():
        database.close()


@pytest.fixture
async def ds_as_x(archive: tuple[Path, dict[str, int]], tmp_path: Path) -> AsyncIterator[Any]:
    """The fixture archive copied to ``x.db`` and served: Datasette calls that database ``x``."""
    from publish import make_datasette

    other = tmp_path / "x.db"
    other.write_bytes(archive[0].read_bytes())
    datasette = make_datasette(str(other))
    yield datasette
    for database in datasette.databases.values():
        database.close()
