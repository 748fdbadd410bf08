"""The project's seed documents, turned into HTML the way the seed reader does it."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from pipelines.extract import extract_page

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SEED = SHARED / "seeds" / "000_3badf844ec5c2e97.txt"
ICON = "http://p2.ifengimg.com/a/2016/0810/204c433878d5cf9size1_w16_h16.png"


def seed_html(document: str, published: str = "2019-02-24T22:16:00+08:00") -> bytes:
    """Front matter + body → the HTML shape the seed reader hands to extract_page."""
    _, front, body = document.split("---", 2)
    meta: dict[str, str] = {}
    for line in front.strip().splitlines():
        key, _, value = line.partition(":")
        meta[key.strip()] = value.strip()
    summary, _, rest = body.partition("<!-- more -->")
    title = html.escape(meta["title"])
    head = [
        "<!DOCTYPE html>",
        '<html lang="zh-CN"><head><meta charset="utf-8">',
        f"<title>{title}</title>",
        f'<meta name="description" content="{html.escape(summary.strip())}">',
        f'<meta property="article:published_time" content="{published}">',
    ]
    if meta.get("tags"):
        head.append(f'<meta name="keywords" content="{html.escape(meta["tags"])}">')
    if meta.get("categories"):
        head.append(f'<meta property="article:section" content="{html.escape(meta["categories"])}">')
    paragraphs = [f"<p>{line.strip()}</p>" for line in rest.splitlines() if line.strip()]
    page = [*head, "</head><body><article>", f"<h1>{title}</h1>", *paragraphs, "</article></body></html>"]
    return "\n".join(page).encode("utf-8")


MINI_SEED = f"""---
title: 海滨区两项工程同时开工 新城建设提速_海滨频道
author: someone
date: 2021-03-05- 09:40
tags:
categories:
---
海滨区两项重点工程同日开工，新城建设按下快进键。
<!-- more -->

<img align="center" border="0" src="{ICON}" />

海滨区两项重点工程同日开工，新城建设按下快进键。
原标题：两项重点工程同日开工
海滨区：
新城道路全面开工
当天上午，海滨区新城主干道和配套学校两个项目同时开工，总投资约二十亿元。(记者 周明 通讯员 吴涛 林夕)
山前区：
老厂房变身创意园
山前区把闲置多年的老厂房改造成文化创意园，首批入驻企业三十余家，带动就业近千人。(记者 郑和平 通讯员 钱多)
[责任编辑：孙小梅]
标签：
"""


def check_seed_shape(article, *, title: str, section: str, first: str) -> None:  # type: ignore[no-untyped-def]
    assert article.title == title
    assert article.section == section
    assert article.text.startswith(first)
    assert article.text.count(first) == 1
    for leftover in ("责任编辑", "原标题", "标签", "ifengimg", "http", "记者 ", "通讯员"):
        assert leftover not in article.text
    assert article.images == [ICON]
    assert article.image is None  # a 16×16 icon is no lead image


def test_own_seed_fixture() -> None:
    article = extract_page(seed_html(MINI_SEED, "2021-03-05T09:40:00+08:00"))
    assert article is not None
    check_seed_shape(
        article,
        title="海滨区两项工程同时开工 新城建设提速",
        section="海滨频道",
        first="海滨区两项重点工程同日开工",
    )
    assert article.published == "2021-03-05T09:40:00+08:00"
    assert (
        "海滨区：" in article.text
        and "新城道路全面开工" in article.text
        and "老厂房变身创意园" in article.text
    )
    assert article.authors == ["周明", "郑和平"]
    assert {"name": "吴涛", "role": "correspondent"} in article.contributors
    assert {"name": "钱多", "role": "correspondent"} in article.contributors
    assert article.editor == "孙小梅"
    assert article.original_title == "两项重点工程同日开工"
    assert article.summary == "海滨区两项重点工程同日开工，新城建设按下快进键。"


@pytest.mark.skipif(not SEED.exists(), reason="shared seed documents not available")
def test_real_seed() -> None:
    article = extract_page(seed_html(SEED.read_text(encoding="utf-8")))
    assert article is not None
    check_seed_shape(
        article,
        title="向招商、棚改发起猛烈攻势青岛这两个区有大动作",
        section="青岛频道",
        first="市南区破除“双招双引”最大堵点",
    )
    assert article.published == "2019-02-24T22:16:00+08:00"
    assert "闫可凯" in article.text and "十大攻势" in article.text
    assert "市南区：" in article.text and "破除“双招双引”最大堵点\n" in article.text
    assert {"王萌", "余瑞新"} <= set(article.authors)
    assert {"name": "朱青秦", "role": "correspondent"} in article.contributors
    assert article.editor == "王赵童"
    assert article.original_title == "向招商、棚改发起猛烈攻势青岛市南、市北有大动作"
