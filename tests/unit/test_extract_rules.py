"""Rules added for issue 3: appended feeds, navigation rows, role words, bare bylines, titles, times."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.extract import extract_page
from pipelines.extract.bylines import header_credits, parse_credits, strip_byline
from pipelines.extract.furniture import is_furniture
from pipelines.extract.titles import headline_in_title

PAGES = Path(__file__).resolve().parents[1] / "support" / "fixtures" / "pages"


@pytest.fixture(scope="module")
def feed_page():  # type: ignore[no-untyped-def]
    body = (PAGES / "zh_feed_after_article.html").read_bytes()
    result = extract_page(body, "https://news.example.cn/port/2021/0618/a1.html")
    assert result is not None
    return result


def test_appended_feed_items_are_not_body(feed_page) -> None:  # type: ignore[no-untyped-def]
    assert feed_page.text.startswith("6月17日")
    assert "运输时间比以往经其他港口中转缩短三到五天" in feed_page.text
    assert "音乐节" not in feed_page.text and "公租房" not in feed_page.text


def test_navigation_row_is_not_body(feed_page) -> None:  # type: ignore[no-untyped-def]
    assert "首页" not in feed_page.text


def test_visible_time_completes_a_date_only_meta(feed_page) -> None:  # type: ignore[no-untyped-def]
    assert feed_page.published == "2021-06-18T09:12:00+08:00"


def test_role_words_never_become_names(feed_page) -> None:  # type: ignore[no-untyped-def]
    assert feed_page.authors == ["韩冬", "李沐阳"]
    credits = parse_credits("记者 韩冬 实习生 李沐阳")
    assert credits is not None
    assert [c["name"] for c in credits.contributors] == ["韩冬", "李沐阳"]
    text, found = strip_byline("全文最后一句。（记者 韩冬 实习生 李沐阳）")
    assert text == "全文最后一句。"
    assert found is not None and "实习生" not in [c["name"] for c in found.contributors]
    # "作者：" left empty before "责任编辑：": no author named "责任".
    names = [c["name"] for c in header_credits("来源：网易科学人 作者： 责任编辑：肖春芳").contributors]
    assert names == ["肖春芳"]


def test_dateline_verb_after_names_is_not_a_name() -> None:
    credits = parse_credits("大众网记者 徐玥 青岛报道")
    assert credits is not None
    assert [c["name"] for c in credits.contributors] == ["徐玥"]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("2023-06-15 08:10 来源：中国新闻网 王帆 字号减小 字号增大", ["王帆"]),
        ("来源：新华网 字号：大 中 小", []),
        ("来源：示例日报 市民广场", []),  # not a surname-led name
        ("由 ddos8919 发布于 2024-02-24 14:02:08", ["ddos8919"]),
        (
            "最新推荐文章于 2024-05-07 22:12:13 发布 A-肖老师-树谷学院 于 2024-05-06 15:47:53 发布",
            ["A-肖老师-树谷学院"],
        ),
        ("精华 软唐知产小傅 2020.06.09 09:37 发布于 社区管理", ["软唐知产小傅"]),
    ],
)
def test_bare_names_in_the_info_line(line: str, expected: list[str]) -> None:
    assert [c["name"] for c in header_credits(line).contributors] == expected


@pytest.mark.parametrize(
    ("line", "nav"),
    [
        ("| 首页 | 社会 |", True),
        ("首页 > 新闻 > 正文", True),
        ("首页是网站的门面，改版后访问量提升了三成。", False),
    ],
)
def test_navigation_rows(line: str, nav: bool) -> None:
    assert is_furniture(line) is nav


def test_headline_in_title() -> None:
    title = (
        "New Plot Twist in Idaho Case: Roommate Agrees to Interview | The Gateway Pundit | by Cristina Laila"
    )
    assert headline_in_title(title, "New Plot Twist in Idaho Case: Roommate Agrees to Interview") == (
        "New Plot Twist in Idaho Case: Roommate Agrees to Interview"
    )
    # Quotes may differ between <title> and <h1>; the title's own characters are kept.
    assert (
        headline_in_title("Kohberger's Lawyers Speak | Site", "Kohberger\u2019s Lawyers Speak")
        == "Kohberger's Lawyers Speak"
    )
    assert (
        headline_in_title("Site | Kicker | Real headline here", "Real headline here") == "Real headline here"
    )
    # Not a whole segment: the h1 is only part of a longer headline.
    assert (
        headline_in_title("Chelsea win at Cobham in battling win over Spurs", "Chelsea win at Cobham") is None
    )
    assert headline_in_title("A title", None) is None
