"""Finding seed documents under the given paths, and reading their sidecars."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines.documents.seed_files import discover_seed_files, read_sidecar
from pipelines.errors import DocumentError


def test_folders_are_walked_recursively_in_name_order(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / ".hidden").mkdir()
    for name in [
        "b/2.html",
        "a.txt",
        "b/1.md",
        "notes.pdf",
        ".x.txt",
        ".hidden/y.txt",
        "b/2.html.json",
        "README.md",
    ]:
        (tmp_path / name).write_text("x", encoding="utf-8")
    files, errors = discover_seed_files([str(tmp_path)])
    assert [f.path.relative_to(tmp_path).as_posix() for f in files] == ["a.txt", "b/1.md", "b/2.html"]
    assert errors == []


def test_a_named_file_is_read_whatever_its_suffix_and_only_once(tmp_path: Path) -> None:
    page = tmp_path / "saved.page"
    page.write_text("<html></html>", encoding="utf-8")
    files, _ = discover_seed_files([str(page), str(page)])
    assert [f.path for f in files] == [page.resolve()]


def test_missing_path_is_an_error_naming_it(tmp_path: Path) -> None:
    files, errors = discover_seed_files([str(tmp_path / "nope")])
    assert files == []
    assert errors[0].input.endswith("nope") and errors[0].reason == "no such file or folder"


def test_sidecar_fields(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    (tmp_path / "p.html.json").write_text(
        json.dumps(
            {
                "url": "https://q.example.com/1.html",
                "fetched_at": "2024-03-01T10:00:00+08:00",
                "encoding": "gbk",
                "source": "q",
            }
        ),
        encoding="utf-8",
    )
    sidecar = read_sidecar(page, "p.html")
    assert sidecar["url"] == "https://q.example.com/1.html"
    assert sidecar["headers"] == {"Content-Type": "text/html; charset=gbk"}
    assert read_sidecar(tmp_path / "other.html", "other.html") == {}


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "unreadable sidecar"),
        ("[1]", "must be a JSON object"),
        ('{"fetched_at": "yesterday"}', "not an ISO 8601 time"),
        ('{"fetched_at": "2024-03-01T10:00:00"}', "needs a UTC offset"),
        ('{"url": "x", "colour": "red"}', "unknown sidecar field(s): colour"),
    ],
)
def test_bad_sidecar_is_an_error_naming_the_sidecar(tmp_path: Path, content: str, reason: str) -> None:
    (tmp_path / "p.html.json").write_text(content, encoding="utf-8")
    with pytest.raises(DocumentError) as caught:
        read_sidecar(tmp_path / "p.html", "seeds/p.html")
    assert caught.value.input == "seeds/p.html.json"
    assert reason in caught.value.reason
