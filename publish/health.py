"""Crawl health: recent runs per source with their counts and errors, and articles stored per day per source
as an SVG chart drawn on the server (no script, no CDN: it works offline and cannot run page content)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from markupsafe import Markup, escape

DEFAULT_DAYS = 30
MAX_DAYS = 366  # a bar per day: a year at most keeps the chart (and the page) small
HEALTH_VIEWS = ("source_health", "crawl_outcomes", "recent_runs", "skipped_pages")
FLAGGED_QUERY = "flagged_articles"  # canned queries (publish/queries.py) the counts link to
SKIPPED_QUERY = "skipped_pages_per_source"
DATE_COLUMNS = ("first_seen", "published")  # "when archived" (crawl health) or "when published"
PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
MAX_SERIES = len(PALETTE)  # the other sources are summed as "other"


async def recent_runs(db: Any, limit: int = 50) -> list[dict[str, Any]]:
    rows = await db.execute(
        """select crawl_runs.*,
                  (select count(*) from crawl_errors where crawl_errors.run_id = crawl_runs.id) as errors
           from crawl_runs order by started desc limit :limit""",
        {"limit": limit},
    )
    return [dict(row) for row in rows]


async def extraction_flags_per_source(db: Any) -> list[dict[str, Any]]:
    """Per source, how many articles carry extraction flags, and how many carry each flag (read from the
    (source, extraction_flags) index, not the articles' rows)."""
    if "extraction_flags" not in await db.table_columns("articles"):
        return []
    rows = await db.execute(
        """select articles.source, flag.value as flag, count(*) as n
           from articles, json_each(case when json_valid(articles.extraction_flags)
                                         then articles.extraction_flags else '[]' end) as flag
           where articles.extraction_flags is not null and articles.extraction_flags not in ('', '[]')
           group by articles.source, flag.value"""
    )
    flagged = await db.execute(
        """select source, count(*) as n from articles
           where extraction_flags is not null and extraction_flags not in ('', '[]')
             and json_valid(extraction_flags)
           group by source"""
    )
    by_source: dict[Any, dict[str, Any]] = {
        row["source"]: {"source": row["source"], "articles": row["n"], "flags": []} for row in flagged
    }
    for row in rows:
        if row["source"] in by_source:
            by_source[row["source"]]["flags"].append({"flag": row["flag"], "articles": row["n"]})
    for entry in by_source.values():
        entry["flags"].sort(key=lambda f: (-f["articles"], str(f["flag"])))
    return sorted(by_source.values(), key=lambda e: (-e["articles"], str(e["source"])))


async def skipped_pages_per_source(db: Any) -> list[dict[str, Any]]:
    """Per source, how many pages the crawls found not to be articles, and the commonest reasons."""
    if not await db.table_exists("skipped_pages"):
        return []
    rows = await db.execute("select source, reason, count(*) as n from skipped_pages group by source, reason")
    by_source: dict[Any, dict[str, Any]] = {}
    for row in rows:
        entry = by_source.setdefault(row["source"], {"source": row["source"], "pages": 0, "reasons": []})
        entry["pages"] += row["n"]
        entry["reasons"].append({"reason": row["reason"], "pages": row["n"]})
    for entry in by_source.values():
        entry["reasons"].sort(key=lambda r: (-r["pages"], str(r["reason"])))
    return sorted(by_source.values(), key=lambda e: (-e["pages"], str(e["source"])))


async def articles_per_day(db: Any, column: str, days: int) -> dict[str, Any]:
    """Counts per (day, source) over the ``days`` days ending at the newest day in the archive."""
    if column not in DATE_COLUMNS:
        raise ValueError(f"cannot chart by {column!r}")
    newest = (await db.execute(f"select max(substr({column}, 1, 10)) from articles")).first()[0]
    if not newest:
        return {"days": [], "series": {}}
    try:
        end = date.fromisoformat(newest)
    except ValueError:
        return {"days": [], "series": {}}
    start = end - timedelta(days=days - 1)
    rows = await db.execute(
        f"""select substr({column}, 1, 10) as day, source, count(*) as n from articles
            where {column} >= :start and {column} < :after
            group by day, source""",
        {"start": start.isoformat(), "after": (end + timedelta(days=1)).isoformat()},
    )
    day_list = [(start + timedelta(days=i)).isoformat() for i in range(days)]
    totals: dict[str, int] = {}
    counts: dict[tuple[str, str], int] = {}
    for row in rows:
        source = row["source"] or "(none)"
        totals[source] = totals.get(source, 0) + row["n"]
        counts[(row["day"], source)] = counts.get((row["day"], source), 0) + row["n"]
    ranked = sorted(totals, key=lambda s: (-totals[s], s))
    kept = ranked[: MAX_SERIES - 1] if len(ranked) > MAX_SERIES else ranked
    series: dict[str, list[int]] = {source: [counts.get((d, source), 0) for d in day_list] for source in kept}
    if len(ranked) > len(kept):
        series["other"] = [sum(counts.get((d, s), 0) for s in ranked[len(kept) :]) for d in day_list]
    return {"days": day_list, "series": series}


def svg_chart(days: list[str], series: dict[str, list[int]], width: int = 900, height: int = 260) -> Markup:
    """A stacked bar chart of counts per day, one colour per series, with a legend. All text is escaped."""
    if not days or not series:
        return Markup("<p>No articles in this period.</p>")
    left, bottom, top = 40, 40, 10
    plot_w, plot_h = width - left - 10, height - bottom - top
    totals = [sum(values[i] for values in series.values()) for i in range(len(days))]
    peak = max(max(totals), 1)
    bar_w = plot_w / len(days)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height + 20 * len(series)}" '
        f'role="img" aria-label="Articles per day per source">',
        f'<text x="{left - 6}" y="{top + 10}" text-anchor="end" font-size="11">{peak}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="11">0</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>',
    ]
    for i, day in enumerate(days):
        y: float = top + plot_h
        for colour, (name, values) in zip(PALETTE, series.items(), strict=False):
            if values[i]:
                h = plot_h * values[i] / peak
                y -= h
                parts.append(
                    f'<rect x="{left + i * bar_w:.1f}" y="{y:.1f}" width="{max(bar_w - 1, 0.5):.1f}" '
                    f'height="{h:.1f}" fill="{colour}">'
                    f"<title>{escape(day)} {escape(name)}: {values[i]}</title></rect>"
                )
    for index, anchor in ((0, "start"), (len(days) // 2, "middle"), (len(days) - 1, "end")):
        x = left + (index + (1 if anchor == "end" else 0)) * bar_w
        parts.append(
            f'<text x="{x:.1f}" y="{top + plot_h + 16}" font-size="11" text-anchor="{anchor}">'
            f"{escape(days[index])}</text>"
        )
    for n, (colour, name) in enumerate(zip(PALETTE, series, strict=False)):
        y = height + 20 * n
        parts.append(f'<rect x="{left}" y="{y - 10}" width="12" height="12" fill="{colour}"/>')
        parts.append(
            f'<text x="{left + 18}" y="{y}" font-size="12">{escape(name)} ({sum(series[name])})</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))
