"""Discussion pages: an opening post followed by many replies that together outweigh it keeps both."""

from __future__ import annotations

from pathlib import Path

from pipelines.extract import extract_article

PAGES = Path(__file__).resolve().parent / "fixtures" / "pages"


def test_long_opening_post_and_many_replies_are_all_kept() -> None:
    article = extract_article((PAGES / "zh_topic_discussion.html").read_bytes(), "https://bbs.example.cn/t/7")
    assert article is not None
    text = article.text
    opening, first_reply, last_reply = (
        text.find("我家住在老城区的一个小区"),
        text.find("错时停车位"),
        text.find("车位引导屏"),
    )
    assert -1 < opening < first_reply < last_reply
    # Post chrome (names, times) and the page's navigation and footer stay out.
    for chrome in ("西关小陈", "小时前", "首页", "版权所有"):
        assert chrome not in text


def test_news_story_with_a_few_comments_still_keeps_the_story_only() -> None:
    article = extract_article(
        (PAGES / "zh_news_with_comments.html").read_bytes(), "https://news.example.cn/a/1"
    )
    assert article is not None
    assert "城东公交枢纽正式启用" in article.text and "终于等到了" not in article.text
