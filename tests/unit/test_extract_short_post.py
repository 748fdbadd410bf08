"""A short post or notice: the page's menus and counters are not taken in place of the precise body."""

from __future__ import annotations

from pathlib import Path

from pipelines.extract import extract_article
from pipelines.extract.core import _chrome_only

PAGES = Path(__file__).resolve().parents[1] / "support" / "fixtures" / "pages"


def test_short_post_is_not_replaced_by_the_page_chrome() -> None:
    article = extract_article((PAGES / "zh_short_post.html").read_bytes(), "https://bbs.example.cn/t/9")
    assert article is not None
    assert "整理了一份车位租赁合同的模板" in article.text
    for chrome in ("导航页", "求职招聘", "倒序看帖", "暂无数据", "小区门禁卡补办流程"):
        assert chrome not in article.text


def test_fragments_only_count_as_chrome() -> None:
    post = "整理了一份车位租赁合同的模板，供大家参考"
    menus = "\n".join(["首页", "板块", "登录", "注册", "540", "0", post, "收藏", "分享"])
    assert _chrome_only(post, menus)
    # A balanced run that adds real paragraphs found more of the page's text.
    more = f"{post}\n第二段说明：合同里的租金和押金条款可以按各自小区的情况修改。\n首页"
    assert not _chrome_only(post, more)
    # Short lines with sentence punctuation are verse or replies, not menus.
    verse = "\n".join([post, "床前明月光，", "疑是地上霜。", "举头望明月，", "低头思故乡。"])
    assert not _chrome_only(post, verse)


def test_chrome_run_together_with_the_post_on_one_line() -> None:
    post = "提前祝大家元旦快乐！！！！！"
    blob = f"鹿小町 发布于 2020-12-30 19:24:15 管理 {post} 交流 5 浏览 (640) 点赞 (5) 收藏"
    assert _chrome_only(post, blob)
    # The same line with a sentence of its own added is more text, not chrome.
    assert not _chrome_only(post, f"{blob} 元旦假期从一月一日开始，共放假三天，大家注意安排好出行。")
