"""Per-database configuration applied to every archive database, whatever its name (file stem)."""

from __future__ import annotations

import copy
import functools
import json
import re
from typing import Any

from markupsafe import escape

from publish import TABLES_PATH, load_metadata, load_yaml
from publish.queries import CANNED_QUERIES

INTERNAL_DATABASES = frozenset({"_internal", "_memory"})
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@functools.cache
def table_metadata() -> dict[str, Any]:
    return load_yaml(TABLES_PATH)


@functools.cache
def _instance_json() -> str:
    return json.dumps(load_metadata(), ensure_ascii=False)


@functools.cache
def _tables_json() -> str:
    return json.dumps(table_metadata(), ensure_ascii=False)


def archive_contents() -> list[tuple[str, str]]:
    """(name, description) of every table and view, in tables.yml's order: what is in the archive. The
    README's section "What is in the archive" says the same, line for line (a unit test compares them)."""
    return [(name, str(table.get("description") or "")) for name, table in table_metadata().items()]


@functools.cache
def contents_html() -> str:
    """The database page's description: one line per table and view, each a link."""
    items = "".join(
        f'<li><a href="{{base}}{escape(name)}"><code>{escape(name)}</code></a>: {escape(text)}</li>'
        for name, text in archive_contents()
    )
    return f'<p>What is in the archive:</p><ul class="archive-contents">{items}</ul>'


def metadata_for(database_names: list[str]) -> dict[str, Any]:
    """Datasette metadata giving each named database the archive's table metadata.

    Datasette asks for it dozens of times per page and may merge into what it is given, so each call gets
    fresh objects: parsed from JSON, several times faster than ``copy.deepcopy`` of the same tables.
    """
    return {
        **json.loads(_instance_json()),  # title, license...: also for a plain `datasette archive.db`
        "databases": {
            name: {
                "tables": json.loads(_tables_json()),
                "description_html": contents_html().replace("{base}", f"{escape(name)}/"),
            }
            for name in database_names
            if name not in INTERNAL_DATABASES
        },
    }


def canned_queries_for(database: str) -> dict[str, dict[str, Any]]:
    if database in INTERNAL_DATABASES:
        return {}
    # Datasette adds keys to the dicts it is given: hand out copies.
    return copy.deepcopy(CANNED_QUERIES)


def date_range_clauses(since: str | None, until: str | None) -> tuple[list[str], dict[str, str], list[str]]:
    """WHERE clauses for ``?_since=YYYY-MM-DD&_until=YYYY-MM-DD`` (both inclusive) on ``published``.

    ``published`` is ISO 8601 text in the article's own offset, so comparing strings compares local dates;
    ``_until`` is inclusive, hence ``< date(until, '+1 day')``. Values that are not dates raise ValueError.
    """
    clauses: list[str] = []
    params: dict[str, str] = {}
    described: list[str] = []
    bounds = (
        ("_since", since, "published >= :{}", "on or after"),
        ("_until", until, "published < date(:{}, '+1 day')", "on or before"),
    )
    for arg, value, clause, relation in bounds:
        if not value:
            continue
        if not DATE.fullmatch(value):
            raise ValueError(f"{arg} must be a date YYYY-MM-DD, not {value!r}")
        param = f"published{arg}"  # published_since, published_until
        clauses.append(clause.format(param))
        params[param] = value
        described.append(f"published {relation} {value}")
    return clauses, params, described
