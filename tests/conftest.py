"""Fixtures shared by tests/unit and tests/e2e (the e2e-only ones are in tests/e2e/conftest.py). Tests never
touch the internet; those needing ../shared skip cleanly without it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlite_utils

from pipelines.archive.schema import ensure_db_shape
from pipelines.documents.records import build_record

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DIR = REPO_ROOT.parent / "shared"
USER_SEED = SHARED_DIR / "seeds" / "000_3badf844ec5c2e97.txt"


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT


@pytest.fixture
def user_seed() -> Path:
    if not USER_SEED.exists():
        pytest.skip(f"the user's seed is not here ({USER_SEED}); the shipped seeds cover the same quirks")
    return USER_SEED


@pytest.fixture
def db() -> Iterator[sqlite_utils.Database]:
    database = sqlite_utils.Database(memory=True)
    ensure_db_shape(database)
    yield database
    database.close()


RecordFactory = Callable[..., dict[str, Any]]


@pytest.fixture
def make_record() -> RecordFactory:
    """An article record as normalisation makes it, from a few plain fields."""

    def make(
        text: str = (
            "青岛市南区今天召开会议，部署海洋经济发展工作。会议要求各部门加快推进重点项目建设。"
            "\n与会人员表示，将把招商引资作为全年工作的重中之重。"
        ),
        *,
        url: str | None = "https://qingdao.example.com/news/1.html",
        path: str | None = None,
        source: str | None = "example",
        fetched_at: str = "2024-03-01T10:00:00+08:00",
        **fields: Any,
    ) -> dict[str, Any]:
        extracted = {"title": "青岛市南区部署海洋经济工作", "language": "zh", "text": text, **fields}
        return build_record(extracted, url=url, path=path, source=source, fetched_at=fetched_at)

    return make
