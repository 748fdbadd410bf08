"""The ``columns`` facet type (``publish.facets.ArchiveColumnFacet``): the column facets that tables.yml
configures, computed in one pass over the page's rows instead of one query each."""

from __future__ import annotations

from typing import Any

from datasette import hookimpl

from publish.facets import ArchiveColumnFacet


# tryfirst: the configured facets keep their column's name ("source") when ?_facet=source adds Datasette's own
# beside them ("source_2"), whether the plugins were registered before Datasette's defaults (entry points)
# or after them (--plugins-dir).
@hookimpl(tryfirst=True)
def register_facet_classes() -> list[Any]:
    return [ArchiveColumnFacet]
