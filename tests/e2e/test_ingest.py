"""`newsarchive ingest` end to end: counts, re-runs, changed files, duplicates, and bad input."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

GOOD = {
    "port.txt": """---
title: 青岛港集装箱吞吐量创新高_青岛频道
author: wetech
date: 2023-01-10 09:00
---
青岛港去年完成集装箱吞吐量两千五百多万标准箱，同比增长百分之八以上，创历史新高。
港口负责人介绍，今年将继续拓展航线网络，加快自动化码头建设，提升服务效率。
(记者 高峰)
""",
    "metro.txt": """---
title: 地铁6号线一期开通运营
author: wetech
date: 2023-12-26 12:00
---
地铁6号线一期工程今天正式开通运营，线路全长三十公里，设站二十一座，串联西海岸新区多个片区。
市民纷纷前来体验，不少人表示通勤时间大大缩短，出行更加便捷。
""",
}
BAD = {
    "broken.txt": "---\ntitle: 缺少结束标记\n正文\n",
    "baddate.txt": "---\ntitle: 日期错误\ndate: 2023-13-45 99:99\n---\n正文内容。\n",
    "junk.txt": bytes(range(256)).decode("latin-1"),
    "empty.txt": "",
}
GBK_UNDECLARED = ("gbk.txt", GOOD["port.txt"].replace("青岛港", "烟台港"))


@pytest.fixture
def seed_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "seeds"
    folder.mkdir()
    for name, text in GOOD.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def articles(db_path: Path) -> list[dict]:
    return list(sqlite_utils.Database(db_path)["articles"].rows)


def last_run(db_path: Path) -> dict:
    return next(sqlite_utils.Database(db_path).query("select * from crawl_runs order by id desc limit 1"))


def test_ingest_twice_stores_nothing_twice_and_a_changed_file_updates(run_cli, seed_dir: Path) -> None:
    cwd = seed_dir.parent
    first = run_cli("ingest", "seeds", "--db", "a.db", cwd=cwd)
    assert first.returncode == 0, first.stderr
    assert "2 files read: 2 stored (2 new, 0 updated), 0 unchanged, 0 duplicates, 0 failed" in first.stdout
    assert len(articles(cwd / "a.db")) == 2

    second = run_cli("ingest", "seeds", "--db", "a.db", cwd=cwd)
    assert "2 files read: 0 stored (0 new, 0 updated), 2 unchanged" in second.stdout
    assert len(articles(cwd / "a.db")) == 2

    port = seed_dir / "port.txt"
    port.write_text(port.read_text(encoding="utf-8").replace("百分之八", "百分之九"), encoding="utf-8")
    third = run_cli("ingest", "seeds", "--db", "a.db", cwd=cwd)
    assert "1 stored (0 new, 1 updated), 1 unchanged" in third.stdout
    (updated,) = [a for a in articles(cwd / "a.db") if "港" in a["title"]]
    assert "百分之九" in updated["text"] and updated["version"] == 2
    (old,) = sqlite_utils.Database(cwd / "a.db")["article_versions"].rows
    assert "百分之八" in old["text"]
    run = last_run(cwd / "a.db")
    assert (run["kind"], run["status"], run["inputs"], run["updated"], run["unchanged"]) == (
        "ingest",
        "finished",
        2,
        1,
        1,
    )


def test_exact_copy_under_another_name_is_a_duplicate(run_cli, seed_dir: Path) -> None:
    shutil.copy(seed_dir / "port.txt", seed_dir / "port-copy.txt")
    result = run_cli("ingest", "seeds", "--db", "a.db", cwd=seed_dir.parent)
    assert "3 files read: 2 stored (2 new, 0 updated), 0 unchanged, 1 duplicate, 0 failed" in result.stdout
    assert last_run(seed_dir.parent / "a.db")["duplicates"] == 1


def test_bad_input_fails_clearly_and_everything_else_is_stored(run_cli, seed_dir: Path) -> None:
    cwd = seed_dir.parent
    assert run_cli("ingest", "seeds", "--db", "a.db", cwd=cwd).returncode == 0
    before = {a["id"]: a for a in articles(cwd / "a.db")}

    for name, text in BAD.items():
        (seed_dir / name).write_text(text, encoding="utf-8" if name != "junk.txt" else "latin-1")
    name, text = GBK_UNDECLARED
    (seed_dir / name).write_bytes(text.encode("gbk"))
    # A stored article's file turned into junk must not alter what is stored.
    (seed_dir / "metro.txt").write_bytes(b"\x00\x01\x02" * 100)
    result = run_cli("ingest", "seeds", "missing-folder", "--db", "a.db", cwd=cwd)

    assert result.returncode == 1
    failed_lines = [line for line in result.stderr.splitlines() if line.startswith("failed: ")]
    expected = {
        "seeds/broken.txt": "no closing '---'",
        "seeds/baddate.txt": "unparseable date '2023-13-45 99:99'",
        "seeds/junk.txt": "binary data",
        "seeds/empty.txt": "empty file",
        "seeds/gbk.txt": "looks like GBK/GB18030",
        "seeds/metro.txt": "binary data",
        "missing-folder": "no such file or folder",
    }
    assert len(failed_lines) == len(expected), result.stderr
    for input_name, reason in expected.items():
        assert any(line.startswith(f"failed: {input_name}: ") and reason in line for line in failed_lines), (
            input_name,
            result.stderr,
        )
    assert "8 files read: 0 stored (0 new, 0 updated), 1 unchanged, 0 duplicates, 7 failed" in result.stdout
    after = {a["id"]: a for a in articles(cwd / "a.db")}
    assert after.keys() == before.keys()
    for article_id, row in before.items():
        # Only the fetch time of the file that was read again unchanged may move.
        assert {**after[article_id], "fetched_at": None} == {**row, "fetched_at": None}
    run = last_run(cwd / "a.db")
    assert run["failed"] == 7
    errors = list(
        sqlite_utils.Database(cwd / "a.db").query(
            "select input, reason from crawl_errors where run_id = ?", [run["id"]]
        )
    )
    assert {e["input"] for e in errors} == set(expected)


def test_saved_page_with_sidecar_keeps_its_url_and_fetch_time(run_cli, tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_bytes(
        (
            '<html><head><meta charset="gb2312"><title>市北区启动老旧小区改造_青岛新闻网</title></head><body>'
            "<h1>市北区启动老旧小区改造</h1><div class='article'>"
            "<p>市北区今年将改造老旧小区六十个，惠及居民两万余户，改造内容包括管网更新、加装电梯和增设停车位。</p>"
            "<p>区住房城乡建设局表示，改造将充分征求居民意见，做到一区一策，确保年底前全部完工。</p>"
            "</div></body></html>"
        ).encode("gbk")
    )
    (tmp_path / "page.html.json").write_text(
        json.dumps(
            {
                "url": "https://news.example.cn/a/1.html",
                "fetched_at": "2024-03-01T10:00:00+08:00",
                "source": "example-news",
            }
        ),
        encoding="utf-8",
    )
    result = run_cli("ingest", "page.html", "--db", "a.db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (row,) = articles(tmp_path / "a.db")
    assert row["url"] == "https://news.example.cn/a/1.html"
    assert row["fetched_at"] == "2024-03-01T10:00:00+08:00"
    assert row["source"] == "example-news"
    assert row["title"] == "市北区启动老旧小区改造"
    assert row["site_name"] == "青岛新闻网"


def test_scrapy_crawl_seeds_does_the_same_as_ingest(repo_root: Path, seed_dir: Path, tmp_path: Path) -> None:
    db_path = tmp_path / "scrapy.db"
    env = {**os.environ, "PYTHONPATH": str(repo_root)}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "scrapy",
            "crawl",
            "seeds",
            "-a",
            f"path={seed_dir}",
            "-s",
            f"ARCHIVE_DB={db_path}",
            "-s",
            "LOG_LEVEL=WARNING",
        ],
        cwd=repo_root,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert sorted(a["title"] for a in articles(db_path)) == [
        "地铁6号线一期开通运营",
        "青岛港集装箱吞吐量创新高",
    ]
    assert last_run(db_path)["new"] == 2


def test_help_shows_an_example(run_cli, tmp_path: Path) -> None:
    result = run_cli("ingest", "--help", cwd=tmp_path)
    assert "newsarchive ingest seeds/ --db archive.db" in result.stdout


def test_progress_bar_on_a_terminal(run_cli, seed_dir: Path) -> None:
    import re

    # rich treats standard error as an interactive terminal when told so, as it is for a user at a shell.
    terminal = {"TTY_COMPATIBLE": "1", "TTY_INTERACTIVE": "1", "NO_COLOR": "1"}
    result = run_cli("ingest", "seeds", "--db", "a.db", cwd=seed_dir.parent, env=terminal)
    screen = re.sub(r"\x1b\[[0-9;?]*[a-zA-Z]", "", result.stderr.replace("\r", "\n"))
    assert re.search(r"reading .* 2/2", screen), screen
    quiet = run_cli("ingest", "seeds", "--db", "b.db", "--no-progress", cwd=seed_dir.parent, env=terminal)
    assert "reading" not in quiet.stderr


def test_declared_sources_are_recorded_with_their_region(run_cli, seed_dir: Path) -> None:
    (seed_dir / "port.txt").write_text(
        GOOD["port.txt"].replace("author: wetech", "author: wetech\nsource: qd-port"), encoding="utf-8"
    )
    (seed_dir.parent / "sources.toml").write_text(
        '[sources.qd-port]\nname = "青岛港新闻"\nregion = "青岛"\nstart_urls = ["https://port.example.cn/"]\n',
        encoding="utf-8",
    )
    assert run_cli("ingest", "seeds", "--db", "a.db", cwd=seed_dir.parent).returncode == 0
    db = sqlite_utils.Database(seed_dir.parent / "a.db")
    assert db["sources"].get("qd-port")["name"] == "青岛港新闻"
    regions = {row["source"]: row["region"] for row in db.query("select source, region from articles")}
    assert regions == {"qd-port": "青岛", "seeds": None}
