"""Extraction flags (pipelines.extract.flags) and the page's main text block (pipelines.extract.mainblock):
a doubtful extraction is stored and flagged, a menu or login box is never passed as a good body, and no
page makes extract_page raise anything but NotAnArticle."""

from __future__ import annotations

import pytest

from pipelines.extract import ExtractionFailed, NotAnArticle, extract_page
from pipelines.extract.flags import FLAGS, extraction_flags, looks_like_navigation, repeated_share
from pipelines.extract.mainblock import MainBlock, main_block, recover_lead, replace_fragment_body
from pipelines.extract.parse import parse_html

SENTENCE = "青岛市近日召开会议，部署海洋经济发展工作，要求各部门加快推进重点项目建设。"
LINES = [SENTENCE * 3, "会议指出，" + SENTENCE * 2, "会议强调，" + SENTENCE * 3]


def flags(**changes: object) -> list[str]:
    fields: dict[str, object] = {
        "lines": LINES,
        "title": "海洋经济会议召开",
        "h1": "海洋经济会议召开",
        "published": "2024-05-20",
        "authors": ["王萌"],
        "block": MainBlock(sum(len(x) for x in LINES), LINES),
        "block_used": False,
    }
    fields.update(changes)
    return extraction_flags(**fields)  # type: ignore[arg-type]


def test_a_good_article_has_no_flags() -> None:
    assert flags() == []


@pytest.mark.parametrize(
    ("changes", "flag"),
    [
        ({"published": None}, "no_date"),
        ({"authors": []}, "no_author"),
        ({"lines": ["为您推荐 - 推荐 - 娱乐 - 体育 - 财经 - 汽车"]}, "body_looks_like_navigation"),
        ({"lines": ["登录超时，稍后再试", "免注册 手机号快速登录", SENTENCE * 3]}, "body_looks_like_login"),
        ({"title": "海洋经济"}, "title_differs_from_h1"),
        ({"lines": [SENTENCE, SENTENCE, SENTENCE * 2]}, "text_repeated"),
        ({"lines": [SENTENCE], "block": MainBlock(600, [])}, "body_shorter_than_main_block"),
        ({"lines": ["短"]}, "short_body"),
        ({"block_used": True}, "main_block_used"),
    ],
)
def test_each_flag(changes: dict[str, object], flag: str) -> None:
    assert flag in flags(**changes)
    assert flag in FLAGS


def test_a_logo_h1_is_no_headline_to_differ_from() -> None:
    assert "title_differs_from_h1" not in flags(h1="网易")
    assert "title_differs_from_h1" not in flags(title="海洋经济会议召开_青岛新闻网")


def test_prose_is_not_navigation_and_captions_repeat_little() -> None:
    assert not looks_like_navigation(LINES)
    assert repeated_share([*LINES, "图为会议现场"]) == 0


MENU_PAGE = (
    '<html lang="zh-CN"><head><meta charset="utf-8"><title>海洋经济会议召开</title></head><body>'
    '<div class="menu"><p>为您推荐 - 推荐 - 娱乐 - 体育 - 财经 - 汽车 - 科技</p></div>'
    '<div class="post_body">' + "".join(f"<p>{line}</p>" for line in LINES) + "</div></body></html>"
)


def test_the_main_block_is_the_paragraphs_with_most_text() -> None:
    tree = parse_html(MENU_PAGE)
    block = main_block(tree)
    assert block is not None and block.lines == LINES


def test_a_menu_body_gives_way_to_the_main_block() -> None:
    block = main_block(parse_html(MENU_PAGE))
    assert replace_fragment_body(["为您推荐 - 推荐 - 娱乐 - 体育 - 财经"], block) == LINES
    # A short body that reads as text stays: a brief notice beside a longer block is still the article.
    notice = [
        "市气象台今天下午发布大风蓝色预警，预计今夜到明天沿海风力七至八级，请市民注意防范，出行注意安全，远离广告牌和临时搭建物。"
    ]
    assert replace_fragment_body(notice, block) is None


def test_a_body_that_is_one_part_of_the_block_gives_way_to_the_whole_block() -> None:
    block = MainBlock(sum(len(x) for x in LINES) * 3, LINES * 3)
    assert replace_fragment_body([LINES[1]], block) == block.lines
    assert replace_fragment_body([LINES[1] + "另一篇文章的句子，不在正文块里。" * 3], block) is None


def test_latin_prose_is_not_navigation() -> None:
    assert not looks_like_navigation(
        ["Lorem ipsum dolor sit amet consectetur adipisicing elit sed do eiusmod"]
    )
    assert looks_like_navigation(["Home | News | Sport | Culture | Weather"])


def test_missing_lead_paragraphs_come_back_from_the_block() -> None:
    block = MainBlock(
        500,
        [
            "第一段导语，交代了新闻的背景。",
            "第二段导语，说明了事情的经过。",
            "“孤帆远影碧空尽。”",
            "正文继续。",
        ],
    )
    assert recover_lead(["“孤帆远影碧空尽。”", "正文继续。"], block)[:2] == block.lines[:2]
    assert recover_lead(["正文继续。"], block) == ["正文继续。"]  # a short first line is no anchor


def test_a_menu_page_is_stored_with_its_article_and_flagged() -> None:
    article = extract_page(MENU_PAGE.encode(), "https://example.cn/a.html")
    assert article.text.startswith(SENTENCE)
    assert "no_date" in article.extraction_flags


@pytest.mark.parametrize(
    "head",
    [
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": ["A", "B"],'
        ' "author": {"@type": "Person", "name": ["Ann Lee", "Bo Chen"]}, "datePublished": ["2021-03-12"],'
        ' "keywords": ["harbour", "council"]}</script>',
        '<script type="application/ld+json">{"@type": "NewsArticle", "author": [{"@type": "Person",'
        ' "name": {"@value": "Ann Lee"}}], "headline": {"text": "x"}}</script>',
        '<meta name="keywords" content="">',
    ],
)
def test_odd_metadata_is_never_an_exception(head: str) -> None:
    html = (
        f"<html><head><title>Harbour plan</title>{head}</head><body><article><h1>Harbour plan</h1>"
        + "<p>The council met on Tuesday to discuss the new harbour plan and its budget.</p>" * 8
        + "</article></body></html>"
    )
    try:
        article = extract_page(html.encode(), "https://example.org/news/harbour-plan")
    except NotAnArticle as exc:  # a per-page failure with a reason is allowed; any other exception is not
        assert exc.reason
    else:
        assert article.text


def test_an_unexpected_error_is_a_per_page_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    import pipelines.extract.extractor as extractor

    def broken(*args: object, **kwargs: object) -> object:
        raise AttributeError("'list' object has no attribute 'strip'")

    monkeypatch.setattr(extractor, "find_people", broken)
    with pytest.raises(ExtractionFailed, match="AttributeError: 'list' object has no attribute 'strip'"):
        extract_page(MENU_PAGE.encode(), "https://example.cn/a.html")


def test_every_flag_is_described_for_readers() -> None:
    from pathlib import Path

    import yaml

    tables = yaml.safe_load(
        (Path(__file__).resolve().parents[2] / "publish" / "tables.yml").read_text("utf-8")
    )
    described = tables["articles"]["columns"]["extraction_flags"]
    assert [name for name in FLAGS if name not in described] == []
