"""The extraction benchmark's title-suffix figure: what counts as a site suffix."""

from __future__ import annotations

import sys
from pathlib import Path

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
