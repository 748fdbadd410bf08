"""The extraction benchmark's title-suffix figure: what counts as a site suffix."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

extraction = pytest.importorskip("extraction")


@pytest.mark.parametrize(
    ("title", "h1", "flagged"),
    [
        ("青岛地铁6号线开通_青岛频道", None, True),
        ("青岛地铁6号线开通_青岛频道", "青岛地铁6号线开通", True),
        ("青岛地铁6号线开通", None, False),
        ("两万字长文 | 月亮的100个故事 (多图)", "两万字长文 | 月亮的100个故事 (多图)", False),
        ("泡泡详情 | 泡泡", None, True),
    ],
)
def test_suffix_unless_the_title_is_the_visible_headline(title: str, h1: str | None, flagged: bool) -> None:
    assert extraction.keeps_suffix(title, h1) is flagged


def test_visible_headline_reads_the_first_h1() -> None:
    page = "<html><body><h1> </h1><h1>两万字长文 | 月亮的100个故事</h1><p>正文</p></body></html>"
    assert extraction.visible_headline(page.encode()) == "两万字长文 | 月亮的100个故事"


def _row(label: dict[str, Any], truth: dict[str, Any] | None = None) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": "p1",
        "lang": "zh",
        "url": None,
        "title": None,
        "date": None,
        "author": None,
    }
    row.update(truth or {})
    extraction.merge_label(row, {"dataset": "d", "id": "p1", **label})
    return row


def test_old_labels_leave_a_missing_date_unlabelled() -> None:
    row = _row({"date": None, "author": "李楠", "note": ""})
    assert row["author"] == "李楠" and "shows_date" not in row and "labelled" not in row


def test_new_labels_say_what_the_page_does_not_show() -> None:
    row = _row(
        {
            "site": "example.cn",
            "kind": "news",
            "title": "标题",
            "date": None,
            "date_text": None,
            "authors": [],
            "editor": "陈浩",
            "outlet": "新华网",
            "note": "",
        }
    )
    assert row["labelled"] and row["shows_date"] is False and row["shows_authors"] is False
    assert (row["editor"], row["outlet"], row["kind"], row["title"], row["site"]) == (
        "陈浩",
        "新华网",
        "news",
        "标题",
        "example.cn",
    )
    # The dataset's own labels win over the extra file's.
    kept = _row(
        {"date": "2011-12-09", "authors": ["罗沙"], "title": "别的"},
        {"title": "原标题", "date": "2011-12-08"},
    )
    assert kept["title"] == "原标题" and kept["date"] == "2011-12-08" and kept["author"] == ["罗沙"]


def test_invented_values_are_counted() -> None:
    undated = _row({"date": None, "authors": [], "editor": "陈浩", "outlet": "新华网"})
    undated["id"] = "a"
    year_only = _row({"date": "2004", "authors": ["罗沙"], "editor": None, "outlet": None})
    year_only["id"] = "b"
    undated["out"] = {
        "x": extraction.Output(date="2011-12-09", authors=["某人"], editor="陈浩", outlet="新华网")
    }
    year_only["out"] = {"x": extraction.Output(date="2004-01-01", authors=["罗沙"], not_on_page=["罗沙"])}
    s = extraction.field_scores([undated, year_only], "x")
    assert s["invented_dates"] == 2 and s["undated_n"] == 2
    assert s["authors_beyond_label"] == 1 and s["invented_authors"] == 1
    assert s["editor"] == 1.0 and s["outlet"] == 1.0
    undated["out"]["x"] = extraction.Output()
    year_only["out"]["x"] = extraction.Output(date="2004")
    assert extraction.field_scores([undated, year_only], "x")["invented_dates"] == 0


def test_a_name_not_on_the_page_is_found() -> None:
    page = (
        "<html><head><meta charset='utf-8'></head><body><p>记者 周 纯 &amp; 李楠</p></body></html>".encode()
    )
    assert extraction.names_not_on_page(["周纯", "李楠", "从崂山"], page) == ["从崂山"]
