"""One sidecar reader (pipelines.documents.seed_files): the seeds spider reads it strictly (read_sidecar) and
reports a broken sidecar as its document's failure; the WARC middleware reads the same fields through it
(sidecar_to_archive), archives the sidecar's bytes as they are, and never stops the crawl for a broken one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from pipelines.documents.seed_files import parse_sidecar, read_sidecar, read_sidecar_bytes, sidecar_to_archive
from pipelines.errors import DocumentError

REPO_ROOT = Path(__file__).resolve().parents[2]
GOOD = (
    '{"url": "https://q.example.com/1.html", "fetched_at": "2024-03-01T10:00:00+08:00", '
    '"headers": {"content-type": "text/html"}, "encoding": "gbk"}'
)


def test_the_middleware_reads_the_fields_the_spider_reads(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    (tmp_path / "p.html.json").write_text(GOOD, encoding="utf-8")
    data, fields = sidecar_to_archive(page, "p.html")
    assert data == GOOD.encode()
    spider = read_sidecar(page, "p.html")
    assert fields == {**spider, "headers": {"content-type": "text/html"}}
    assert fields["fetched_at"] == spider["fetched_at"] == "2024-03-01T10:00:00+08:00"
    # The document is read with the sidecar's encoding; the capture records the headers the sidecar wrote.
    assert spider["headers"] == {"Content-Type": "text/html; charset=gbk"}


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"[1]",
        b'{"url": "x", "colour": "red"}',
        b'{"fetched_at": "2024-03-01T10:00:00"}',
        b'\xef\xbb\xbf{"url": "x"}',  # a BOM: not the UTF-8 JSON sidecars are
        '{"url": "x"}'.encode("utf-16"),
    ],
)
def test_a_broken_sidecar_fails_its_document_and_is_archived_without_its_fields(
    tmp_path: Path, content: bytes
) -> None:
    page = tmp_path / "p.html"
    (tmp_path / "p.html.json").write_bytes(content)
    with pytest.raises(DocumentError) as caught:
        read_sidecar(page, "seeds/p.html")
    assert caught.value.input == "seeds/p.html.json"
    assert sidecar_to_archive(page, "seeds/p.html") == (content, {})


def test_no_sidecar_and_an_unreadable_one(tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    assert read_sidecar_bytes(page, "p.html") is None and read_sidecar(page, "p.html") == {}
    assert sidecar_to_archive(page, "p.html") == (None, {})
    (tmp_path / "p.html.json").mkdir()  # there, but no file
    with pytest.raises(DocumentError, match="unreadable sidecar"):
        read_sidecar(page, "p.html")
    assert sidecar_to_archive(page, "p.html") == (None, {})


def test_parse_sidecar_keeps_the_headers_as_written() -> None:
    fields = parse_sidecar(b'{"headers": {"X-A": 1}, "encoding": "gbk"}', "p.html")
    assert fields == {"headers": {"X-A": "1"}, "encoding": "gbk"}


def test_only_seed_files_parses_sidecars() -> None:
    """No second reader: outside seed_files.py no module finds a sidecar (sidecar_path, SIDECAR_SUFFIX, a
    ".json" name) and also parses JSON."""
    found = []
    for folder in ("crawler", "pipelines"):
        for path in sorted((REPO_ROOT / folder).rglob("*.py")):
            if path.name == "seed_files.py":
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            names = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
            names |= {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
            names |= {
                alias.name
                for node in ast.walk(tree)
                if isinstance(node, ast.ImportFrom)
                for alias in node.names
            }
            strings = {node.value for node in ast.walk(tree) if isinstance(node, ast.Constant)}
            finds = bool({"sidecar_path", "SIDECAR_SUFFIX"} & names) or ".json" in strings
            if finds and "loads" in names:
                found.append(str(path.relative_to(REPO_ROOT)))
    assert not found, "read sidecars with pipelines.documents.seed_files:\n" + "\n".join(found)
    middleware = (REPO_ROOT / "crawler" / "warc_middleware.py").read_text(encoding="utf-8")
    assert "sidecar_to_archive(" in middleware
