"""The reader's pages: the article page (row page of ``articles``), the archive overview on the home page,
and short text cells in table listings. Templates are in publish/templates and escape every value."""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.utils import tilde_decode
from markupsafe import Markup, escape

from publish.config import INTERNAL_DATABASES
from publish.reader import archive_overview, article_context
from publish.snippets import mark_html, match_pattern, search_snippet

LIST_TEXT_CHARS = 200


@hookimpl
def extra_template_vars(
    template: str, database: str | None, table: str | None, view_name: str, request: Any, datasette: Any
) -> Any:
    if view_name == "row" and table == "articles" and request is not None:
        pks = request.url_vars.get("pks", "")

        async def article_vars() -> dict[str, Any]:
            context = await article_context(datasette.get_database(database), tilde_decode(pks))
            return {"reader": context} if context else {}

        return article_vars
    if view_name == "index":

        async def overview_vars() -> dict[str, Any]:
            overviews = []
            for name, db in datasette.databases.items():
                if name in INTERNAL_DATABASES:
                    continue
                overview = await archive_overview(db)
                if overview:
                    overviews.append({"database": name, **overview})
            return {"archive_overviews": overviews}

        return overview_vars
    return None


@hookimpl
def prepare_jinja2_environment(env: Any, datasette: Any) -> None:
    # The reader's list under a search: matches in <mark>. Both return escaped text plus <mark> only.
    env.filters["archive_mark"] = lambda text, query: Markup(mark_html(str(text or ""), match_pattern(query)))
    env.filters["archive_snippet"] = lambda text, query: Markup(search_snippet(str(text or ""), query))


@hookimpl
def render_cell(row: Any, value: Any, column: str, table: str | None, database: str, datasette: Any) -> Any:
    # Full text belongs on the article's page; a listing shows its beginning.
    if table == "articles" and column == "text" and isinstance(value, str) and len(value) > LIST_TEXT_CHARS:
        return Markup("{}…").format(escape(value[:LIST_TEXT_CHARS]))
    return None
