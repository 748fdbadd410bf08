"""`newsarchive serve`: Datasette with publish/'s configuration; extra options go to `datasette serve`."""

from __future__ import annotations

import json
from pathlib import Path

from pipelines.archive.schema import open_archive
from pipelines.archive.store import save_article


def test_serve_passes_options_to_datasette_and_searches_chinese(run_cli, make_record, tmp_path: Path) -> None:
    db = open_archive(str(tmp_path / "x.db"))
    save_article(
        db,
        make_record(
            text="市南区破除招商堵点，闫可凯带队入户，棚户区改造进入收尾。" * 3,
            url="https://a.example.cn/1",
            title="市南区招商",
        ),
    )
    save_article(
        db,
        make_record(
            text="The Laoshan tea harvest began early this spring." * 3,
            url="https://a.example.cn/2",
            title="Laoshan tea",
        ),
    )
    db.close()
    for query, expected in [
        ("市南", 1),
        ("青岛", 0),
        ("闫可凯", 1),
        ("市南区", 1),
        ("棚户区改造", 1),
        ("harvest", 1),
        ("火星", 0),
    ]:
        result = run_cli(
            "serve", "--db", "x.db", "--get", f"/x/articles.json?_search={query}&_shape=array", cwd=tmp_path
        )
        assert result.returncode == 0, result.stderr
        assert len(json.loads(result.stdout)) == expected, query


def test_serve_without_an_archive_says_how_to_make_one(run_cli, tmp_path: Path) -> None:
    result = run_cli("serve", "--db", "missing.db", cwd=tmp_path)
    assert result.returncode == 3
    assert "missing.db does not exist" in result.stderr and "newsarchive ingest seeds/" in result.stderr
    assert not (tmp_path / "missing.db").exists()
