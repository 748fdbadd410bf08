"""Cases found on the hold-out sets of Chinese pages no rule had seen (bench/README.md, issue 13's sixth pass),
each on a page written here with the same structure: a dateline declared as the author, an answer's fold button
read with its writer's name, a Taiwanese paper's byline closing a paragraph, CNA's dateline with the reporter
before the place, a day printed without its time in the body above the info line's time, the help-line notice
Taiwanese papers put below a story about suicide, digits after a name, a label read as the outlet, a slash
between day and time, and a government site's related-documents list between headline and body."""

from __future__ import annotations

import pytest

from pipelines.extract import extract_page
from pipelines.extract.bylines import dateline_credits, header_credits, is_dateline, person_names
from pipelines.extract.dates import find_stated_date
from pipelines.extract.furniture import is_furniture

PARAGRAPHS = (
    "<p>警方調查，無業賴姓女子昨晚獨自在租屋處飲酒，男友凌晨返家見狀勸阻，雙方因而發生口角，"
    "氣憤不已的女子隨即跑進房間將門反鎖，約莫十分鐘後傳出巨響，鄰居隨即報警求助。</p>"
    "<p>消防局救護人員趕抵現場，發現女子已無生命跡象，經送往醫院搶救，因傷重仍宣告不治，"
    "家屬對於死因有意見，檢警將進行相驗釐清死因，詳細案情仍在調查當中。</p>"
)

MORE = (
    "<p>里長表示，這棟大樓住戶多為上班族，平時出入單純，發生這樣的事情讓鄰居都感到十分震驚與難過，"
    "希望相關單位能加強關懷獨居與情緒不穩的住戶。</p>"
)


def page(body: str, head: str = "", info: str = "") -> bytes:
    return (
        f'<html lang="zh-TW"><head><meta charset="utf-8"><title>墜樓案 疑酒後口角輕生</title>{head}</head>'
        f"<body><div class='nav'><a href='/'>首頁</a></div><h1>墜樓案 疑酒後口角輕生</h1>{info}"
        f"<div class='article'>{body}</div><div class='footer'>版權所有</div></body></html>"
    ).encode()


def test_a_dateline_declared_as_the_authors_name_is_no_author() -> None:
    jsonld = (
        '<script type="application/ld+json">{"@context": "http://schema.org", "@type": "NewsArticle", '
        '"headline": "墜樓案 疑酒後口角輕生", "datePublished": "2018-02-28T14:31:29+08:00", '
        '"author": {"@type": "Person", "name": "澎湖縣28日電"}}</script>'
    )
    info = '<div class="story_info_author"><span>2018-02-28 14:31</span>中央社 澎湖縣28日電</div>'
    article = extract_page(page(PARAGRAPHS, jsonld, info), "https://udn.example.com/news/story/1")
    assert article.authors == []
    assert "no_author" in article.extraction_flags


@pytest.mark.parametrize("text", ["澎湖縣28日電", "北京12月9日电", "台北11日電"])
def test_datelines(text: str) -> None:
    assert is_dateline(text)


@pytest.mark.parametrize("text", ["王煌忠", "澎湖縣", "28日", "北京电视台"])
def test_not_datelines(text: str) -> None:
    assert not is_dateline(text)


def test_an_answers_fold_button_is_no_part_of_a_name() -> None:
    info = (
        '<div class="answer-author-info"><h3><a href="/people/tian">甜阁下</a>，'
        '<strong class="bio">心理咨询师</strong></h3><a href="javascript:;" class="collapse">收起</a></div>'
    )
    article = extract_page(page(PARAGRAPHS, info=info), "https://zh.example.com/question/1")
    assert all("收起" not in name for name in article.authors)
    assert person_names("甜阁下 ， 心理咨询师 收起") is None


def test_a_place_report_byline_closing_a_paragraph_names_the_writer() -> None:
    body = (
        PARAGRAPHS
        + "<p>李男向警方供稱，女友當時情緒相當激動，敲門她都不理會，沒多久就聽到巨響，才發現女友已經跳樓，"
        "警方已勘驗現場並報請相驗，將進一步釐清死因。（王煌忠／台中報導）《蘋果》關心你</p>"
        "<p>自殺解決不了問題，卻留給家人無比悲痛。請珍惜生命。</p>"
        "<p>自殺防治諮詢安心專線：0800-788995（24小時）</p>"
    )
    article = extract_page(page(body), "https://tw.example.com/realtime/20190101/1")
    assert article.authors == ["王煌忠"]
    assert "王煌忠／台中報導" not in article.text
    assert "將進一步釐清死因。" in article.text


