"""The user's own seed document comes out right, field by field; a shipped seed with the same quirks too."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from pipelines.documents.raw import RawDocument, document_to_record

REPO_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Expected:
    title: str
    section: str
    published: str
    body_starts: str
    summary: str
    body_words: tuple[str, ...]
    reporters: tuple[str, ...]
    correspondent: str
    editor: str
    original_title: str


USER = Expected(
    title="向招商、棚改发起猛烈攻势青岛这两个区有大动作",
    section="青岛频道",
    published="2019-02-24T22:16:00+08:00",
    body_starts="市南区破除",
    summary="市南区破除“双招双引”最大堵点，专业“突击队”驻外精准招商。",
    body_words=("闫可凯", "十大攻势"),
    reporters=("王萌", "余瑞新"),
    correspondent="朱青秦",
    editor="王赵童",
    original_title="向招商、棚改发起猛烈攻势青岛市南、市北有大动作",
)
SHIPPED = Expected(
    title="抢项目、优服务开年即冲刺青岛这两个区拼劲十足",
    section="青岛频道",
    published="2019-03-11T21:48:00+08:00",
    body_starts="黄岛区重点项目",
    summary="黄岛区重点项目集中开工，“项目管家”全程代办审批手续。",
    body_words=("马立群", "揭榜挂帅"),
    reporters=("孙晓岚", "韩冬"),
    correspondent="刘玥",
    editor="周思远",
    original_title="开年即冲刺 青岛黄岛、崂山比拼项目与服务",
)


def record_of(path: Path) -> dict:
    return document_to_record(
        RawDocument(
            body=path.read_bytes(), name=path.name, path=path.name, fetched_at="2026-01-01T00:00:00+00:00"
        )
    )


@pytest.fixture(params=["user", "shipped"])
def case(request: pytest.FixtureRequest) -> tuple[dict, Expected]:
    if request.param == "user":
        # Skips (only this case) when ../shared is absent.
        return record_of(request.getfixturevalue("user_seed")), USER
    return record_of(REPO_ROOT / "seeds/frontmatter/001_qingdao_channel_style.txt"), SHIPPED


def test_title_without_the_channel_suffix(case) -> None:
    record, expected = case
    assert record["title"] == expected.title
    assert record["section"] == expected.section


def test_published_in_china_time_not_guessed_from_the_image_url(case) -> None:
    record, expected = case
    assert record["published"] == expected.published


def test_body_starts_right_states_the_summary_once_and_has_no_chrome(case) -> None:
    record, expected = case
    text = record["text"]
    assert text.startswith(expected.body_starts)
    assert text.count(expected.summary) == 1
    for word in expected.body_words:
        assert word in text
    for chrome in ("责任编辑", "标签：", "http://", "ifengimg", "原标题"):
        assert chrome not in text
    assert not text.rstrip().endswith("标签：")
    assert record["summary"].startswith(expected.summary)


def test_people_in_their_roles(case) -> None:
    record, expected = case
    for reporter in expected.reporters:
        assert reporter in record["authors"]
        assert {"name": reporter, "role": "reporter"} in record["contributors"]
    assert {"name": expected.correspondent, "role": "correspondent"} in record["contributors"]
    assert expected.correspondent not in record["authors"]
    assert record["editor"] == expected.editor
    assert record["original_title"] == expected.original_title


def test_images_kept_but_the_icon_is_no_lead_image_and_the_archiver_is_no_author(case) -> None:
    record, _ = case
    assert record["images"] == ["http://p2.ifengimg.com/a/2016/0810/204c433878d5cf9size1_w16_h16.png"]
    assert record["image"] is None
    assert record["archived_by"] == "wetech"
    assert "wetech" not in record["authors"]
    assert all(c["name"] != "wetech" for c in record["contributors"])


def test_user_seed_through_the_command_line(run_cli, user_seed: Path, tmp_path: Path) -> None:
    import sqlite_utils

    result = run_cli("ingest", str(user_seed), "--db", "a.db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (row,) = sqlite_utils.Database(tmp_path / "a.db")["articles"].rows
    assert (row["title"], row["section"], row["published"]) == (USER.title, USER.section, USER.published)
    assert row["editor"] == USER.editor and row["archived_by"] == "wetech"
