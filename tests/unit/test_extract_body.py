"""pipelines.extract.body: when the balanced run only adds page chrome, the precise body stays."""

from __future__ import annotations

from pipelines.extract.body import chrome_only


def test_fragments_only_count_as_chrome() -> None:
    post = "整理了一份车位租赁合同的模板，供大家参考"
    menus = "\n".join(["首页", "板块", "登录", "注册", "540", "0", post, "收藏", "分享"])
    assert chrome_only(post, menus)
    # A balanced run that adds real paragraphs found more of the page's text.
    more = f"{post}\n第二段说明：合同里的租金和押金条款可以按各自小区的情况修改。\n首页"
    assert not chrome_only(post, more)
    # Short lines with sentence punctuation are verse or replies, not menus.
    verse = "\n".join([post, "床前明月光，", "疑是地上霜。", "举头望明月，", "低头思故乡。"])
    assert not chrome_only(post, verse)


def test_chrome_run_together_with_the_post_on_one_line() -> None:
    post = "提前祝大家元旦快乐！！！！！"
    blob = f"鹿小町 发布于 2020-12-30 19:24:15 管理 {post} 交流 5 浏览 (640) 点赞 (5) 收藏"
    assert chrome_only(post, blob)
    # The same line with a sentence of its own added is more text, not chrome.
    assert not chrome_only(post, f"{blob} 元旦假期从一月一日开始，共放假三天，大家注意安排好出行。")
