"""Title suffix split into site name and channel."""

from __future__ import annotations

import pytest

from pipelines.extract.titles import split_title, strip_site_name


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
