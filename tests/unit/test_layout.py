"""The floor plan, checked from the source (ast, nothing imported): data flows one way, crawler -> pipelines, so
nothing under pipelines/ imports scrapy, twisted or crawler; the Scrapy project and its command line
(crawler/) hold no SQL; one module (pipelines/archive/store.py) writes the articles table."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

# What pipelines/ must not import: Scrapy's world, and the package that calls it.
NOT_IN_PIPELINES = ("scrapy", "twisted", "crawler")
# What the command line must not import: it asks pipelines/ for data instead of querying the archive itself.
NOT_IN_CLI = ("sqlite3", "sqlite_utils")
SQL = re.compile(
    r"\bselect\b[\s\S]*?\bfrom\b"
    r"|\binsert\s+(?:or\s+\w+\s+)?into\b"
    r"|\bupdate\b[\s\S]*?\bset\b"
    r"|\bdelete\s+from\b",
    re.IGNORECASE,
)


def _imported(node: ast.AST) -> Iterator[str]:
    """The absolute module names an import statement (or ``importlib.import_module("...")`` /
    ``__import__("...")`` with a literal name) brings in."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
        yield node.module
        yield from (f"{node.module}.{alias.name}" for alias in node.names)
    elif (
        isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Name) and node.func.id in ("__import__", "import_module"))
            or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
        )
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        yield node.args[0].value


def forbidden_imports(source: str, forbidden: tuple[str, ...]) -> list[tuple[int, str]]:
    """(line, module) for each import of a ``forbidden`` package or any of its submodules, wherever it is
    (top level, inside a function, under ``if TYPE_CHECKING``)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        for name in dict.fromkeys(_imported(node)):
            if any(name == root or name.startswith(f"{root}.") for root in forbidden):
                found.append((node.lineno, name))  # type: ignore[attr-defined]  # statements and calls have one
                break
    return sorted(found)


def _docstrings(tree: ast.AST) -> set[int]:
    kinds = (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)
    return {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, kinds)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }


def sql_strings(source: str) -> list[tuple[int, str]]:
    """(line, text) for each string literal (f-strings included, docstrings not) that reads as an SQL
    statement: ``select ... from``, ``insert into``, ``update ... set``, ``delete from``."""
    tree = ast.parse(source)
    skip = _docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            skip.update(id(part) for part in node.values)
            text = "".join(
                str(part.value) if isinstance(part, ast.Constant) else "{}" for part in node.values
            )
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            text = node.value
        else:
            continue
        if SQL.search(text):
            found.append((node.lineno, text))
    return sorted(found)


def _modules(folder: str) -> list[Path]:
    return sorted((REPO_ROOT / folder).rglob("*.py"))


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(REPO_ROOT)}:{line}"


def test_pipelines_import_neither_scrapy_nor_twisted_nor_crawler() -> None:
    modules = _modules("pipelines")
    assert len(modules) > 20  # the folder was found
    violations = [
        f"{_where(path, line)}: imports {name}"
        for path in modules
        for line, name in forbidden_imports(path.read_text(encoding="utf-8"), NOT_IN_PIPELINES)
    ]
    assert not violations, "pipelines/ is Scrapy-free and never imports crawler/:\n" + "\n".join(violations)


def test_the_command_line_neither_opens_the_database_nor_holds_sql() -> None:
    modules = _modules("crawler/cli")
    assert modules  # the folder was found
    violations = []
    for path in modules:
        source = path.read_text(encoding="utf-8")
        violations += [
            f"{_where(path, line)}: imports {name}" for line, name in forbidden_imports(source, NOT_IN_CLI)
        ]
        violations += [f"{_where(path, line)}: SQL {text[:80]!r}" for line, text in sql_strings(source)]
    assert not violations, "crawler/cli/ is click only; its SQL belongs in pipelines/:\n" + "\n".join(
        violations
    )


def test_the_scrapy_project_holds_no_sql() -> None:
    violations = [
        f"{_where(path, line)}: SQL {text[:80]!r}"
        for path in _modules("crawler")
        for line, text in sql_strings(path.read_text(encoding="utf-8"))
    ]
    assert not violations, "crawler/ asks pipelines/archive for what it reads and writes:\n" + "\n".join(
        violations
    )


ARTICLES_WRITER = "pipelines/archive/store.py"
ARTICLES_SQL_WRITE = re.compile(
    r"\b(?:insert\s+(?:or\s+\w+\s+)?into|update|delete\s+from)\s+\[?articles\]?[\s(]", re.IGNORECASE
)


def article_writes(source: str) -> list[int]:
    """Lines that write the ``articles`` table: SQL text (``insert into articles``, ``update articles``,
    ``delete from articles``) or sqlite-utils calls (``db.table("articles").update(...)``,
    ``db["articles"].insert(...)``)."""
    lines = [line for line, text in sql_strings(source) if ARTICLES_SQL_WRITE.search(text + " ")]
    for node in ast.walk(ast.parse(source)):
        if not (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr
            in ("insert", "insert_all", "update", "upsert", "upsert_all", "delete", "delete_where")
        ):
            continue
        table = node.func.value
        if (
            isinstance(table, ast.Call)
            and isinstance(table.func, ast.Attribute)
            and table.func.attr == "table"
        ):
            name = table.args[0] if table.args else None
        elif isinstance(table, ast.Subscript):
            name = table.slice
        else:
            continue
        if isinstance(name, ast.Constant) and name.value == "articles":
            lines.append(node.lineno)
    return sorted(lines)


def test_one_module_writes_the_articles_table() -> None:
    writers = {
        str(path.relative_to(REPO_ROOT))
        for folder in ("crawler", "pipelines", "publish")
        for path in _modules(folder)
        if article_writes(path.read_text(encoding="utf-8"))
    }
    assert writers == {ARTICLES_WRITER}


def test_the_checks_catch_what_they_look_for() -> None:
    source = '''
"""Select the news from a source: a docstring, not SQL."""
import os, scrapy.http
from twisted.internet import reactor
from crawler import items
from crawlers import other
import scrapyd_client
from . import sibling


def load():
    import importlib
    from typing import TYPE_CHECKING
    if TYPE_CHECKING:
        from scrapy import Spider
    return importlib.import_module("twisted.python"), __import__("crawler.cli")


WHERE = "where source = ?"
COUNT = "SELECT count(*)\\n  FROM articles"
ADD = "insert or ignore into sources (key) values (?)"
TOUCH = f"update articles set {WHERE}"
DROP = "DELETE FROM captures"
PROSE = "the updated settings; an insertion into the selection"
'''
    assert forbidden_imports(source, NOT_IN_PIPELINES) == [
        (3, "scrapy.http"),
        (4, "twisted.internet"),
        (5, "crawler"),
        (15, "scrapy"),
        (16, "crawler.cli"),
        (16, "twisted.python"),
    ]
    assert forbidden_imports("import sqlite3\nfrom sqlite_utils.db import Table\n", NOT_IN_CLI) == [
        (1, "sqlite3"),
        (2, "sqlite_utils.db"),
    ]
    assert [line for line, _ in sql_strings(source)] == [20, 21, 22, 23]
    writes = """
db.execute("update articles set cluster_id = ? where id = ?", [1, 2])
db.execute("update article_keys set kind = 'x'")
db.table("articles").update(1, {"title": "t"})
db["articles"].insert({"id": 1})
db.table("captures").insert({})
db.execute("select * from articles")
db.execute(f"delete from [articles] where id = {1}")
"""
    assert article_writes(writes) == [2, 4, 5, 8]
