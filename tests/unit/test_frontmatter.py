"""Front-matter documents: fields, the summary marker, and clear errors for broken documents."""

from __future__ import annotations

import pytest

from pipelines.documents.frontmatter import parse_front_matter
from pipelines.errors import DocumentError

DOC = """---
title: 崂山风景区试行分时预约_青岛频道
author: wetech
date: 2023-04-05- 09:30
tags: [崂山, 旅游]
categories: 文旅
---
崂山风景区自即日起试行分时预约。
<!-- more -->
<img src="http://img.example.com/icon_w16_h16.png" />
崂山风景区自即日起试行分时预约。
游客可通过官方平台预约入园时段 & 线路。
"""


def test_fields_are_read_and_the_date_gets_china_time() -> None:
    doc = parse_front_matter(DOC, "a.txt")
    assert doc.title == "崂山风景区试行分时预约_青岛频道"
    assert doc.published == "2023-04-05T09:30:00+08:00"
    assert doc.archived_by == "wetech"
    assert doc.tags == ["崂山", "旅游"]
    assert doc.categories == ["文旅"]
    assert doc.summary == "崂山风景区自即日起试行分时预约。"
    assert doc.language == "zh"


def test_summary_repeated_in_the_body_is_stated_once() -> None:
    html = parse_front_matter(DOC, "a.txt").to_html().decode("utf-8")
    body = html.split("<article>", 1)[1]
    assert body.count("崂山风景区自即日起试行分时预约。") == 1
    assert "<img src=" in body  # raw HTML lines stay HTML
    assert "预约入园时段 &amp; 线路" in body  # text lines are escaped


def test_summary_not_in_the_body_is_part_of_it() -> None:
    doc = parse_front_matter(DOC.replace("崂山风景区自即日起试行分时预约。\n游客", "游客"), "a.txt")
    assert doc.body_lines()[0] == "崂山风景区自即日起试行分时预约。"


def test_timezone_in_front_matter_wins() -> None:
    doc = parse_front_matter(DOC.replace("categories: 文旅", "timezone: Europe/Berlin"), "a.txt")
    assert doc.published == "2023-04-05T09:30:00+02:00"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("---\ntitle: x\n", "no closing '---'"),
        ("---\ntitle: [unclosed\n---\nbody\n", "broken front matter at line"),
        ("---\n- a\n- b\n---\nbody\n", "expected 'key: value'"),
        ("---\nauthor: me\n---\nbody\n", "no title"),
        ("---\ntitle: x\ndate: 去年某天\n---\nbody\n", "unparseable date '去年某天'"),
        ("---\ntitle: x\n---\n\n", "no body"),
        ("just text\n", "must start with a '---' line"),
        ("---\ntitle: x\ntags: 5\n---\nbody\n", "'tags' must be a list"),
        ("---\ntitle: [a, b]\n---\nbody\n", "title is a list, not text"),
        # A relative date depends on the day the document is read: refused, never resolved against the clock.
        ("---\ntitle: x\ndate: 昨天下午\n---\nbody\n", "relative date '昨天下午'"),
        ("---\ntitle: x\ndate: 3小时前\n---\nbody\n", "relative date '3小时前'"),
        ("---\ntitle: x\ndate: 5月20日 10:30\n---\nbody\n", "relative date '5月20日 10:30'"),
        ("---\ntitle: x\ndate: yesterday\n---\nbody\n", "relative date 'yesterday'"),
    ],
)
def test_broken_documents_get_one_clear_reason(text: str, reason: str) -> None:
    with pytest.raises(DocumentError) as caught:
        parse_front_matter(text, "seeds/bad.txt")
    assert caught.value.input == "seeds/bad.txt"
    assert reason in caught.value.reason
    assert str(caught.value).startswith("seeds/bad.txt: ")


def test_windows_line_ends_read_as_the_same_document() -> None:
    windows = parse_front_matter(DOC.replace("\n", "\r\n"), "a.txt")
    assert windows == parse_front_matter(DOC, "a.txt")
