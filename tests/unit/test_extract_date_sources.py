"""Whose date it is (issue 13, "0 dates where the page shows none"): a date counts as the page's published
date when the page states it as its own, as a reader sees it. Not the answers' days of a Q&A page, not a
review list's times, not an encyclopedia's facts, revision card or footnotes, not a metadata date on a page
that does not say it is a story and does not print that day, not a sidebar's archive month."""

from __future__ import annotations

import pytest

from pipelines.extract import extract_page

PROSE = (
    "<p>"
    + "地震预警系统利用电波比地震波传播快的原理，在破坏性地震波到达之前发出警报，为公众争取避险时间。" * 3
    + "</p>"
)


def page(head: str = "", top: str = "", rest: str = "", og: str = "") -> bytes:
    og_tag = f'<meta property="og:type" content="{og}">' if og else ""
    return (
        '<html lang="zh-CN"><head><meta charset="utf-8"><title>地震预警能提前多久</title>'
        f"{og_tag}{head}</head><body><h1>地震预警能提前多久</h1>{top}"
        f'<div class="content">{PROSE}{PROSE}</div>{rest}</body></html>'
    ).encode()


ITEMPROP = '<meta itemprop="datePublished" content="2021-10-18 19:45:23">'
ANSWERS = "".join(
    f'<div class="answer"><span class="replyer-name">{name}</span> <span class="time">2021-10-19</span>'
    f"<p>{text}</p></div>"
    for name, text in (
        ("莫九牧", "预警时间取决于震中距离，一般几秒到几十秒。"),
        ("宏盛99", "距离越远，提前的时间越多。"),
    )
)


@pytest.mark.parametrize("head", ["", ITEMPROP])
def test_a_qa_pages_metadata_day_and_its_answers_days_are_not_its_date(head: str) -> None:
    """Baidu Zhidao's shape: the question's time only in an itemprop (no og:type, no article type, not
    printed), the answers' days printed in their boxes below the question."""
    article = extract_page(page(head=head, rest=ANSWERS))
    assert article.published is None


def test_a_metadata_day_the_page_prints_is_kept() -> None:
    article = extract_page(page(head=ITEMPROP, top="<div class='info'>发布时间：2021-10-18 19:45</div>"))
    assert (article.published or "").startswith("2021-10-18T19:45")


def test_a_story_declared_as_one_keeps_its_metadata_date_unprinted() -> None:
    head = '<meta property="article:published_time" content="2021-10-18T19:45:23+08:00">'
    assert extract_page(page(head=head, og="article")).published == "2021-10-18T19:45:23+08:00"


def test_one_answer_page_is_dated_by_its_answer() -> None:
    """A page that is one answer (zhihu's answer page) shows that answer's time as its own."""
    one = '<div class="AnswerItem"><span class="ContentItem-time">发布于 2024-04-03 09:55</span></div>'
    article = extract_page(page(top=one))
    assert (article.published or "").startswith("2024-04-03T09:55")


def test_an_encyclopedia_entry_declared_as_a_website_is_not_dated_by_its_facts() -> None:
    """og:type "website" and a generic JSON-LD Article with the entry's creation time; the infobox prints
    that day as a fact of the subject ("建置时间2017年4月1日 （设立）")."""
    head = (
        '<script type="application/ld+json">{"@type": "Article", "datePublished": "2017-04-01T13:06:59Z"}'
        "</script>"
    )
    infobox = '<table class="infobox"><tr><th>建置时间</th><td>2017年4月1日 （设立）</td></tr></table>'
    assert extract_page(page(head=head, top=infobox, og="website")).published is None


@pytest.mark.parametrize(
    ("top", "published"),
    [
        # a date inside the entry's first sentence is a fact it tells
        ("<p>编辑 锁定 讨论 1975年1月28日（农历1974年腊月十七） 新加坡</p>", None),
        ("<p>2024年5月9日，雄安高新区正式揭牌启动。</p>", None),
        # a dateline, a weekday, a date line's next field: the page's own date
        ("<p>【新唐人2012年1月11日訊】寒冬裡如何保持水嫩肌膚</p>", "2012-01-11"),
        ("<p>2012年1月16日 星期一</p>", "2012-01-16"),
        ("<p>2012年1月16日（星期一）</p>", "2012-01-16"),
        ("<p>时间：2012年01月12日15:57来源：新华网</p>", "2012-01-12T15:57:00+08:00"),
    ],
)
def test_a_date_in_a_sentence_is_a_fact_not_the_date_line(top: str, published: str | None) -> None:
    assert extract_page(page(top=top)).published == published


def test_a_review_lists_times_are_not_the_pages_date() -> None:
    reviews = "".join(
        f'<div class="comment-item"><a>{name}</a> 看过 <span class="comment-time">{when}</span>'
        f"<p>{text}</p></div>"
        for name, when, text in (
            ("小倪儿", "2024-04-07 13:19:20", "我们的善良和恶毒都不够纯粹。"),
            ("阿青", "2024-04-08 10:02:11", "剧情紧凑，值得一看。"),
        )
    )
    assert extract_page(page(top=reviews)).published is None


def test_a_revision_cards_day_is_not_the_pages_date() -> None:
    """htmldate finds the day in the side card "最近更新：（2020-02-14）" of an encyclopedia entry."""
    card = '<dl class="side-box lemma-statistics"><dd>最近更新：<span class="j-modified-time">（2020-02-14）</span></dd></dl>'
    assert extract_page(page(rest=card)).published is None


def test_a_sidebar_archive_month_is_not_the_pages_date() -> None:
    archive = '<div class="item header blog-article sidebar"><a>文章归档 <span>2024 年 5 月</span></a></div>'
    assert extract_page(page(rest=archive)).published is None


def test_a_day_the_url_states_is_the_pages_even_if_printed_beside_it() -> None:
    """The day is printed only in the related-headlines box, but the URL states it too: the page's day."""
    related = '<ul class="related-list"><li><a>熊猫基地迎来新成员</a> 2025-11-08</li></ul>'
    url = "https://example.org/izindaba/2025-11-08-kubukeka-kukude/"
    assert extract_page(page(rest=related), url).published == "2025-11-08"
    assert extract_page(page(rest=related), "https://example.org/izindaba/kubukeka/").published is None
