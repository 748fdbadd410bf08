"""Thread extraction: forum/Q&A/comment pages give all posts; news with comments keeps the story."""

from __future__ import annotations

from pathlib import Path

from pipelines.extract import ExtractedArticle, extract_page
from pipelines.extract.threads import find_thread

PAGES = Path(__file__).resolve().parents[1] / "support" / "fixtures" / "pages"


def _article(name: str) -> ExtractedArticle:
    result = extract_page((PAGES / name).read_bytes(), "https://bbs.example.cn/t/1")
    assert result is not None
    return result


def test_forum_thread_gives_every_post_in_order() -> None:
    article = _article("zh_forum_thread.html")
    text = article.text
    first, second, third = (
        text.find("道路施工结束已经两个月了"),
        text.find("打过市民热线"),
        text.find("顶一下，希望早点恢复"),
    )
    assert -1 < first < second < third
    # Poster panels, post headers, buttons, hidden tips and the footer are not posts.
    for chrome in ("积分", "发表于", "举报", "只看该作者", "新手上路", "版权所有", "举报电话"):
        assert chrome not in text
    assert article.authors == ["河畔居民"]  # the first post's author, not the software's meta
    assert article.published is not None and article.published.startswith("2024-04-05")


def test_question_page_keeps_question_and_answers() -> None:
    article = _article("zh_qa_answers.html")
    text = article.text
    assert (
        text.index("漂白粉味道")
        < text.index("管网冲洗之后")
        < text.index("国家标准")
        < text.index("过了三天")
    )
    assert "赞同" not in text and "相关问题" not in text
    assert "水务小王" not in article.authors  # an answerer is not the question's author


def test_news_with_comments_keeps_the_article() -> None:
    article = _article("zh_news_with_comments.html")
    assert "城东公交枢纽正式启用" in article.text
    assert "实现公交与轨道交通的零距离换乘" in article.text
    assert "终于等到了" not in article.text
    assert article.authors == ["周明远"]
    assert article.published == "2024-05-20T09:30:00+08:00"


def test_comment_list_is_found_but_not_used_for_news() -> None:
    tree_html = (PAGES / "zh_news_with_comments.html").read_text(encoding="utf-8")
    from lxml import html

    thread = find_thread(html.fromstring(tree_html))
    assert thread is not None and len(thread.posts) == 3  # detected as a thread ...
    assert thread.author == "城东老李"  # ... whose posts are the comments, yet the story wins


def test_teaser_list_with_dates_is_no_thread() -> None:
    from lxml import html

    items = "".join(
        f'<li class="item"><a href="/n/{i}">第{i}条新闻：城区道路改造工程进展顺利</a>'
        f"<span>2024-05-{10 + i}</span><p>摘要文字摘要文字摘要文字摘要文字。</p></li>"
        for i in range(5)
    )
    tree = html.fromstring(f"<html><body><ul>{items}</ul></body></html>")
    assert find_thread(tree) is None  # its "names" are headlines, not user names


def _posts(cls: str, count: int, extra: str = "") -> str:
    return "".join(
        f'<div class="{cls}" id="post-{i}"><a class="author" href="/u/{i}">user{i}</a>'
        f"<span>2024-05-1{i} 10:0{i}</span>"
        f'<div class="content">{extra}<p>This is post number {i}, with enough words to be a post.</p>'
        f"</div></div>"
        for i in range(count)
    )


def test_sidebar_activity_feed_is_no_thread() -> None:
    from lxml import html

    page = f"<html><body><main><p>Story text.</p></main><aside>{_posts('activity', 3)}</aside></body></html>"
    assert find_thread(html.fromstring(page)) is None  # a sidebar feed is not the page's thread


def test_chrome_repeated_in_posts_is_dropped() -> None:
    from lxml import html

    # The opener's badge on two of three posts is chrome; a line every post carries is content.
    posts = _posts("post", 2, "<div>Topic starter</div><p>Thanks</p>") + _posts("post", 1, "<p>Thanks</p>")
    page = f"<html><body><div>{posts}</div></body></html>"
    thread = find_thread(html.fromstring(page))
    assert thread is not None and len(thread.posts) == 3
    assert "Topic starter" not in thread.lines and "Thanks" in thread.lines
    assert thread.author == "user0" and thread.time == "2024-05-10 10:00"
