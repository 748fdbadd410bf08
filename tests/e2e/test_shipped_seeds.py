"""`seeds/` builds a small real archive: every document stored, every encoding decoded, no mojibake."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlite_utils

# file -> (title without suffix, charset the bytes were decoded with or None for front matter)
EXPECTED = {
    "frontmatter/001_qingdao_channel_style.txt": ("抢项目、优服务开年即冲刺青岛这两个区拼劲十足", None),
    "frontmatter/002_metro_line8_opening.md": ("地铁8号线北段今日开通 胶州北站至青岛北站最快30分钟", None),
    "frontmatter/007_fishing_season_opens.txt": ("黄海伏季休渔今日结束 沙子口渔港千帆待发迎开海", None),
    "html/dzwww_qingdao_ocean_economy_gb2312.html": ("前5个月青岛重点海洋产业增加值同比增长15.2%", "gb18030"),
    "html/qingdaonews_shibei_schools_gbk_header_only.html": (
        "市北区今秋新启用3所中小学 新增学位4200个",
        "gb18030",
    ),
    "html/xihaian_dongjiakou_routes_gbk_undeclared.html": (
        "董家口港区新开两条外贸航线 直达东南亚和中东",
        "gb18030",
    ),
    "html/shibei_gov_business_environment_utf8_declared_gb2312.html": (
        "市北区召开2023年优化营商环境工作推进会",
        "utf-8",
    ),
    "html/ifeng_qd_jiaozhouwan_bridge.html": ("胶州湾大桥迎来集中养护 部分车道夜间封闭施工", "utf-8"),
    "html/english_qingdao_sailing_week.html": (
        "Qingdao sailing week draws 600 sailors to Olympic venue",
        "utf-8",
    ),
}
MOJIBAKE = ("\ufffd", "Ã", "â€", "锟斤拷", "ï¿½")


@pytest.fixture(scope="module")
def shipped_archive(tmp_path_factory: pytest.TempPathFactory) -> sqlite_utils.Database:
    import os
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[2]
    out = tmp_path_factory.mktemp("shipped")
    result = subprocess.run(
        [sys.executable, "-m", "crawler", "ingest", str(repo / "seeds"), "--db", str(out / "a.db")],
        cwd=repo,
        env={**os.environ, "PYTHONPATH": str(repo)},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    n = len(list((repo / "seeds").rglob("*.txt"))) + len(list((repo / "seeds").rglob("*.md"))) - 1
    n += len(list((repo / "seeds").rglob("*.html")))
    assert (
        f"{n} files read: {n} stored ({n} new, 0 updated), 0 unchanged, 0 duplicates, 0 failed"
        in result.stdout
    )
    return sqlite_utils.Database(out / "a.db")


def by_file(db: sqlite_utils.Database, name: str) -> dict:
    (row,) = db.query(
        "select a.* from articles a join article_keys k on k.article_id = a.id where k.key like ?",
        ["file:%seeds/" + name],
    )
    return row


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_seed_is_stored_with_its_title_and_decoded_right(shipped_archive, name: str) -> None:
    title, charset = EXPECTED[name]
    row = by_file(shipped_archive, name)
    assert row["title"] == title
    if charset:
        assert row["encoding"] == charset


def test_no_mojibake_anywhere(shipped_archive) -> None:
    for row in shipped_archive["articles"].rows:
        for field in ("title", "text", "summary", "authors", "editor", "source_outlet"):
            value = row[field] or ""
            assert not any(bad in value for bad in MOJIBAKE), (row["title"], field)


def test_the_archive_holds_chinese_and_english_from_several_sources(shipped_archive) -> None:
    languages = {r["language"] for r in shipped_archive.query("select distinct language from articles")}
    assert {"zh", "en"} <= languages
    assert shipped_archive.execute("select count(distinct source) from articles").fetchone()[0] >= 6
    assert all(r["published"] for r in shipped_archive["articles"].rows)


def test_the_repost_is_kept_as_its_own_article(shipped_archive) -> None:
    original = by_file(shipped_archive, "frontmatter/002_metro_line8_opening.md")
    repost = by_file(shipped_archive, "html/sina_repost_metro_line8.html")
    assert original["id"] != repost["id"]
    assert repost["original_title"] == original["title"]
