"""Discussion pages: an opening post followed by many replies that together outweigh it keeps both."""

from __future__ import annotations

from pathlib import Path

from pipelines.extract import extract_page

PAGES = Path(__file__).resolve().parents[1] / "support" / "fixtures" / "pages"


def test_long_opening_post_and_many_replies_are_all_kept() -> None:
    article = extract_page((PAGES / "zh_topic_discussion.html").read_bytes(), "https://bbs.example.cn/t/7")
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
    article = extract_page((PAGES / "zh_news_with_comments.html").read_bytes(), "https://news.example.cn/a/1")
    assert article is not None
    assert "城东公交枢纽正式启用" in article.text and "终于等到了" not in article.text


def test_question_whose_asker_replies_keeps_question_and_answers() -> None:
    # Two short answers under a long question: only the asker's badge on a reply ("[作者]") tells
    # this from a news story with two comments.
    article = extract_page(
        (PAGES / "zh_question_with_asker_reply.html").read_bytes(), "https://dev.example.cn/faq/12"
    )
    assert article is not None
    text = article.text
    question, answer, thanks = (
        text.find("我在开源项目里新加了一个统计页面"),
        text.find("先看一下项目的模块依赖关系"),
        text.find("感谢指导"),
    )
    assert -1 < question < answer < thanks
    assert "[作者]" not in text and "老王" not in text
    # A code line split into highlighted spans is found as no single text node; it stays in place.
    code = text.find("new StatsController(statsRepository)")
    assert text.find("容器里找不到") < code < text.find("我尝试在启动类上")


def test_a_page_declaring_a_news_article_keeps_its_story_apart_from_many_comments() -> None:
    # The same page, declared a news story (og:type article): its comments are not the story's text.
    page = (PAGES / "zh_topic_discussion.html").read_bytes()
    declared = page.replace(b"<head>", b'<head><meta property="og:type" content="article">', 1)
    assert declared != page
    article = extract_page(declared, "https://news.example.cn/a/7")
    assert article is not None
    assert "我家住在老城区的一个小区" in article.text and "错时停车位" not in article.text
