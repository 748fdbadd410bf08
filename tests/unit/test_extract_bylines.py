"""Chinese bylines: roles parsed, credits removed, prose left alone."""

from __future__ import annotations

import pytest

from pipelines.extract.bylines import strip_byline


def people(credits: object) -> list[tuple[str, str]]:
    return [(c["name"], c["role"]) for c in credits.contributors]  # type: ignore[attr-defined]


def test_trailing_parenthesis_with_several_roles_and_names() -> None:
    text, credits = strip_byline("下一步，市南区将继续引进人才。(记者 王萌 通讯员 朱青秦 雪莹)")
    assert text == "下一步，市南区将继续引进人才。"
    assert people(credits) == [("王萌", "reporter"), ("朱青秦", "correspondent"), ("雪莹", "correspondent")]


def test_full_width_brackets_whole_line() -> None:
    text, credits = strip_byline("（记者 余瑞新 通讯员 逄祎萍）")
    assert text == ""
    assert people(credits) == [("余瑞新", "reporter"), ("逄祎萍", "correspondent")]


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("[责任编辑：王赵童]", [("王赵童", "editor")]),
        ("责任编辑：李四", [("李四", "editor")]),
        ("文/张三", [("张三", "author")]),
        ("作者：张三", [("张三", "author")]),
        ("图/李四", [("李四", "photographer")]),
        ("摄影：王五", [("王五", "photographer")]),
        ("张三 摄", [("张三", "photographer")]),
        ("编辑：李四 审核：王五", [("李四", "editor"), ("王五", "chief_editor")]),
        ("编译：赵六", [("赵六", "translator")]),
    ],
)
def test_whole_line_credits(line: str, expected: list[tuple[str, str]]) -> None:
    text, credits = strip_byline(line)
    assert text == ""
    assert people(credits) == expected


def test_source_outlet() -> None:
    text, credits = strip_byline("来源：青岛日报")
    assert text == "" and credits is not None and credits.source_outlet == "青岛日报"


def test_benbaoxun_prefix_removed() -> None:
    text, credits = strip_byline("本报讯（记者 王萌）昨天，市南区召开会议。")
    assert text == "昨天，市南区召开会议。"
    assert people(credits) == [("王萌", "reporter")]


def test_dateline_kept() -> None:
    text, credits = strip_byline("新华社北京5月9日电（记者 张三、李四）国家主席9日会见来访客人。")
    assert text.startswith("新华社北京5月9日电") and "记者" not in text
    assert people(credits) == [("张三", "reporter"), ("李四", "reporter")]


@pytest.mark.parametrize(
    "prose",
    [
        "记者了解到，为了确保任务压实落实，市北区还建立了项目联系人制度。",
        "市南区：",
        "文化是城市的灵魂",
        "图为会议现场。",
        "作为建成区，可开发土地达到上限是最大痛点（记者注：截至去年底）。",
    ],
)
def test_prose_untouched(prose: str) -> None:
    assert strip_byline(prose) == (prose, None)


def test_agency_is_not_a_person() -> None:
    _, credits = strip_byline("图/新华社")
    assert credits is None or people(credits) == []


def test_affiliation_before_role_word() -> None:
    text, credits = strip_byline("中青报·中青网记者 魏其濛 来源：中国青年报")
    assert text == ""
    assert people(credits) == [("魏其濛", "reporter")]
    assert credits is not None and credits.source_outlet == "中国青年报"


def test_commentator_with_vertical_bar() -> None:
    text, credits = strip_byline("文丨本报特约评论员 韩涵")
    assert text == "" and people(credits) == [("韩涵", "author")]


def test_bare_names_after_dateline_are_reporters() -> None:
    text, credits = strip_byline("新华社北京5月19日电（刘艺、杨吉）专家19日介绍了项目进展。")
    assert text == "新华社北京5月19日电 专家19日介绍了项目进展。"
    assert people(credits) == [("刘艺", "reporter"), ("杨吉", "reporter")]


def test_trailing_source_note_removed() -> None:
    text, credits = strip_byline("天津某公司董事会 2005年8月25日（来源：上海证券报）")
    assert text == "天津某公司董事会 2005年8月25日"
    assert credits is not None and credits.source_outlet == "上海证券报"


def test_bare_names_in_prose_parenthesis_untouched() -> None:
    line = "会议由市长主持（左一为张三）。"
    assert strip_byline(line) == (line, None)
