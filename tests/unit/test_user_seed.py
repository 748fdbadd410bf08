"""The user's own seed document comes out right, field by field; a shipped seed with the same quirks too.
Through the command line: tests/e2e/test_user_seed.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.documents import RawDocument, record_from_document
from tests.support.seed_expectations import SHIPPED, USER, Expected

REPO_ROOT = Path(__file__).resolve().parents[2]


def record_of(path: Path) -> dict:
    return record_from_document(
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
