"""A module's underscore names are its own: no module of the project imports one from another (what two modules
share is public, with a docstring). Checked from the source (ast, nothing imported)."""

from __future__ import annotations

import ast
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("pipelines", "crawler", "publish", "bench", "tests")


def private_imports(source: str) -> list[tuple[int, str]]:
    """(line, "module.name") for each ``from MODULE import _name`` of a project module (relative or not)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.ImportFrom):
            continue
        module = node.module or ""
        ours = node.level > 0 or module.split(".")[0] in PACKAGES
        for alias in node.names:
            if ours and alias.name.startswith("_") and not alias.name.startswith("__"):
                found.append((node.lineno, f"{'.' * node.level}{module}.{alias.name}"))
    return found


def test_the_check_sees_relative_and_absolute_imports() -> None:
    source = "from .bylines import _names\nfrom pipelines.extract.core import _x, ok\nfrom os import _exit\n"
    assert private_imports(source) == [(1, ".bylines._names"), (2, "pipelines.extract.core._x")]


def test_no_module_imports_another_modules_private_name() -> None:
    offenders = [
        f"{path.relative_to(REPO_ROOT)}:{line}: {name}"
        for package in PACKAGES
        for path in sorted((REPO_ROOT / package).rglob("*.py"))
        for line, name in private_imports(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
