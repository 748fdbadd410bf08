"""The ``columns`` facet type (``publish.facets.ArchiveColumnFacet``): the column facets that tables.yml
configures, computed in one pass over the page's rows instead of one query each."""

from __future__ import annotations

from typing import Any

from datasette import hookimpl

from publish.facets import ArchiveColumnFacet


@hookimpl
def register_facet_classes() -> list[Any]:
    return [ArchiveColumnFacet]
