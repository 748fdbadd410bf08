"""The user's own seed document through the command line (``newsarchive ingest``). Field by field, in-process:
tests/unit/test_user_seed.py."""

from __future__ import annotations

from pathlib import Path

from tests.support.seed_expectations import USER


def test_user_seed_through_the_command_line(run_cli, user_seed: Path, tmp_path: Path) -> None:
    import sqlite_utils

    result = run_cli("ingest", str(user_seed), "--db", "a.db", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (row,) = sqlite_utils.Database(tmp_path / "a.db")["articles"].rows
    assert (row["title"], row["section"], row["published"]) == (USER.title, USER.section, USER.published)
    assert row["editor"] == USER.editor and row["archived_by"] == "wetech"
