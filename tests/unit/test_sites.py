"""Per-site fixtures: every page under tests/sites/<source-key>/ goes through extraction as the seed reader
reads it and is checked field by field against its ``<page>.expected.json`` (tests/sites/README.md).

Adding a site means adding a folder; a source in sources.toml without one fails here.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from pipelines.documents import RawDocument, record_from_document
from pipelines.documents.seed_files import read_sidecar, seed_document

REPO_ROOT = Path(__file__).resolve().parents[2]
SITES = REPO_ROOT / "tests" / "sites"
SOURCES_FILE = REPO_ROOT / "sources.toml"
EXPECTED_SUFFIX = ".expected.json"
PAGE_SUFFIX = ".html"

# expected.json keys that check the text; every other key names a record field compared for equality.
TEXT_CHECKS = {"text_starts_with", "text_ends_with", "text_contains", "text_not_contains", "min_chars"}


def declared_sources() -> dict[str, dict[str, Any]]:
    with SOURCES_FILE.open("rb") as file:
        return dict(tomllib.load(file).get("sources", {}))


def site_folders() -> list[Path]:
    return sorted(p for p in SITES.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def expected_files() -> list[Path]:
    return sorted(SITES.glob(f"*/*{EXPECTED_SUFFIX}"))


def page_of(expected: Path) -> Path:
    return expected.with_name(expected.name.removesuffix(EXPECTED_SUFFIX) + PAGE_SUFFIX)


def case_id(expected: Path) -> str:
    return f"{expected.parent.name}/{expected.name.removesuffix(EXPECTED_SUFFIX)}"


def seed_document_of(page: Path) -> RawDocument:
    """The page and its sidecar as the seed reader hands them on (crawler/spiders/seeds.py)."""
    name = page.relative_to(REPO_ROOT).as_posix()
    return seed_document(page, name, page.read_bytes())


def mismatches(record: dict[str, Any], expected: dict[str, Any]) -> list[str]:
    """One line per field that differs from expected.json, naming the field."""
    problems: list[str] = []
    for field, want in expected.items():
        if field in TEXT_CHECKS:
            continue
        if field not in record:
            problems.append(f"{field}: not a field of an article record (typo in expected.json?)")
        elif record[field] != want:
            problems.append(f"{field}: expected {want!r}, got {record[field]!r}")
    text: str = record["text"]
    start, end = expected.get("text_starts_with"), expected.get("text_ends_with")
    if start is not None and not text.startswith(start):
        problems.append(f"text_starts_with: expected {start!r}, text starts {text[: len(start) + 20]!r}")
    if end is not None and not text.endswith(end):
        problems.append(f"text_ends_with: expected {end!r}, text ends {text[-len(end) - 20 :]!r}")
    problems += [f"text_contains: {s!r} missing" for s in expected.get("text_contains", []) if s not in text]
    problems += [
        f"text_not_contains: {s!r} leaked into the text"
        for s in expected.get("text_not_contains", [])
        if s in text
    ]
    if "min_chars" in expected and record["char_count"] < expected["min_chars"]:
        problems.append(f"min_chars: expected at least {expected['min_chars']}, got {record['char_count']}")
    return problems


@pytest.mark.parametrize("expected_file", expected_files(), ids=case_id)
def test_site_page_extracts_as_expected(expected_file: Path) -> None:
    page = page_of(expected_file)
    assert page.exists(), f"site {expected_file.parent.name}: {expected_file.name} has no page {page.name}"
    expected = json.loads(expected_file.read_text(encoding="utf-8"))
    record = record_from_document(seed_document_of(page))
    problems = mismatches(record, expected)
    where = f"site {expected_file.parent.name}, page {page.name}"
    assert not problems, f"{where}:\n  " + "\n  ".join(problems)


def test_every_declared_source_has_a_site_folder() -> None:
    folders = {p.name for p in site_folders()}
    missing = sorted(set(declared_sources()) - folders)
    assert not missing, (
        f"sources without a folder under tests/sites/ (add a page and its expected.json): {missing}"
    )


def test_every_site_folder_is_a_declared_source() -> None:
    unknown = sorted({p.name for p in site_folders()} - set(declared_sources()))
    assert not unknown, f"folders under tests/sites/ that are not source keys in sources.toml: {unknown}"


@pytest.mark.parametrize("folder", site_folders(), ids=lambda p: p.name)
def test_site_folder_pages_all_have_expectations(folder: Path) -> None:
    pages = {p.name.removesuffix(PAGE_SUFFIX) for p in folder.glob(f"*{PAGE_SUFFIX}")}
    expectations = {p.name.removesuffix(EXPECTED_SUFFIX) for p in folder.glob(f"*{EXPECTED_SUFFIX}")}
    assert pages, f"site {folder.name}: no {PAGE_SUFFIX} page"
    assert pages == expectations, (
        f"site {folder.name}: pages without expected.json {sorted(pages - expectations)}, "
        f"expected.json without a page {sorted(expectations - pages)}"
    )


@pytest.mark.parametrize("expected_file", expected_files(), ids=case_id)
def test_site_page_sidecar_matches_its_source(expected_file: Path) -> None:
    """The sidecar names the folder's source, and its URL is one the source's crawl would take as an article."""
    key, page = expected_file.parent.name, page_of(expected_file)
    sidecar = read_sidecar(page, page.name)
    source = declared_sources().get(key)
    if not sidecar or source is None:
        pytest.skip(f"site {key}, page {page.name}: no sidecar or no such source (reported elsewhere)")
    where = f"site {key}, page {page.name}"
    assert sidecar.get("source") == key, f"{where}: sidecar source {sidecar.get('source')!r}"
    url = sidecar.get("url") or ""
    host = urlsplit(url).hostname or ""
    assert any(host == d or host.endswith("." + d) for d in source.get("allowed_domains", [])), (
        f"{where}: url {url!r} is outside allowed_domains {source.get('allowed_domains')}"
    )
    patterns = source.get("article_patterns", [])
    assert any(re.search(p, url) for p in patterns), (
        f"{where}: url {url!r} matches no article_patterns {patterns}"
    )
