"""Bylines in the forms the labelled Chinese pages print them (issue 13): traditional characters, outlet and
writer joined by a slash, role pairs, spaced names, several bracketed credits in one paragraph; and the
texts next to bylines that are no one's name (photo credits, places, headings, UI labels, outlets)."""

from __future__ import annotations

import pytest

from pipelines.extract import extract_page
from pipelines.extract.bylines import dateline_credits, header_credits, names_only, strip_byline
from pipelines.extract.chinese import clean_chinese_body


def people(credits: object) -> list[tuple[str, str]]:
    return [(c["name"], c["role"]) for c in credits.contributors]  # type: ignore[attr-defined]


PROSE = (
    "<p>"
    + "市衛生局近日公布年節食品抽驗結果，提醒民眾選購時注意標示與保存方式，避免食品安全風險。" * 3
    + "</p>"
)


def zh_page(info: str = "", first: str = "", last: str = "", head: str = "", h1: bool = True) -> bytes:
    headline = "<h1>年節食品抽驗結果公布</h1>" if h1 else ""
    return (
        '<html lang="zh-TW"><head><meta charset="utf-8"><title>年節食品抽驗結果公布</title>'
        f"{head}</head><body><article>{headline}{info}{first}{PROSE}{PROSE}{last}</article></body></html>"
    ).encode()


# --- what a credit line says ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # traditional photo verb: a photo credit, not a reporter named "鄭名娟攝"
        ("（記者鄭名娟攝）", [("鄭名娟", "photographer")]),
        ("（记者 张三 摄）", [("张三", "photographer")]),
        # "文/攝" after the names says what they did; the agency before 記者 is an affiliation
        ("(福州晚報記者 林安鎮 實習生 黃衛平 文/攝)", [("林安鎮", "reporter"), ("黃衛平", "reporter")]),
        # sina's "(微博)" link label glued to the outlet
        ("成都商报(微博)记者 余文龙 实习生 向英子", [("余文龙", "reporter"), ("向英子", "reporter")]),
        # a two-character name spaced to the width of three
        ("来源：证券日报 作者：马 燕", [("马燕", "author")]),
        # "台北報導" (traditional 導) and "发自上海" close the names: where the report was filed
        ("記者：邱雯琪 羅執中  台北報導", [("邱雯琪", "reporter"), ("羅執中", "reporter")]),
        ("（張文祿報導）", [("張文祿", "reporter")]),
        ("采写：南都记者 方南", [("方南", "reporter")]),
    ],
)
def test_credit_lines(line: str, expected: list[tuple[str, str]]) -> None:
    text, credits = strip_byline(line)
    assert text == ""
    assert people(credits) == expected


def test_several_bracketed_credits_end_one_paragraph() -> None:
    """A story printed as one paragraph ends in its source, author and editor brackets, and opens with a
    dateline's credit: every one is read, and the story's text is kept."""
    text, credits = strip_byline(
        "红网长沙1月17日讯（潇湘晨报滚动新闻记者 范思鼎）今日下午，高速收费站以北发生交通事故。"
        " [稿源：红网-潇湘晨报] [作者：范思鼎] [编辑：肖娟]"
    )
    assert text == "红网长沙1月17日讯 今日下午，高速收费站以北发生交通事故。"
    assert ("范思鼎", "author") in people(credits) and ("肖娟", "editor") in people(credits)
    assert credits is not None and credits.source_outlet == "红网-潇湘晨报"


def test_a_role_word_after_the_label_is_no_name() -> None:
    """ "作者：实习记者 王璐": the writer is the name after the second role word."""
    assert people(header_credits("来源：经济参考报 作者：实习记者 王璐")) == [("王璐", "reporter")]


