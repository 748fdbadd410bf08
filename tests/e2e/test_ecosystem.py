"""The archive with the tools users already have, each run as a user would: plain `datasette` (our plugins
from their entry points), `scrapy crawl seeds -O out.jsonl` (readable articles), `newsarchive status` through
a pipe (plain text, names whole), `--help` without the heavy imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import sqlite_utils

from tests.support.publish_fixtures import build_archive

HEAVY = ("scrapy", "twisted", "datasette", "trafilatura", "lxml", "apscheduler", "rich", "sqlite_utils")


def python(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=180, check=False
    )


def test_plain_datasette_loads_our_plugins_and_pages(tmp_path: Path, cli_env: dict[str, str]) -> None:
    db = tmp_path / "archive.db"
    build_archive(db)
    listed = python("-m", "datasette", "plugins", cwd=tmp_path, env=cli_env)
    assert listed.returncode == 0, listed.stderr
    names = {plugin["name"] for plugin in json.loads(listed.stdout)}
    assert "newsarchive" in names, listed.stdout

    def get(path: str) -> str:
        result = python("-m", "datasette", "serve", str(db), "--get", path, cwd=tmp_path, env=cli_env)
        assert result.returncode == 0, result.stderr
        return result.stdout

    health = json.loads(get("/-/crawl-health.json"))  # a route of archive_health
    assert [d["database"] for d in health["databases"]] == ["archive"]
    listing = get("/archive/articles?source=qingdao-news")  # the reader's list, from publish/templates
    assert 'class="archive-list"' in listing and "青岛市南区加快棚户区改造" in listing
    search = json.loads(get("/archive/articles.json?_search=市南区&_shape=array"))  # the bigram search
    assert len(search) == 2
    assert "What is in the archive" in get("/archive")
    assert get("/archive/articles.atom").startswith("<?xml")


def test_scrapy_feed_export_writes_readable_articles(
    repo_root: Path, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    out = tmp_path / "out.jsonl"
    result = python(
        "-m", "scrapy", "crawl", "seeds", "-a", f"path={repo_root / 'seeds'}", "-O", str(out),
        "-s", f"ARCHIVE_DB={tmp_path / 'a.db'}", "-s", "ARCHIVE_EXTRACT_WORKERS=0", "-s", "LOG_LEVEL=WARNING",
        cwd=repo_root, env=cli_env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "TypeError" not in result.stderr and "not JSON serializable" not in result.stderr, result.stderr
    items = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    stored = sqlite_utils.Database(tmp_path / "a.db")["articles"].count
    assert len(items) == stored > 0
    for item in items:
        assert item["outcome"] == "new" and isinstance(item["id"], int)
        assert item["title"] and item["text"] and isinstance(item["authors"], list)
        assert "body" not in item and "page" not in item


def test_status_through_a_pipe_is_plain_and_whole(tmp_path: Path, cli_env: dict[str, str]) -> None:
    db = sqlite_utils.Database(tmp_path / "a.db")
    long_key = "bandao-and-a-much-longer-name-than-any-narrow-column-would-show"
    build_archive(tmp_path / "a.db")
    db.table("sources").insert({"key": long_key, "name": "半岛网", "kind": "site"})
    db.close()
    # Exactly the README's crontab recipe runs it with stdout a pipe; COLUMNS unset, as under cron.
    env = {k: v for k, v in cli_env.items() if k != "COLUMNS"}
    result = subprocess.run(
        f"{sys.executable} -m crawler status --db a.db | cat",
        shell=True,
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    keys = {line.split()[0] for line in lines[1:-1]}
    assert {long_key, "qingdao-news", "dzwww", "evil-site"} <= keys, result.stdout
    assert "…" not in result.stdout and "│" not in result.stdout and "\x1b[" not in result.stdout


def test_help_imports_nothing_heavy(tmp_path: Path, cli_env: dict[str, str]) -> None:
    probe = (
        "import sys; from crawler.cli import cli; "
        "sys.argv = ['newsarchive', 'crawl', '--help']\n"
        "try:\n    cli(prog_name='newsarchive')\nexcept SystemExit:\n    pass\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(HEAVY)!r}))"
    )
    result = python("-c", probe, cwd=tmp_path, env=cli_env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]", result.stdout
    started = time.perf_counter()
    for command in ("--help", "crawl --help", "status --help", "serve --help", "reextract --help"):
        helped = python("-m", "crawler", *command.split(), cwd=tmp_path, env=cli_env)
        assert helped.returncode == 0 and "Usage:" in helped.stdout, helped.stderr
    assert (time.perf_counter() - started) / 5 < 1.5  # was 3-6 s each with every module imported


def test_ingest_files_unsourced_documents_under_the_given_source(
    repo_root: Path, tmp_path: Path, cli_env: dict[str, str]
) -> None:
    # A saved page without its sidecar: nothing names its source.
    (tmp_path / "docs").mkdir()
    saved = repo_root / "seeds" / "html" / "iqilu_laoshan_spring_tea.html"
    (tmp_path / "docs" / "page.html").write_bytes(saved.read_bytes())
    result = python(
        "-m", "crawler", "ingest", "docs", "--db", "a.db", "--source", "bandao", "--workers", "0",
        cwd=tmp_path, env={**cli_env, "COLUMNS": "200"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    db = sqlite_utils.Database(tmp_path / "a.db")
    assert [row["source"] for row in db["articles"].rows] == ["bandao"]
    assert os.path.exists(tmp_path / "a.db")


def test_serve_immutable_writes_nothing_and_still_searches(run_cli, tmp_path: Path) -> None:
    db = tmp_path / "x.db"
    build_archive(db)
    before, modified = db.read_bytes(), db.stat().st_mtime_ns
    result = run_cli("serve", "--immutable", "--db", "x.db", "--get", "/-/databases.json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (served,) = [d for d in json.loads(result.stdout) if d["name"] == "x"]
    assert served["is_mutable"] is False and served["hash"]
    query = "/x/articles.json?_search=市南区&_shape=array"
    result = run_cli("serve", "--immutable", "--db", "x.db", "--get", query, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 2
    assert db.read_bytes() == before and db.stat().st_mtime_ns == modified
    assert not (tmp_path / "x.db-wal").exists()
    missing = run_cli("serve", "--immutable", "--db", "nothing.db", cwd=tmp_path)
    assert missing.returncode == 3 and "nothing.db does not exist" in missing.stderr
