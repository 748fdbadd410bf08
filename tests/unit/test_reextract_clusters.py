"""Re-extraction goes through the same saving path as a crawl: an article whose text changes is re-indexed
and re-clustered, so it leaves a story it no longer belongs to and joins the one it now matches."""

from __future__ import annotations

import json
from pathlib import Path

import sqlite_utils

from pipelines.archive.schema import SEARCH_IDS_SQL, open_archive
from pipelines.archive.store import save_capture
from pipelines.saving import ArticleSaver
from pipelines.warc.records import warc_date
from pipelines.warc.reextract import reextract
from pipelines.warc.writer import WarcWriter

HARBOUR = [
    "青岛港今天宣布，前港区新建的自动化集装箱码头正式投入运营，设计年吞吐能力达到三百万标准箱。",
    "码头采用自主研发的智能调度系统，岸桥、轨道吊和自动导引车全部实现远程操控，作业效率提高三成。",
    "港口负责人介绍，新码头投运后将进一步巩固青岛港在东北亚航运枢纽中的地位，带动周边物流产业发展。",
    "据了解，今年前十个月青岛港货物吞吐量同比增长百分之六点八，集装箱航线总数超过二百二十条。",
]
FESTIVAL = [
    "第三十四届青岛国际啤酒节昨晚在西海岸新区金沙滩啤酒城开幕，来自二十多个国家的啤酒品牌参展。",
    "本届啤酒节为期二十四天，设置主题演出、美食街区和啤酒文化展等多个板块，预计接待游客超过六百万人次。",
    "主办方表示，今年首次引入夜间灯光秀和无人机表演，并增加公共交通班次，方便市民和游客往返。",
    "啤酒节期间，周边酒店入住率明显上升，餐饮和零售消费也迎来高峰，为城市旅游经济注入新的活力。",
]


def page(title: str, paragraphs: list[str]) -> bytes:
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    return (
        f'<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title></head>'
        f"<body><div class='article'><h1>{title}</h1>{body}</div></body></html>"
    ).encode()


def capture(db: sqlite_utils.Database, writer: WarcWriter, url: str, body: bytes) -> int:
    """A seed-file capture in the WARC archive, as the seed reader writes one."""
    fetched_at = "2024-03-01T10:00:00+08:00"
    location = writer.write([writer.records.resource(url, warc_date(), "text/html", body)])
    document = {"name": url, "url": url, "fetched_at": fetched_at, "source": "example", "kind": "html"}
    return save_capture(
        db,
        {
            "url": url,
            "fetched_at": fetched_at,
            "digest": "",
            "length": len(body),
            "warc_file": location.file,
            "warc_offset": location.offset,
            "warc_length": location.length,
            "warc_group_length": location.group_length,
            "warc_type": "resource",
            "document": json.dumps(document, ensure_ascii=False),
        },
    )


def cluster_of(db: sqlite_utils.Database, article_id: int) -> int:
    return int(db.execute("select cluster_id from articles where id = ?", [article_id]).fetchone()[0])


def sizes(db: sqlite_utils.Database) -> dict[int, int]:
    return dict(db.execute("select id, size from story_clusters").fetchall())


def test_a_reextracted_text_moves_the_article_to_its_story(tmp_path: Path, make_record) -> None:
    db = open_archive(str(tmp_path / "a.db"))
    folder = tmp_path / "warc"
    writer = WarcWriter(folder, fsync=False)
    saver = ArticleSaver(db)
    saver.open()
    harbour = saver.save(make_record("\n".join(HARBOUR), url="https://a.example.cn/port.html")).article_id
    festival = saver.save(make_record("\n".join(FESTIVAL), url="https://b.example.cn/beer.html")).article_id
    # A page about the festival that an older extractor read wrongly: it stored a copy of the harbour
    # story (say, a "related news" box), so the article went into the harbour story's cluster.
    url = "https://c.example.cn/beer-repost.html"
    capture_id = capture(db, writer, url, page("啤酒节开幕", [*FESTIVAL, "（完）"]))
    wrong = make_record("\n".join(HARBOUR) + "\n相关新闻", url=url)
    moved = saver.save(wrong, capture_id=capture_id).article_id
    saver.close()
    writer.close()
    assert cluster_of(db, moved) == harbour != cluster_of(db, festival)
    assert sizes(db)[harbour] == 2

    summary = reextract(db, folder, workers=0)

    assert [change.article_id for change in summary.changed] == [moved]
    assert "text" in summary.changed[0].fields and not summary.failed
    assert cluster_of(db, moved) == cluster_of(db, festival) == festival
    assert cluster_of(db, harbour) == harbour
    assert sizes(db) == {harbour: 1, festival: 2}
    # The search index follows the new text as well.
    found = db.execute(SEARCH_IDS_SQL, ['"啤酒"']).fetchall()
    assert {row[0] for row in found} == {festival, moved}


def test_the_article_that_started_a_story_can_leave_it(tmp_path: Path, make_record) -> None:
    """A cluster is named after its first article; when that one leaves, the others keep their story."""
    db = open_archive(str(tmp_path / "a.db"))
    folder = tmp_path / "warc"
    writer = WarcWriter(folder, fsync=False)
    saver = ArticleSaver(db)
    saver.open()
    url = "https://c.example.cn/beer.html"
    capture_id = capture(db, writer, url, page("啤酒节开幕", FESTIVAL))
    first = saver.save(make_record("\n".join(HARBOUR), url=url), capture_id=capture_id).article_id
    copy = saver.save(make_record("\n".join(HARBOUR) + "\n（完）", url="https://a.example.cn/p.html"))
    saver.close()
    writer.close()
    assert cluster_of(db, copy.article_id) == first

    reextract(db, folder, workers=0)

    assert cluster_of(db, first) == first  # a story of its own now, under its own id
    assert cluster_of(db, copy.article_id) == copy.article_id  # the harbour story, renamed after its member
    assert sizes(db) == {first: 1, copy.article_id: 1}
