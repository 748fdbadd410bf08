"""Searching the archive from the shell exactly as the README says (issue 15): the README's sqlite-utils
command, run on an archive of the shipped seeds, finds the article; sqlite-utils' own FTS commands no
longer fail on an archive."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the virtualenv's scripts: newsarchive's Python has sqlite-utils beside it


def readme_command() -> str:
    """The indented shell command of the README's paragraph on searching the archive from the shell."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    start = readme.index("      sqlite-utils query archive.db --functions")
    lines = []
    for line in readme[start:].splitlines():
        if not line.startswith("      "):
            break
        lines.append(line.strip())
    return "\n".join(lines)


def shell(command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.fixture
def seeds_archive(run_cli, tmp_path: Path) -> Path:
    result = run_cli("ingest", str(REPO_ROOT / "seeds"), "--db", "archive.db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return tmp_path


def test_the_readme_shell_search_finds_the_article(seeds_archive: Path) -> None:
    command = readme_command()
    assert "-p q 崂山风景区" in command
    result = shell(command, seeds_archive)
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout)
    assert found and found[0]["title"].startswith("崂山风景区暑期旅游升温")  # ranked first: in its title


def test_sqlite_utils_fts_commands_work_on_an_archive(seeds_archive: Path) -> None:
    plain = shell("sqlite-utils search archive.db articles 青岛", seeds_archive)
    # Nothing claims to be the articles table's own index any more: sqlite-utils says so, plainly.
    assert plain.returncode != 0 and "not configured for full-text search" in plain.stderr
    made = shell(
        "sqlite-utils enable-fts archive.db articles title text && sqlite-utils rebuild-fts archive.db articles"
        " && sqlite-utils search archive.db articles Qingdao",
        seeds_archive,
    )
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)  # the English seed
