"""``.atom`` for any page listing articles: the articles table (with its filters, e.g. ``?source=``, and
``?_search=``) and queries returning ``id`` and ``title`` such as the ranked search."""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response

from publish.feeds import atom_feed, can_render


async def _render(
    datasette: Any,
    request: Any,
    rows: list[Any],
    columns: list[str],
    database: str,
    table: str | None,
    query_name: str | None,
    data: dict[str, Any],
) -> Response:
    path = request.path
    html_path = path[: -len(".atom")] if path.endswith(".atom") else path
    query_string = f"?{request.query_string}" if request.query_string else ""
    name = table or query_name or "query"
    described = data.get("human_description_en") or ""
    self_url = str(datasette.absolute_url(request, path + query_string))
    title = f"{datasette.metadata('title') or 'newsarchive'}: {database}/{name} {described}".strip()

    def article_url(row: Any) -> str:
        return str(datasette.absolute_url(request, datasette.urls.row(database, "articles", str(row["id"]))))

    body = atom_feed(
        [dict(row) for row in rows],
        feed_id=self_url,  # the feed's own address identifies it
        title=title,
        self_url=self_url,
        alternate_url=str(datasette.absolute_url(request, html_path + query_string)),
        article_url=article_url,
    )
    return Response(body, content_type="application/atom+xml; charset=utf-8")


@hookimpl
def register_output_renderer(datasette: Any) -> dict[str, Any]:
    return {"extension": "atom", "render": _render, "can_render": can_render}