def test_a_spaced_name_in_the_info_line() -> None:
    assert people(header_credits("2012年01月17日 06:33 来源：证券日报 作者：马 燕")) == [("马燕", "author")]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("中廣新聞／楊菁惠", [("楊菁惠", "reporter")]),
        ("【台灣醒報／林歆芳】 為響應母乳哺育政策", [("林歆芳", "reporter")]),
        ("欣傳媒╱記者丁彥伶／台北報導 2012-01-16 13:11", [("丁彥伶", "reporter")]),
        ("中國時報 邱俐穎／台北報導", [("邱俐穎", "reporter")]),
        ("上報快訊／范姜佳鈺 2020年03月12日 20:19", [("范姜佳鈺", "reporter")]),
        ("旺報 【（李三娃／四川成都）】", [("李三娃", "reporter")]),  # a reader's letter: writer／place
        ("中國時報／台北報導", []),  # outlet and place: no writer
        ("中央社／綜合外電", []),
        ("神韵報導", []),  # a programme's link, not "NAME 報導"
    ],
)
def test_outlet_and_writer_joined_by_a_slash(text: str, expected: list[tuple[str, str]]) -> None:
    assert people(dateline_credits(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("新华社记者廖宇杰摄", [("廖宇杰", "photographer")]),
        ("（中央社記者劉世怡台北11日電）傅姓男子涉嫌詐領保險金", []),  # never "劉世怡台北"
        ("記者調查 成本高", []),  # a section heading
        ("作者： 手机版", []),  # a link to the mobile edition
        ("作者：佚名", []),  # "no name"
        ("作者 简介", []),  # the label of the writer's profile box
    ],
)
def test_texts_beside_bylines_are_no_names(text: str, expected: list[tuple[str, str]]) -> None:
    assert people(header_credits(text)) == expected


def test_a_programme_link_line_stays_text() -> None:
    assert strip_byline("神韵報導") == ("神韵報導", None)


def test_a_caption_photo_credit_is_no_writer() -> None:
    credits = names_only("林歆芳攝", "reporter")
    assert credits is not None and people(credits) == [("林歆芳", "photographer")]


@pytest.mark.parametrize(
    ("closing", "expected"),
    [
        ("（郭旭）", [("郭旭", "reporter")]),
        ("（经济通）", []),  # an agency's name, not a person's
        ("（小羅家族）", []),
        ("(王霄 发自上海)", [("王霄", "reporter")]),
    ],
)
def test_bare_closing_names_need_a_common_surname(closing: str, expected: list[tuple[str, str]]) -> None:
    body = clean_chinese_body(["第一段正文内容在这里。", f"最后一段正文内容在这里。{closing}"], titles=[])
    assert people(body.credits) == expected


# --- the authors field of a whole page --------------------------------------------------------------------


def test_a_byline_of_correspondents_only_names_the_writers() -> None:
    """ "本报讯(记者 通讯员 张敏婷 陆敏仪)": the reporter slot is empty, the correspondents wrote it."""
    article = extract_page(
        zh_page(first="<p>本报讯(记者 通讯员 张敏婷 陆敏仪)伴随春节临近，旅行社迎来报名高峰。</p>")
    )
    assert article.authors == ["张敏婷", "陆敏仪"]


def test_beside_a_reporter_a_correspondent_stays_a_contributor() -> None:
    article = extract_page(
        zh_page(first="<p>本报讯(记者 王萌 通讯员 朱青秦)伴随春节临近，旅行社迎来报名高峰。</p>")
    )
    assert article.authors == ["王萌"]
    assert {"name": "朱青秦", "role": "correspondent"} in article.contributors


def test_a_photo_credit_in_a_caption_leaves_the_byline_to_be_read() -> None:
    """The caption's "（記者鄭名娟攝）" is no writer, so the byline under the headline is read."""
    article = extract_page(
        zh_page(
            info="<div>欣傳媒╱記者丁彥伶／台北報導 2012-01-16 13:11</div>",
            last="<p>圖說：流感進入高峰，最好避免出入公共場所。（記者鄭名娟攝）</p>",
        )
    )
    assert article.authors == ["丁彥伶"]


