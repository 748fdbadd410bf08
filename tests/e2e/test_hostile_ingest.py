"""``newsarchive ingest`` over hostile files: each ends as one named, counted failure, quickly, and the
good document beside them is stored. A YAML alias bomb once took a worker to 2.8 GB and counted nothing, a
FIFO hung the run, a link to /dev/zero was read without end and a link to /etc/passwd was archived."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import time
from pathlib import Path

import sqlite_utils

from tests.support.hostile_inputs import BOMB, MARKUP_SIZES, SPECIAL_FILES, document_corpus, markup_title

REPO_ROOT = Path(__file__).resolve().parents[2]
GOOD = REPO_ROOT / "seeds" / "frontmatter" / "002_metro_line8_opening.md"
PAGE = "<html><head><title>青岛地铁8号线开通</title></head><body><p>青岛地铁8号线今天开通运营。</p></body></html>"


def test_hostile_files_are_named_counted_failures(run_cli, tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy(GOOD, folder / "good.md")
    (folder / "bomb.md").write_text(f"---\ntitle: 炸弹\n{BOMB}---\n<p>正文</p>\n", encoding="utf-8")
    os.mkfifo(folder / "fifo.html")
    (folder / "zero.html").symlink_to("/dev/zero")
    (folder / "passwd.html").symlink_to("/etc/passwd")
    (folder / "fileurl.html").write_text(PAGE, encoding="utf-8")
    (folder / "fileurl.html.json").write_text(json.dumps({"url": "file:///etc/passwd"}), encoding="utf-8")
    (folder / "zone.html").write_text(PAGE, encoding="utf-8")
    (folder / "zone.html.json").write_text(json.dumps({"timezone": "../../etc/passwd"}), encoding="utf-8")

    started = time.monotonic()
    result = run_cli("ingest", "in", "--db", "a.db", "--workers", "1", cwd=tmp_path, timeout=120)
    took = time.monotonic() - started

    expected = {
        "in/bomb.md": "broken front matter: aliases expand it past 10000 values",
        "in/fifo.html": "not a regular file (a FIFO)",
        "in/zero.html": "not a regular file (a device)",
        "in/passwd.html": "a symbolic link out of in, not followed",
        "in/fileurl.html.json": "url must be an http(s) URL, not 'file:///etc/passwd'",
        "in/zone.html.json": "timezone is not a known time zone: '../../etc/passwd'",
    }
    failed = [line for line in result.stderr.splitlines() if line.startswith("failed: ")]
    assert sorted(failed) == sorted(f"failed: {name}: {reason}" for name, reason in expected.items()), (
        result.stderr
    )
    assert result.returncode != 0
    assert "1 stored (1 new" in result.stdout, result.stdout
    assert f"{len(expected)} failed" in result.stdout, result.stdout
    assert took < 60

    db = sqlite_utils.Database(tmp_path / "a.db")
    assert db["articles"].count == 1
    assert not any("root:" in (row["text"] or "") for row in db["articles"].rows)
    paths = [row["path"] or "" for row in db["captures"].rows]
    assert not any(name in path for path in paths for name in ("passwd", "zero", "fifo")), paths
    run = next(db.query("select * from crawl_runs order by id desc limit 1"))
    assert run["failed"] == len(expected)


SUMMARY = re.compile(
    r"(\d+) files? read: (\d+) stored \((\d+) new, (\d+) updated\), (\d+) unchanged, (\d+) duplicates?, (\d+) failed"
)


def test_a_corpus_of_bad_documents_ends_in_named_failures_or_stores(run_cli, tmp_path: Path) -> None:
    """Every input of the corpus is accounted for once (stored, a duplicate, or one named failure line),
    the counts add up, nothing hangs and nothing is stored as replacement characters."""
    folder = tmp_path / "in"
    folder.mkdir()
    corpus = document_corpus()
    for name, data in corpus.items():
        (folder / name).write_bytes(data)
    os.mkfifo(folder / "fifo.html")
    (folder / "zero.html").symlink_to("/dev/zero")
    (folder / "passwd.html").symlink_to("/etc/passwd")
    documents = sorted(n for n in [*corpus, *SPECIAL_FILES] if not n.endswith(".json"))

    started = time.monotonic()
    result = run_cli("ingest", "in", "--db", "a.db", "--workers", "2", cwd=tmp_path, timeout=300)
    took = time.monotonic() - started

    summary = SUMMARY.search(result.stdout)
    assert summary, result.stdout + result.stderr
    read, stored, new, _updated, unchanged, duplicates, failed = map(int, summary.groups())
    assert read == len(documents) and stored + unchanged + duplicates + failed == read, result.stdout
    lines = [line for line in result.stderr.splitlines() if line.startswith("failed: ")]
    assert len(lines) == failed, result.stderr
    failed_names = set()
    for line in lines:
        name = line.removeprefix("failed: ").split(": ", 1)[0].removeprefix("in/").removesuffix(".json")
        name = re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m[1], 16)), name)  # written escaped
        assert name in documents, line
        failed_names.add(name)
    assert len(failed_names) == failed  # one line per input

    db = sqlite_utils.Database(tmp_path / "a.db")
    rows = list(db.query("select id, title, text from articles"))
    assert len(rows) == new
    for row in rows:
        assert "\ufffd" not in row["title"] + row["text"], row
    # Markup that took seconds to minutes of CPU before pipelines.extract.sanitize: each page stored.
    titles = {row["title"] for row in rows}
    assert {markup_title(name) for name in MARKUP_SIZES} <= titles, sorted(titles)
    for sure in (
        "yaml-bomb.md",
        "yaml-recursive.md",
        "tz-path.md",
        "sidecar-file-url.html",
        "sidecar-bad-zone.html",
    ):
        assert sure in failed_names, result.stderr
    assert {"fifo.html", "zero.html", "passwd.html", "empty.txt", "nul.html", "junk.txt"} <= failed_names
    assert "failed: in/bad\\x0aname\\x1b[2J.txt: empty file" in lines
    print(
        f"corpus: {len(documents)} inputs in {took:.1f} s: {new} stored, {duplicates} duplicates, {failed} failed"
    )
    assert took < 240


def _captures(db_path: Path) -> int:
    import sqlite3

    try:
        with contextlib.closing(sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)) as db:
            return int(db.execute("select count(*) from captures").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_a_killed_ingest_run_again_archives_no_file_twice(tmp_path: Path) -> None:
    """Issue 14: every re-run of a killed ingest archived every file again (2,934 captures for 400 files).
    A file archived before with the same bytes (and the same sidecar) keeps its capture; a changed file or
    sidecar is archived again."""
    import signal
    import subprocess
    import sys

    from tests.support.hostile_inputs import page

    folder = tmp_path / "in"
    folder.mkdir()
    count = 150
    for i in range(count):
        extra = f"<p>第{i}号通知：青岛市第{i}次会议部署了第{i}项工作，要求在{i}日内完成。</p>"
        (folder / f"{i:03d}.html").write_text(page(f"青岛第{i}号通知", extra), encoding="utf-8")
        if i % 10 == 0:
            sidecar = {"url": f"https://news.example.com/{i}.html"}
            (folder / f"{i:03d}.html.json").write_text(json.dumps(sidecar), encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "crawler", "ingest", "in", "--db", "a.db", "--workers", "1"]

    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while process.poll() is None and _captures(tmp_path / "a.db") < 20 and time.monotonic() < deadline:
        time.sleep(0.05)
    process.kill()
    process.communicate()
    assert process.returncode == -signal.SIGKILL, "the ingest ended before it could be killed"
    archived_before = _captures(tmp_path / "a.db")
    assert 0 < archived_before < count

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)

    first = run()
    assert first.returncode == 0, first.stderr
    db = sqlite_utils.Database(tmp_path / "a.db")
    rows = list(db.query("select url, count(*) n from captures group by url"))
    assert len(rows) == count and all(row["n"] == 1 for row in rows), [r for r in rows if r["n"] > 1]
    assert db["articles"].count == count

    again = run()
    assert again.returncode == 0, again.stderr
    assert f"{count} files read: 0 stored (0 new, 0 updated), {count} unchanged" in again.stdout, again.stdout
    assert db["captures"].count == count  # nothing archived again

    # A changed file, and a changed sidecar, are new captures; the rest stay as they were.
    (folder / "001.html").write_text(page("青岛第1号通知（更正）", "<p>更正后的第1号通知全文。</p>"), "utf-8")
    (folder / "010.html.json").write_text(json.dumps({"url": "https://news.example.com/ten.html"}), "utf-8")
    changed = run()
    assert changed.returncode == 0, changed.stderr
    assert db["captures"].count == count + 2
    assert {
        row["url"]
        for row in db.query("select url from captures where id > (select max(id) - 2 from captures)")
    } == {
        "file:in/001.html",
        "file:in/010.html",
    }
