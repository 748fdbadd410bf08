"""Title suffix split into site name and channel."""

from __future__ import annotations

import pytest

from pipelines.extract import extract_page
from pipelines.extract.titles import site_and_channel_only, split_title, strip_site_name


@pytest.mark.parametrize(
    ("raw", "title", "section", "site"),
    [
        (
            "向招商、棚改发起猛烈攻势青岛这两个区有大动作_青岛频道",
            "向招商、棚改发起猛烈攻势青岛这两个区有大动作",
            "青岛频道",
            None,
        ),
        ("标题文字很长的新闻_凤凰网", "标题文字很长的新闻", None, "凤凰网"),
        ("标题文字很长的新闻_青岛频道_凤凰网", "标题文字很长的新闻", "青岛频道", "凤凰网"),
        ("标题文字很长的新闻|大众网", "标题文字很长的新闻", None, "大众网"),
        ("标题文字很长的新闻 - 青岛新闻网", "标题文字很长的新闻", None, "青岛新闻网"),
        ("标题文字很长的新闻-新浪新闻", "标题文字很长的新闻", "新浪新闻", None),
        ("中美关系-新阶段的挑战与机遇", "中美关系-新阶段的挑战与机遇", None, None),
        ("两万字长文 | 月亮的100个故事", "两万字长文 | 月亮的100个故事", None, None),
    ],
)
def test_split(raw: str, title: str, section: str | None, site: str | None) -> None:
    parts = split_title(raw)
    assert (parts.title, parts.section, parts.site_name) == (title, section, site)


def test_og_site_name_is_cut() -> None:
    assert split_title("一条消息的标题 - 知乎", site_names=["知乎"]).title == "一条消息的标题"


def test_headline_decides() -> None:
    parts = split_title("一条消息的标题_某某某", headline="一条消息的标题")
    assert parts.title == "一条消息的标题"


def test_strip_site_name_any_language() -> None:
    assert (
        strip_site_name("Markets rally on rate hopes | The Daily", "The Daily")
        == "Markets rally on rate hopes"
    )
    assert strip_site_name("The Daily", "The Daily") == "The Daily"


@pytest.mark.parametrize(
    ("raw", "host", "expected"),
    [
        ("Ziele, Chancen, Risiken | DW | 28.04.2023", "www.dw.com", "Ziele, Chancen, Risiken"),
        (
            "Samsung soll Smartphones zerstören - Golem.de",
            "www.golem.de",
            "Samsung soll Smartphones zerstören",
        ),
        ("Five key policies announced | Metro News", "metro.co.uk", "Five key policies announced"),
        ("Why the sea - and the sky - matter", "example.org", "Why the sea - and the sky - matter"),
    ],
)
def test_host_named_suffix(raw: str, host: str, expected: str) -> None:
    assert strip_site_name(raw, None, host=host) == expected


def test_h1_prefix_is_the_headline() -> None:
    title = "津波注意報 気象庁：朝日新聞デジタル"
    assert strip_site_name(title, None, headline="津波注意報 気象庁") == "津波注意報 気象庁"


def test_chinese_short_underscore_channel_and_blog_platform() -> None:
    assert split_title("全国CPI同比上涨0.3%_数据_宏观频道首页_财经网").title == "全国CPI同比上涨0.3%"
    parts = split_title("新竹尖石賞楓 (2) @ 史蒂文的家 :: 痞客邦 PIXNET ::", host="x.pixnet.net")
    assert parts.title == "新竹尖石賞楓 (2)"


def test_site_name_first() -> None:
    parts = split_title("理论中国网-2022年第4期")
    assert (parts.title, parts.site_name) == ("2022年第4期", "理论中国网")


def test_site_and_channel_only_titles() -> None:
    assert site_and_channel_only("科普中国-辟谣文章")
    assert not site_and_channel_only("新华视界｜河北遵化：数字农机服务助力农业生产")
    assert not site_and_channel_only("徒手抓子弹真的存在吗")


def test_headline_from_a_title_element_when_the_title_only_names_the_site() -> None:
    page = """<html><head><meta charset="utf-8"><title>科普中国-辟谣文章</title></head><body>
    <div class="nav"><a href="/">首页</a> <a href="/rumor">辟谣</a></div>
    <div class="article"><div class="rumor-title">徒手抓子弹真的存在吗？</div>
    <div class="info">来源：科普中国</div>
    <div class="content"><p>看过电影《功夫》的人可能会记得徒手抓子弹的剧情。那么在现实中，徒手抓子弹可不可以？</p>
    <p>首先介绍几个物理概念，在了解了物理知识后，再来考虑徒手接子弹是否行得通。第一个是相对运动。</p>
    <p>子弹出膛的速度每秒数百米，人的反应时间远远不够，所以电影里的情节并不现实。</p></div></div>
    <div class="tj-box-title">相关推荐</div></body></html>""".encode()
    result = extract_page(page, "https://piyao.example.cn/rumor/detail?id=1")
    assert result is not None
    assert result.title == "徒手抓子弹真的存在吗？"


_TW_PROSE = (
    "<p>"
    + "國健局資料指出，新規定上路迄今，成年人吸菸率微幅下降，推估三年來減少了四十二萬吸菸人口。" * 3
    + "</p>"
)


def _no_h1_page(title: str, headline_markup: str) -> bytes:
    return (
        f'<html lang="zh-TW"><head><meta charset="utf-8"><title>{title}</title></head><body>'
        '<div class="nav"><a href="/">首頁</a> <a href="/life">樂活</a></div>'
        f'<div class="articlebox">{headline_markup}<ul><li>2012-01-12</li><li>中國時報</li>'
        f"<li>邱俐穎／台北報導</li></ul>{_TW_PROSE}{_TW_PROSE}</div></body></html>"
    ).encode()


@pytest.mark.parametrize(
    "markup",
    [
        "<h3><!--title begin-->菸害新法上路3年 癮君子減少42萬人 <!--title end--></h3>",
        "<div class='title'>菸害新法上路3年 癮君子減少42萬人</div>",
    ],
)
def test_without_h1_the_headline_is_the_titles_part_an_element_prints(markup: str) -> None:
    """ "｜醫藥健康｜中時樂活｜中時電子報": channel and site names no list knows; the element that prints the
    headline says where it ends, and anchors the info line under it (date, "邱俐穎／台北報導")."""
    title = "菸害新法上路3年 癮君子減少42萬人｜醫藥健康｜中時樂活｜中時電子報"
    article = extract_page(_no_h1_page(title, markup))
    assert article.title == "菸害新法上路3年 癮君子減少42萬人"
    assert article.authors == ["邱俐穎"]


def test_without_h1_and_no_element_printing_it_the_title_is_split_as_before() -> None:
    title = "菸害新法上路3年 癮君子減少42萬人｜醫藥健康｜中時樂活｜中時電子報"
    article = extract_page(_no_h1_page(title, "<p>本報訊</p>"))
    assert article.title is not None and article.title.startswith("菸害新法上路3年 癮君子減少42萬人")