def test_a_place_report_inside_a_sentence_or_unbracketed_is_not_read_there() -> None:
    # Not after a sentence's end: a quoted place report inside the prose (below the first lines, where a
    # dateline would be read) is no byline.
    body = (
        PARAGRAPHS
        + MORE
        + "<p>他說，那篇（王煌忠／台中報導）引起了很多關注，讀者紛紛來電詢問後續發展，報社也派人追蹤。</p>"
    )
    article = extract_page(page(body), "https://tw.example.com/realtime/20190101/2")
    assert "王煌忠" not in article.authors


@pytest.mark.parametrize(
    ("dateline", "names"),
    [
        ("（中央社記者邱俊欽桃園19日電）桃園市平鎮區一家輪胎行今天清晨發生火警", ["邱俊欽"]),
        ("（中央社記者林雷台北19日電）行政院今天", ["林雷"]),
        ("（中央社記者邱俊欽、蔡孟妤台北3月19日電）", ["邱俊欽", "蔡孟妤"]),
        # A place not in the list: where the name ends is not known, so nobody is named.
        ("（中央社記者邱俊欽華沙19日電）", []),
        # Not a surname first: not a person.
        ("（中央社記者綜合外電台北19日電）", []),
    ],
)
def test_cna_datelines_name_the_reporter_before_the_place(dateline: str, names: list[str]) -> None:
    assert [c["name"] for c in dateline_credits(dateline).contributors] == names


def test_a_cna_dateline_at_the_start_of_the_body_gives_the_author() -> None:
    body = (
        "<p>（中央社記者邱俊欽桃園19日電）桃園市平鎮區一家輪胎行今天清晨發生火警，消防局出動大批人車灌救，"
        "疏散附近住戶7人，火勢撲滅後在屋內發現一名女子倒臥，送醫不治，詳細起火原因仍待調查。</p>" + PARAGRAPHS
    )
    article = extract_page(page(body), "https://cna.example.com/news/asoc/201603190001.aspx")
    assert article.authors == ["邱俊欽"]


def test_a_day_in_the_body_gives_way_to_the_info_lines_time_on_that_day() -> None:
    info = '<div class="ep-time-source">2016-01-19 10:03:14　来源: <a href="http://stats.example.cn/">国家统计局</a></div>'
    body = (
        "<p>（2016年1月19日）</p><p>初步核算，全年国内生产总值676708亿元，按可比价格计算，比上年增长6.9%。"
        "分季度看，一季度同比增长7.0%，二季度增长7.0%，三季度增长6.9%，四季度增长6.8%。</p>"
        "<p>分产业看，第一产业增加值60863亿元，比上年增长3.9%；第二产业增加值274278亿元，增长6.0%；"
        "第三产业增加值341567亿元，增长8.3%。</p>"
    )
    html = page(body, info=info).decode().replace('lang="zh-TW"', 'lang="zh-CN"').encode()
    article = extract_page(html, "https://money.example.com/16/0119/10/BE2QUAG000254TI5.html")
    assert article.published == "2016-01-19T10:03:14+08:00"


def test_a_day_without_a_time_stays_a_day() -> None:
    body = (
        "<p>（2016年1月19日）</p><p>初步核算，全年国内生产总值676708亿元，按可比价格计算，比上年增长6.9%。"
        "分季度看，一季度同比增长7.0%，二季度增长7.0%，三季度增长6.9%，四季度增长6.8%。</p>"
        "<p>分产业看，第一产业增加值60863亿元，比上年增长3.9%；第二产业增加值274278亿元，增长6.0%；"
        "第三产业增加值341567亿元，增长8.3%。</p>"
    )
    info = '<div class="info">2016-01-20 08:00:00　来源: 国家统计局</div>'  # another day's time
    html = page(body, info=info).decode().replace('lang="zh-TW"', 'lang="zh-CN"').encode()
    article = extract_page(html, "https://money.example.com/16/0119/10/BE2QUAG000254TI5.html")
    assert article.published == "2016-01-19"


