"""``/-/crawl-health`` (and ``.json``): recent crawl runs per source with counts, errors and finish reasons,
and a chart of articles per day per source, for every archive database served."""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response

from publish.config import INTERNAL_DATABASES
from publish.health import (
    DATE_COLUMNS,
    DEFAULT_DAYS,
    FLAGGED_QUERY,
    HEALTH_VIEWS,
    MAX_DAYS,
    SKIPPED_QUERY,
    articles_per_day,
    extraction_flags_per_source,
    recent_runs,
    skipped_pages_per_source,
    svg_chart,
)


def _days(value: str | None) -> int:
    try:
        return min(max(int(value or DEFAULT_DAYS), 1), MAX_DAYS)
    except ValueError:
        return DEFAULT_DAYS


async def crawl_health(datasette: Any, request: Any) -> Response:
    days = _days(request.args.get("days"))
    by = request.args.get("by") if request.args.get("by") in DATE_COLUMNS else DATE_COLUMNS[0]
    archives = []
    for name, db in datasette.databases.items():
        if name in INTERNAL_DATABASES or not await db.table_exists("articles"):
            continue
        runs = await recent_runs(db) if await db.table_exists("crawl_runs") else []
        chart = await articles_per_day(db, by, days)
        # Health views (and the skipped_pages table) of the schema, linked when this archive has them.
        names = set(await db.view_names()) | set(await db.table_names())
        views = [view for view in HEALTH_VIEWS if view in names]
        archives.append(
            {
                "database": name,
                "runs": runs,
                "chart": chart,
                "views": views,
                "flags": await extraction_flags_per_source(db),
                "skipped": await skipped_pages_per_source(db),
            }
        )
    if request.url_vars.get("format") == "json":
        return Response.json({"days": days, "by": by, "databases": archives}, default=str)
    for archive in archives:
        archive["svg"] = svg_chart(archive["chart"]["days"], archive["chart"]["series"])
    return Response.html(
        await datasette.render_template(
            "crawl_health.html",
            {
                "archives": archives,
                "days": days,
                "by": by,
                "date_columns": DATE_COLUMNS,
                "flagged_query": FLAGGED_QUERY,
                "skipped_query": SKIPPED_QUERY,
            },
            request=request,
        )
    )


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/crawl-health(\.(?P<format>json))?$", crawl_health)]
