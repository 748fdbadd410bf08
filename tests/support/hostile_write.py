"""One article write in a process that kills itself (SIGKILL) at its Nth SQL statement, for the atomicity
test (tests/e2e/test_hostile_writes.py): ``python -m tests.support.hostile_write DB SCENARIO N``.

SQLite calls the trace callback as each statement starts, so the kill lands between two statements of the
real write path (``pipelines.saving.ArticleSaver.save``, with its captures row), as a crash or ``kill -9``
would. N = 0 runs the write to the end and prints its statements (``kill_points`` picks those to kill at). Also imported by the test
for the records and the archive's comparable state.
"""

from __future__ import annotations

import os
import signal
import sys
from typing import Any

import sqlite_utils

from pipelines.archive.schema import FTS_TABLE, open_archive
from pipelines.archive.store import save_capture
from pipelines.documents.records import build_record
from pipelines.saving import ArticleSaver

URL_A = "https://qingdao.example.com/news/1.html"
URL_B = "https://qingdao.example.com/news/2.html"
TEXT = "青岛市南区今天召开会议，部署海洋经济发展工作。会议要求各部门加快推进重点项目建设。\n与会人员表示，将全力以赴。"
CHANGED = "青岛市北区今天召开会议，部署地铁建设工作。会议要求各部门加快推进重点项目建设。\n与会人员表示，将按期完工。"
OTHER = (
    "崂山区今天发布旅游数据，景区预约人数再创新高。有关负责人介绍，今年将新增三条旅游线路。\n游客表示满意。"
)
SCENARIOS = ("new", "update")


def record(url: str, text: str, title: str) -> dict[str, Any]:
    extracted = {"title": title, "language": "zh", "text": text}
    return build_record(
        extracted, url=url, path=None, source="example", fetched_at="2024-03-01T10:00:00+08:00"
    )


def base_record() -> dict[str, Any]:
    """What the archive holds before each write: article A."""
    return record(URL_A, TEXT, "市南区部署海洋经济工作")


def scenario_record(scenario: str) -> dict[str, Any]:
    if scenario == "new":
        return record(URL_B + "?from=share", OTHER, "崂山旅游再创新高")  # a second key: the URL as given
    return record(URL_A, CHANGED, "市北区部署地铁建设工作")  # A changed: a new version


def opened_saver(db: sqlite_utils.Database) -> ArticleSaver:
    saver = ArticleSaver(db, batch=1)  # batch 1: a new article's clustering runs in this write too
    saver.open()  # clusters what a killed write left unclustered
    return saver


def write(db: sqlite_utils.Database, saver: ArticleSaver, scenario: str) -> None:
    """The write under test: a captures row and the article through the one saving path."""

    def capture() -> int:
        return save_capture(db, {"url": URL_A, "fetched_at": "2024-03-01T10:00:00+08:00", "status": 200})

    saver.save(scenario_record(scenario), capture_id=capture)
    saver.close()


def state(db: sqlite_utils.Database) -> dict[str, Any]:
    """The archive as a reader sees it, without clocks: article rows, keys, versions, search index,
    captures."""
    return {
        "articles": sorted(
            tuple(row)
            for row in db.execute(
                "select id, url, title, text, version, capture_id is not null from articles"
            )
        ),
        "keys": sorted(tuple(row) for row in db.execute("select key, article_id from article_keys")),
        "versions": sorted(
            tuple(row) for row in db.execute("select article_id, version, text from article_versions")
        ),
        "fts": sorted(tuple(row) for row in db.execute(f"select rowid, title, text from [{FTS_TABLE}]")),
        "captures": db.execute("select count(*) from captures").fetchone()[0],
    }


def main(path: str, scenario: str, kill_at: int) -> None:
    db = open_archive(path)
    saver = opened_saver(db)
    statements: list[str] = []

    def trace(statement: str) -> None:
        statements.append(" ".join(statement.split()))
        if len(statements) == kill_at:
            os.kill(os.getpid(), signal.SIGKILL)

    db.conn.set_trace_callback(trace)
    write(db, saver, scenario)
    db.conn.set_trace_callback(None)
    db.close()
    print("\n".join(statements))  # the write's statements, one a line


_WRITES = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE", "INSERT", "UPDATE", "DELETE", "REPLACE")


def kill_points(statements: list[str]) -> list[int]:
    """The statements (1-based) worth a kill: every write, transaction statement and statement SQLite runs
    inside one (FTS5's own, traced as ``-- ...``: a kill in the middle of a statement), but of a run of the
    same statement (the LSH index's rows) only the first and the last; a kill at a read leaves what a kill
    at the next write leaves."""
    points = []
    for number, statement in enumerate(statements, start=1):
        words = statement.split(None, 1)
        if not words or not (statement.startswith("--") or words[0].upper() in _WRITES):
            continue
        same = statement[:40]
        before = statements[number - 2][:40] if number > 1 else None
        after = statements[number][:40] if number < len(statements) else None
        if before == same == after:
            continue
        points.append(number)
    return points


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
