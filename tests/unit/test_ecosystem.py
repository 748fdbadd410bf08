"""Fitting the tools users already have: the Datasette plugins registered as entry points, Scrapy's feed
exports writing articles (no raw bytes), the lock file, and the "What is in the archive" text."""

from __future__ import annotations

import importlib
import io
import json
import tomllib
from pathlib import Path

from crawler.items import ArticleItem, CsvExporter
from pipelines.archive import schema
from pipelines.documents import RawDocument
from pipelines.warc.records import DEFAULT_MAX_SIZE
from publish import PLUGIN_MODULES, PLUGINS_DIR, plugins_dir, plugins_installed
from publish.config import archive_contents, metadata_for


def pyproject(repo_root: Path) -> dict:
    return tomllib.loads((repo_root / "pyproject.toml").read_text(encoding="utf-8"))


def test_every_plugin_module_is_an_entry_point(repo_root: Path) -> None:
    declared = pyproject(repo_root)["project"]["entry-points"]["datasette"]
    assert sorted(declared.values()) == sorted(PLUGIN_MODULES)
    assert {f"publish.plugins.{p.stem}" for p in PLUGINS_DIR.glob("archive_*.py")} == set(PLUGIN_MODULES)
    assert len(PLUGIN_MODULES) >= 8


def test_the_installed_package_registers_them() -> None:
    # make installs the project (pip install -e .): Datasette then loads the plugins from their entry points
    # and `newsarchive serve` passes no --plugins-dir (which would load each one twice).
    assert plugins_installed(), "the entry points are not installed: run make install (pip install -e .)"
    assert plugins_dir() is None


def test_courlan_is_not_declared(repo_root: Path) -> None:
    dependencies = pyproject(repo_root)["project"]["dependencies"]
    assert not any(d.startswith("courlan") for d in dependencies)


def test_the_lock_pins_every_declared_dependency(repo_root: Path) -> None:
    lines = (repo_root / "requirements.lock").read_text(encoding="utf-8").splitlines()
    pinned = {
        line.split("==")[0].strip().lower().replace("_", "-")
        for line in lines
        if line and not line.startswith("#")
    }
    project = pyproject(repo_root)["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["test"]]
    for requirement in wanted:
        name = requirement.split(";")[0]
        for mark in "<>=![ ":
            name = name.split(mark)[0]
        assert name.lower().replace("_", "-") in pinned, requirement
    assert all("==" in line for line in lines if line and not line.startswith("#"))


def _item() -> ArticleItem:
    page = RawDocument(body=b"<html>\xff\xfe raw bytes</html>", name="seeds/a.html", fetched_at="2024-03-01")
    record = {"title": "青岛", "authors": ["闫可凯", "王芳"], "text": "正文", "url": None, "raw": b"\x00"}
    return ArticleItem(record=record, page=page, article_id=7, outcome="new")


def test_feed_exports_see_the_article_without_bytes() -> None:
    from itemadapter import ItemAdapter
    from scrapy.exporters import JsonLinesItemExporter

    adapter = ItemAdapter(_item())
    assert list(adapter.keys()) == ["id", "outcome", "title", "authors", "text", "url"]
    out = io.BytesIO()
    exporter = JsonLinesItemExporter(out, ensure_ascii=False)
    exporter.start_exporting()
    exporter.export_item(_item())
    exporter.finish_exporting()
    assert json.loads(out.getvalue().decode("utf-8")) == {
        "id": 7,
        "outcome": "new",
        "title": "青岛",
        "authors": ["闫可凯", "王芳"],
        "text": "正文",
        "url": None,
    }


def test_csv_export_writes_lists_as_json() -> None:
    out = io.BytesIO()
    exporter = CsvExporter(out, encoding="utf-8")
    exporter.start_exporting()
    exporter.export_item(_item())
    exporter.finish_exporting()
    header, row = out.getvalue().decode("utf-8").splitlines()
    assert header == "id,outcome,title,authors,text,url"
    assert row == '7,new,青岛,"[""闫可凯"", ""王芳""]",正文,'


def test_cli_defaults_match_the_library() -> None:
    # The command modules repeat a few constants so that --help need not import the library.
    # (By module name: crawler.cli's attribute `schedule` is the command, not its module.)
    warc_cli = importlib.import_module("crawler.cli.warc")
    schedule_cli = importlib.import_module("crawler.cli.schedule")
    assert warc_cli.DEFAULT_MAX_SIZE == DEFAULT_MAX_SIZE
    assert schedule_cli.DEFAULT_MAX_FAILURES == schema.DEFAULT_MAX_FAILURES
    assert schedule_cli.DEFAULT_USUAL_WEEKLY_NEW == schema.DEFAULT_USUAL_WEEKLY_NEW


def test_what_is_in_the_archive_is_in_the_readme_and_in_datasette(repo_root: Path) -> None:
    contents = archive_contents()
    names = [name for name, _ in contents]
    every = {table.name for table in schema.TABLES} | set(schema.VIEWS) | {schema.FTS_TABLE}
    assert every <= set(names), every - set(names)
    assert all(text for _, text in contents)
    readme = (repo_root / "README.md").read_text(encoding="utf-8")
    section = readme.split("## What is in the archive\n", 1)[1].split("\n## ", 1)[0]
    listed = [line for line in section.splitlines() if line.startswith("- `")]
    assert listed == [f"- `{name}`: {text}" for name, text in contents]
    html = metadata_for(["archive"])["databases"]["archive"]["description_html"]
    for name, _ in contents:
        assert f'href="archive/{name}"' in html
