"""Credits read from where portals print them (issue 13, labelled pages of daniel-zh-dev): the info line in
document order, an editor's box below the article, a dateline's reporter after a subtitle, Taiwanese
place-report bylines, and an author meta that is a web address."""

from __future__ import annotations

from lxml import html as lxml_html

from pipelines.extract import extract_page
from pipelines.extract.bylines import dateline_credits, is_user_name
from pipelines.extract.locate import text_after
from pipelines.extract.people import page_author_credits, page_editor

_PARAGRAPHS = (
    "<p>十五日，国家发改委下发通知，二〇一二年跨省煤炭铁路运力配置目标为八亿多吨，较去年减少了近亿吨。</p>"
    "<p>按照计划，钢铁行业的铁路运力配置首次被取消，而重点电煤运力配置计划量有所增加，市场普遍关注。</p>"
    "<p>业内人士表示，这一调整将对明年的煤电谈判产生重要影响，相关企业需要提前做好准备工作。</p>"
)


def _page(head: str = "", info: str = "", first: str = "", after: str = "") -> bytes:
    return (
        f'<html><head><meta charset="utf-8">{head}<title>钢煤运力配置首次被取消_财经</title></head><body>'
        f'<div id="artical"><h1>钢煤运力配置首次被取消</h1><div id="artical_sth">{info}</div>'
        f'<div id="main_content">{first}{_PARAGRAPHS}</div>{after}</div>'
        '<div class="footer">版权所有 示例网</div></body></html>'
    ).encode()


def test_the_info_line_is_read_in_document_order() -> None:
    info = (
        "<p><span>2011年12月16日 01:21</span><br>来源：<span><a href='/x'>经济参考报</a></span>"
        " 作者：<span>实习记者 王璐</span></p>"
    )
    tree = lxml_html.fromstring(_page(info=info))
    assert text_after(tree.find(".//h1"), 200).startswith("2011年12月16日 01:21 来源： 经济参考报 作者：")
    article = extract_page(_page(info=info))
    assert article.source_outlet == "经济参考报"  # was "作者": the span's tail came before its link
    assert article.authors == ["王璐"]


def test_an_editor_box_below_the_article_is_read() -> None:
    box = '<div class="ed">[编辑：\n<!--function init_editor() parse begin-->\n陈浩\n<!--parse end-->]</div>'
    assert extract_page(_page(after=box)).editor == "陈浩"
    login = '<div id="artical_sth2"><span> [责任编辑：robot] </span>标签：<a href="/t">煤炭</a></div>'
    assert extract_page(_page(after=login)).editor == "robot"
    linked = '<div class="ed">责任编辑：<a href="/u">李四</a></div>'
    tree = lxml_html.fromstring(_page(after=linked))
    assert page_editor(tree) == "李四"


def test_an_editor_word_in_a_sentence_is_no_credit() -> None:
    prose = "<p>这位老编辑：王明先生在报社工作了三十多年，见证了报纸从铅字排版到电脑排版的全部过程。</p>"
    tree = lxml_html.fromstring(_page(after=prose))
    assert page_editor(tree) is None


def test_a_dateline_reporter_after_a_subtitle_is_an_author() -> None:
    first = "<p>内陆考察不受影响 ――权威人士谈直升机失事 新华网北京12月9日电(记者罗沙)我国第28次南极考察队的直升机失事。</p>"
    assert extract_page(_page(first=first)).authors == ["罗沙"]
    assert [
        c["name"] for c in dateline_credits("湖南日报12月15日讯(记者柳德新通讯员彭娟)今天").contributors
    ] == [
        "柳德新",
        "彭娟",
    ]
    assert [c["name"] for c in dateline_credits("中新網蘭州1月11日電 (張道正)甘肅").contributors] == [
        "張道正"
    ]
    # A bracket after a date that is no credit names no one.
    assert dateline_credits("12月9日电(图为会议现场，摄于上午)").contributors == []


def test_a_place_report_byline_names_its_reporters() -> None:
    names = [c["name"] for c in dateline_credits("【鐘武達、陳世宗／綜合報導】台灣今天").contributors]
    assert names == ["鐘武達", "陳世宗"]
    assert [c["name"] for c in dateline_credits("記者丁彥伶／台北報導 2012-01-12").contributors] == ["丁彥伶"]


def test_an_author_meta_that_is_a_web_address_is_no_person() -> None:
    article = extract_page(_page(head='<meta content="gb.cri.cn" name="author">'))
    assert article.authors == []


def test_a_source_and_author_box_between_the_article_and_a_disclaimer_is_read() -> None:
    # The box sits inside the story container, before a disclaimer that ends the body: the text after the
    # body's last line (what trailer_credits reads) never reaches it.
    page = (
        '<html><head><meta charset="utf-8"><title>钢煤运力配置首次被取消_财经</title></head><body>'
        '<div id="artical"><h1>钢煤运力配置首次被取消</h1><div id="endText">'
        f"{_PARAGRAPHS}"
        '<div class="ep-source"><span class="left"><a href="/"><img src="/i.png" alt=""></a>'
        " 本文来源：21世纪经济报道 作者：何苗 张梦洁</span></div>"
        "<p>本文仅代表作者个人看法，并不表明本网立场，请读者仅作参考，并请自行核实相关内容。</p></div></div>"
        '<div class="related"><ul>'
        + "".join(f'<li><a href="/r{i}">相关新闻标题第{i}条 市场动态</a></li>' for i in range(12))
        + "</ul></div></body></html>"
    )
    article = extract_page(page.encode())
    assert article.authors == ["何苗", "张梦洁"]
    assert "作者" not in " ".join(article.authors)


def test_a_comment_boxs_buttons_are_no_poster() -> None:
    assert not is_user_name("退出 马上发表")
    assert not is_user_name("马上发表")
    assert is_user_name("小诺抓")


def test_a_short_author_credit_anywhere_on_the_page_names_the_writers() -> None:
    box = '<div class="ep-source"><span> 本文来源：华夏时报 作者：李超</span></div>'
    tree = lxml_html.fromstring(_page(after=box))
    assert [c["name"] for c in page_author_credits(tree).contributors] == ["李超"]
    long_text = "<p>网友留言：作者：张三说得好，这篇文章写得非常精彩，我们都很喜欢读这样的好文章，希望以后多多发表类似的作品。</p>"
    assert page_author_credits(lxml_html.fromstring(_page(after=long_text))).contributors == []
