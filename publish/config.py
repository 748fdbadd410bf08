"""Per-database configuration applied to every archive database, whatever its name (file stem)."""

from __future__ import annotations

import copy
import functools
import json
import re
from typing import Any

from publish import TABLES_PATH, load_yaml
from publish.queries import CANNED_QUERIES

INTERNAL_DATABASES = frozenset({"_internal", "_memory"})
DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@functools.cache
def table_metadata() -> dict[str, Any]:
    return load_yaml(TABLES_PATH)


@functools.cache
def _tables_json() -> str:
    return json.dumps(table_metadata(), ensure_ascii=False)


def metadata_for(database_names: list[str]) -> dict[str, Any]:
    """Datasette metadata giving each named database the archive's table metadata.

    Datasette asks for it dozens of times per page and may merge into what it is given, so each call gets
    fresh objects: parsed from JSON, several times faster than ``copy.deepcopy`` of the same tables.
    """
    return {
        "databases": {
            name: {"tables": json.loads(_tables_json())}
            for name in database_names
            if name not in INTERNAL_DATABASES
        }
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
