"""WARC helpers shared by the unit and end-to-end tests."""

from __future__ import annotations

import shutil
from pathlib import Path

from warcio.checker import Checker

REPO = Path(__file__).resolve().parents[2]


class _Args:
    def __init__(self, inputs: list[str]) -> None:
        self.inputs, self.verbose = inputs, False


def warcio_check(paths: list[Path]) -> int:
    """warcio's own checker (what ``warcio check`` runs): 0 when every record and digest is valid."""
    return int(Checker(_Args([str(p) for p in paths])).process_all())


def ingest_shipped_seeds(workdir: Path) -> None:
    """``newsarchive ingest`` of a copy of seeds/ into ``workdir/a.db`` (a subprocess: e2e tests only)."""
    from bench.warc import newsarchive

    shutil.copytree(REPO / "seeds", workdir / "seeds")
    result = newsarchive(workdir, "ingest", "seeds", "--db", "a.db", "--workers", "0")
    assert " 0 failed" in result.stdout, result.stdout + result.stderr
