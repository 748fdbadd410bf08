"""A date line printed above the headline (qq.com's shape: the time sits before the <h1> in the same header
block) is read; the site's banner date higher up is not."""

from __future__ import annotations

from lxml import html as lxml_html

from pipelines.extract import extract_page
from pipelines.extract.locate import text_before

_BODY = (
    "<p>九月一日，市北区各中小学迎来了秋季开学，全区共有三万多名学生走进校园，开始新学期的学习生活。</p>"
    "<p>区教育局表示，今年新增学位两千多个，有效缓解了部分片区入学紧张的情况，家长们对此普遍表示满意。</p>"
    "<p>开学当天，各学校组织了丰富多彩的开学典礼活动，老师们精心准备，欢迎新同学的到来。</p>"
)


def _page(header: str) -> bytes:
    return (
        '<html><head><meta charset="utf-8"><title>市北区学校秋季开学_新闻中心</title></head><body>'
        '<div class="top">今天是2026年12月7日 星期一 <a href="/">首页</a> <a href="/n">新闻</a></div>'
        f'<div class="main"><div class="hd">{header}<h1>市北区学校秋季开学</h1></div>'
        f'<div class="bd">{_BODY}</div></div></body></html>'
    ).encode()


def test_a_date_line_above_the_headline_is_read() -> None:
    # The source is a link, so the info line stays out of the body: only the text above the <h1> holds
    # the time (without it, htmldate's day alone: "2016-10-14").
    page = _page(
        '<div class="a_Info"><span class="a_time">2016-10-14 07:17</span> <a href="/s">示例日报</a></div>'
    )
    article = extract_page(page)
    assert article.published == "2016-10-14T07:17:00+08:00"
    assert article.published_text == "2016-10-14 07:17"


def test_text_before_stays_inside_the_headline_block() -> None:
    tree = lxml_html.fromstring(_page('<span class="a_time">2016年10月14日 07:17</span>'))
    h1 = tree.find(".//h1")
    before = text_before(h1, 160)
    assert "2016年10月14日 07:17" in before
    assert "2026" not in before  # the banner's date is outside the header block
    assert text_before(None, 160) == ""