@pytest.mark.parametrize(
    "line",
    [
        "自殺防治諮詢安心專線：0800-788995（24小時）",
        "生命線協談專線：1995",
        "自殺諮詢專線：0800-788995（24小時）",
        "生命線：1995",
        "張老師專線：1980",
        "★中時電子報關心您",
        "●《ETNEWS新聞雲》提醒您，請給自己機會：",
        "自殺解決不了問題，卻留給家人無比悲痛。請珍惜生命。",
        "再給自己一次機會",
    ],
)
def test_the_help_line_notice_below_a_taiwanese_story_is_furniture(line: str) -> None:
    assert is_furniture(line)


@pytest.mark.parametrize(
    "line",
    [
        "警方提醒您：",
        "生命線志工表示，今年來電數創新高。",
        "他說要珍惜生命，從今天起每天運動一小時，也鼓勵大家一起參加。",
    ],
)
def test_prose_about_help_lines_is_not_furniture(line: str) -> None:
    assert not is_furniture(line)


def test_a_story_ends_before_the_help_line_notice() -> None:
    notice = (
        "<p>●《ETNEWS新聞雲》提醒您，請給自己機會：</p><p>自殺防治諮詢安心專線：0800-788995（24小時）</p>"
        "<p>生命線協談專線：1995</p><p>張老師專線：1980</p>"
    )
    article = extract_page(page(PARAGRAPHS + MORE + notice), "https://tw.example.com/news/20171209/1.htm")
    assert article.text.endswith("希望相關單位能加強關懷獨居與情緒不穩的住戶。")


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("来源：理财18 作者：理财18", []),  # an account whose name goes on in digits: not cut to 理财
        ("作者：张三2019-01-01 10:20", ["张三"]),  # a date glued to the name
        ("记者李明12月5日", ["李明"]),
        ("记者 王晓 10:20", ["王晓"]),
    ],
)
def test_digits_after_a_name_are_a_date_or_part_of_the_name(line: str, names: list[str]) -> None:
    assert [c["name"] for c in header_credits(line).contributors] == names


@pytest.mark.parametrize(
    ("line", "outlet"),
    [
        ("来源： 访问量：199", None),  # an empty source, then the next field's label
        ("来源: 作者:", None),
        ("来源：新华社 作者：张三", "新华社"),
        ("来源:人民日报", "人民日报"),
    ],
)
def test_a_label_is_no_outlet(line: str, outlet: str | None) -> None:
    assert header_credits(line).source_outlet == outlet


def test_a_slash_between_the_day_and_the_time() -> None:
    found = find_stated_date("2020 / 07/08 / 16:37", default_tz="Asia/Shanghai")
    assert found is not None and found.precision == "minute"
    assert found.value.isoformat() == "2020-07-08T16:37:00+08:00"


def test_a_related_documents_list_between_headline_and_body_dates_nothing() -> None:
    meta = '<dl class="meta"><dd class="scrq"><label>生成日期：</label><div>2023-05-11</div></dd></dl>'
    related = (
        '<div class="article-reldocuments"><h3><span>关联稿件：</span></h3><ul><li>'
        '<a href="/2023/07/a.shtml">图文解读：《某县2022年国民经济和社会发展统计公报》</a>'
        '<span class="time">2023-07-12</span></li></ul></div>'
    )
    body = (
        "<p>2022年，全县上下坚持稳中求进工作总基调，全面贯彻新发展理念，经济运行总体平稳，发展质量稳步提升。"
        "初步核算，全年地区生产总值比上年增长4.5%。</p>"
        "<p>全年粮食种植面积稳定，粮食总产量比上年增长1.2%；规模以上工业增加值比上年增长6.1%，"
        "固定资产投资比上年增长8.4%。</p>"
    )
    html = (
        '<html lang="zh-CN"><head><meta charset="utf-8"><title>某县2022年国民经济和社会发展统计公报</title></head>'
        f"<body>{meta}<h1>某县2022年国民经济和社会发展统计公报</h1>{related}<div class='article-content'>{body}</div>"
        "</body></html>"
    )
    article = extract_page(html.encode(), "https://www.example.gov.cn/tjgb/202305/abc.shtml")
    assert article.published == "2023-05-11"
