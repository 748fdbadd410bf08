"""Table metadata, canned queries and the date-range filter for every database served.

Datasette names a database after its file's stem, so the configuration cannot be keyed by a fixed name in
metadata.yml: ``get_metadata`` returns it for every database Datasette has open.
"""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.filters import FilterArguments
from datasette.utils.asgi import BadRequest

from publish.config import canned_queries_for, date_range_clauses, metadata_for


@hookimpl
def get_metadata(datasette: Any, key: Any, database: Any, table: Any) -> dict[str, Any]:
    return metadata_for(list(datasette.databases))


@hookimpl
def canned_queries(datasette: Any, database: str, actor: Any) -> dict[str, dict[str, Any]]:
    return canned_queries_for(database)


@hookimpl
def filters_from_request(request: Any, database: str, table: str, datasette: Any) -> FilterArguments | None:
    if table != "articles":
        return None
    try:
        clauses, params, described = date_range_clauses(
            request.args.get("_since"), request.args.get("_until")
        )
    except ValueError as error:
        raise BadRequest(str(error)) from error
    if not clauses:
        return None
    return FilterArguments(clauses, params, described)
