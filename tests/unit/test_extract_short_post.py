"""A short post or notice: the page's menus and counters are not taken in place of the precise body.
The rule itself (pipelines.extract.body.chrome_only): tests/unit/test_extract_body.py."""

from __future__ import annotations

from pathlib import Path

from pipelines.extract import extract_page

PAGES = Path(__file__).resolve().parents[1] / "support" / "fixtures" / "pages"


def test_short_post_is_not_replaced_by_the_page_chrome() -> None:
    article = extract_page((PAGES / "zh_short_post.html").read_bytes(), "https://bbs.example.cn/t/9")
    assert article is not None
    assert "整理了一份车位租赁合同的模板" in article.text
    for chrome in ("导航页", "求职招聘", "倒序看帖", "暂无数据", "小区门禁卡补办流程"):
        assert chrome not in article.text
