"""Data for the reader's pages: an article with its byline, paragraphs, captures and same-story articles, and
the archive overview on the home page. Values are returned raw; templates escape them (autoescape)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlsplit

SAFE_SCHEMES = frozenset({"http", "https"})


def safe_href(url: str | None) -> str | None:
    """``url`` if it may be used as a link (http or https), else None: a page's ``javascript:`` stays text."""
    if not url or not isinstance(url, str):
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in SAFE_SCHEMES else None


def json_list(value: Any) -> list[Any]:
    if not value:
        return []
    try:
        loaded = json.loads(value) if isinstance(value, str) else value
    except ValueError:
        return [value]
    return loaded if isinstance(loaded, list) else [loaded]


def paragraphs(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").split("\n") if line.strip()]


def byline(article: dict[str, Any]) -> dict[str, Any]:
    """Authors, other contributors and the editor, each person once: a contributor already shown as an
    author or as the editor is not listed again (``By 周雨桐 · 孙立 (correspondent) · Editor: 李楠``, not
    ``By 周雨桐 · 周雨桐 (reporter) · … · 李楠 (editor) · Editor: 李楠``)."""
    authors = list(dict.fromkeys(str(a) for a in json_list(article.get("authors")) if a))
    editor = article.get("editor")
    shown = {*authors, *([str(editor)] if editor else [])}
    contributors: list[dict[str, str]] = []
    for c in json_list(article.get("contributors")):
        if not isinstance(c, dict) or not c.get("name") or str(c["name"]) in shown:
            continue
        shown.add(str(c["name"]))
        contributors.append({"name": str(c["name"]), "role": str(c.get("role") or "")})
    return {"authors": authors, "contributors": contributors, "editor": editor}


def extraction_flags(article: dict[str, Any]) -> list[str]:
    """The names of the article's extraction flags (pipelines.extract.flags.FLAGS says what each means)."""
    return [str(name) for name in json_list(article.get("extraction_flags")) if name]


async def article_context(db: Any, article_id: str) -> dict[str, Any] | None:
    """Everything the article page shows, or None when there is no such article."""
    rows = list(await db.execute("select * from articles where id = :id", {"id": article_id}))
    if not rows:
        return None
    article = dict(rows[0])
    captures = [
        dict(row)
        for row in await db.execute(
            """select * from captures
               where id = :capture
                  or id in (select capture_id from article_versions where article_id = :id)
                  or url in (select key from article_keys where article_id = :id)
                  or url in (:url, :canonical)
               order by fetched_at desc limit 50""",
            {
                "capture": article.get("capture_id"),
                "id": article["id"],
                "url": article.get("url"),
                "canonical": article.get("canonical_url"),
            },
        )
    ]
    same_story: list[dict[str, Any]] = []
    cluster = None
    if article.get("cluster_id") is not None and await db.table_exists("story_clusters"):
        found = (
            await db.execute("select * from story_clusters where id = :id", {"id": article["cluster_id"]})
        ).first()
        cluster = dict(found) if found else None
    if article.get("cluster_id") is not None:
        same_story = [
            dict(row)
            for row in await db.execute(
                """select id, title, source, published from articles
                   where cluster_id = :cluster and id != :id
                   order by published_utc is null, published_utc limit 50""",
                {"cluster": article["cluster_id"], "id": article["id"]},
            )
        ]
    versions = (
        await db.execute(
            "select count(*) from article_versions where article_id = :id", {"id": article["id"]}
        )
    ).first()[0]
    source = (
        await db.execute("select name from sources where key = :key", {"key": article.get("source")})
    ).first()
    return {
        "article": article,
        "byline": byline(article),
        "paragraphs": paragraphs(article.get("text")),
        "tags": [str(t) for t in json_list(article.get("tags")) if t],
        "categories": [str(c) for c in json_list(article.get("categories")) if c],
        "flags": extraction_flags(article),
        "original_href": safe_href(article.get("url")),
        "canonical_href": safe_href(article.get("canonical_url")),
        "captures": captures,
        "same_story": same_story,
        "cluster": cluster,
        "version_count": versions,
        "source_name": (source[0] if source else None) or article.get("source"),
    }


async def archive_overview(db: Any) -> dict[str, Any] | None:
    """What an archive database holds, for the home page; None for a database that is not an archive."""
    if not await db.table_exists("articles"):
        return None
    totals = (
        await db.execute(
            "select count(*) as articles, min(published) as earliest, max(published) as latest from articles"
        )
    ).first()
    sources = [
        dict(row)
        for row in await db.execute(
            """select articles.source as key, sources.name, sources.region, count(*) as articles,
                      min(articles.published) as earliest, max(articles.published) as latest
               from articles left join sources on sources.key = articles.source
               group by articles.source order by articles desc limit 100"""
        )
    ]
    latest_run = None
    if await db.table_exists("crawl_runs"):
        run = (await db.execute("select * from crawl_runs order by started desc limit 1")).first()
        latest_run = dict(run) if run else None
    return {
        "articles": totals["articles"],
        "earliest": totals["earliest"],
        "latest": totals["latest"],
        "sources": sources,
        "latest_run": latest_run,
    }