def person(name: str) -> str:
    return (
        '<script type="application/ld+json">{"@type": "NewsArticle", "author": {"@type": "Person",'
        f' "name": "{name}"}}}}</script>'
    )


@pytest.mark.parametrize(
    "name",
    [
        "王小明",  # a name no reader sees on the page
        "新华社",  # the agency declared as a person
        "Discuz Team",  # the forum software's team
    ],
)
def test_an_author_only_the_metadata_names_is_not_the_byline(name: str) -> None:
    assert extract_page(zh_page(head=person(name))).authors == []


def test_an_author_the_metadata_names_and_the_page_shows_is_kept() -> None:
    page = zh_page(head=person("王小明"), info="<p class='by'>王小明</p>")
    assert extract_page(page).authors == ["王小明"]


def test_a_papers_dateline_without_a_day_credits_its_reporter() -> None:
    """ "香港文匯報訊（記者 高鈺）" after a photo caption on the same line."""
    credits = dateline_credits(
        "放大圖片 ■浸大委任呂愛平教授為院長。 香港文匯報訊（記者　高鈺）香港浸會大學宣布"
    )
    assert people(credits) == [("高鈺", "reporter")]


def test_a_credit_line_outside_the_body_is_read() -> None:
    """The byline printed in its own element after the story (and after a share box), out of the body."""
    from pipelines.extract.parse import parse_html
    from pipelines.extract.people import page_credit_lines

    tree = parse_html(
        "<html><body><div class='content'><p>熊猫基地副主任介绍了野放计划。</p></div>"
        "<div class='share'>分享到：微博 微信</div>"
        "<div class='credit'>成都商报(微博)记者 余文龙 实习生 向英子</div>"
        "<div class='related'><a>记者从熊猫基地了解到，野放训练将持续三个月以上并接受专家评估</a></div>"
        "</body></html>"
    )
    assert people(page_credit_lines(tree)) == [("余文龙", "reporter"), ("向英子", "reporter")]


def test_a_declared_author_that_is_a_whole_byline_gives_its_writer() -> None:
    """udn's JSON-LD Person is named "記者林宸誼／即時報導"; the page prints the same byline."""
    page = zh_page(head=person("記者林宸誼／即時報導"), info="<p class='by'>記者林宸誼／即時報導</p>")
    assert extract_page(page).authors == ["林宸誼"]


def test_a_latin_name_is_shown_only_as_a_whole_word() -> None:
    """ "My" (trafilatura's reading of a user name) is not shown by "my38778570" or "MySQL"."""
    page = zh_page(head=person("My"), info="<p>my38778570 的个人博客 MySQL</p>")
    assert extract_page(page).authors == []


@pytest.mark.parametrize(
    ("marked", "authors"),
    [
        (
            "<div class='shareBar__info--author'><span>2020-10-04 15:05</span>聯合報 記者林宸誼／即時報導</div>",
            ["林宸誼"],
        ),
        (
            "<div class='author'><a href='/s'>上報快訊／范姜佳鈺</a> 2020年03月12日 20:19:00</div>",
            ["范姜佳鈺"],
        ),
        # a comment box marks its posters "author" too: never read as the byline
        ("<div class='comments'><span class='author'>記者 王小明</span>：說得好</div>", []),
    ],
)
def test_an_element_marked_as_the_byline_is_read(marked: str, authors: list[str]) -> None:
    """The byline sits in an element marked "author" away from the headline (a share bar, a side box)."""
    page = (
        '<html lang="zh-TW"><head><meta charset="utf-8"><title>年節食品抽驗結果公布</title></head><body>'
        f"<div class='top'><h1>年節食品抽驗結果公布</h1></div><article>{PROSE}{PROSE}</article>"
        f"<div class='side'>{'<p>推薦閱讀：春節返鄉注意事項與交通資訊一覽表</p>' * 6}</div>{marked}</body></html>"
    ).encode()
    assert extract_page(page).authors == authors
