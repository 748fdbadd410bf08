"""The cases seen on large Chinese portals (issue 13), each on a page written for the test with the same
structure: a logo <h1> and a headline whose last clause looks like a channel, a time attribute, a staff code
after the editor's name and a comment box below the body (163.com); an empty author slot followed by a login
box (hexun.com); lead paragraphs above a quoted poem (people.com.cn); the author in a label element
(qq.com); and bylines of shipped seeds and sites."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.extract import ExtractedArticle, extract_page
from pipelines.extract.bylines import parse_credits, person_names

PAGES = Path(__file__).resolve().parents[1] / "support" / "fixtures" / "pages"


def extract(name: str, url: str) -> ExtractedArticle:
    return extract_page((PAGES / name).read_bytes(), url)


def test_163_headline_editor_and_no_commenter() -> None:
    article = extract("zh_portal_163.html", "https://sports.163.com/19/0517/20/EFH8QJ2L00058780.html")
    assert article.title == "女排联赛收官战3:0横扫对手_夺冠"
    assert article.editor == "王晓易"
    assert "微软小冰" not in article.authors
    assert all(c["name"] != "微软小冰" for c in article.contributors)
    assert article.text.startswith("5月17日晚，全国女排联赛在天津落下帷幕")


def test_hexun_login_box_is_neither_author_nor_body() -> None:
    article = extract("zh_portal_hexun.html", "http://bank.hexun.com/2023-06-12/208912345.html")
    assert article.authors == []
    assert article.text.startswith("近日，多家国有大行和股份制银行宣布下调人民币存款挂牌利率")
    for chrome in ("登录超时", "免注册", "我已授权"):
        assert chrome not in article.text
    assert article.tags == ["银行", "存款利率", "理财"]


def test_people_lead_paragraphs_above_a_poem_are_kept() -> None:
    article = extract("zh_portal_people.html", "http://env.people.com.cn/n1/2021/0322/c1010-32056789.html")
    assert article.text.startswith("春分时节，长江岸线绿意渐浓。")
    assert "近年来，长江沿线各地坚持共抓大保护" in article.text
    assert "孤帆远影碧空尽" in article.text


def test_qq_author_in_a_label_element() -> None:
    article = extract("zh_portal_qq.html", "https://new.qq.com/rain/a/20230721A08XYZ00")
    assert article.authors == ["周纯"]


@pytest.mark.parametrize(
    "segment",
    ["我已授权", "半岛全媒体", "网友", "用户协议"],
)
def test_ui_labels_and_desks_are_not_names(segment: str) -> None:
    assert person_names(segment) is None


@pytest.mark.parametrize(
    ("line", "names"),
    [
        ("山东广播电视台闪电新闻记者 王晨 孙浩 报道", ["王晨", "孙浩"]),
        ("半岛全媒体记者 张晓宁", ["张晓宁"]),
        ("责任编辑：王晓易_NE0011", ["王晓易"]),
    ],
)
def test_bylines_give_people_only(line: str, names: list[str]) -> None:
    credits = parse_credits(line)
    assert credits is not None
    assert [c["name"] for c in credits.contributors] == names


def test_a_cut_sentence_is_not_a_byline() -> None:
    # The header window is read up to 200 characters: "记者从崂山风景区管理局了解到" cut after "记者从崂山"
    # must not give a reporter called 从崂山 (a shipped seed did).
    lead = "随着暑期到来，崂山风景区迎来客流高峰，景区全面推行预约分时游览，游客体验明显改善。"
    first = (lead * 6)[: 200 - len("记者从崂山")]
    html = (
        '<html lang="zh-CN"><head><meta charset="utf-8"><title>崂山暑期旅游升温</title></head><body><article>'
        f"<h1>崂山暑期旅游升温</h1><p>{first}记者从崂山风景区管理局了解到，景区日均接待游客超过1.5万人次。</p>"
        f"<p>{lead}</p><p>景区提醒，游客出行前应提前预约。（记者 韩冬 实习生 李沐阳）</p></article></body></html>"
    )
    article = extract_page(html.encode(), "https://qd.ifeng.com/c/8HkQ2mW3xYz")
    assert article.authors == ["韩冬", "李沐阳"]


@pytest.mark.parametrize(
    ("keywords", "tags"),
    [
        ("市北区,学校,学位,秋季开学", ["市北区", "学校", "学位", "秋季开学"]),
        ("市北区 学校 学位", ["市北区", "学校", "学位"]),
        ("崂山、旅游；暑期", ["崂山", "旅游", "暑期"]),
    ],
)
def test_keywords_become_separate_tags(keywords: str, tags: list[str]) -> None:
    html = (
        f'<html lang="zh-CN"><head><meta charset="utf-8"><meta name="keywords" content="{keywords}">'
        "<title>市北区秋季开学</title></head><body><article><h1>市北区秋季开学</h1>"
        + "".join(
            f"<p>市北区第{n}中学今天迎来秋季开学，学校做好了各项准备工作，学生们陆续返校报到。</p>"
            for n in range(4)
        )
        + "</article></body></html>"
    )
    assert extract_page(html.encode(), "https://qingdao.example.cn/a.html").tags == tags


def test_sina_headline_over_a_related_block_heading() -> None:
    # A logo <h1> without text, the headline's <h1>, and "相关博文" in an <h2 class="title"> that trafilatura
    # took for the title; the <title> holds the visible headline, so it is read instead.
    article = extract("zh_portal_sina.html", "http://ent.sina.com.cn/s/m/2012-01-12/08213531956.shtml")
    assert article.title == "崔永元放弃参加慈善年会 为打工者主持晚会"
    assert "title_differs_from_h1" not in article.extraction_flags
