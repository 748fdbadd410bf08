"""Canned queries offered on every archive database: a ranked search and examples that teach the schema.

``escape_fts`` and ``search_snippet`` are SQL functions registered by plugins/archive_search.py.
"""

from __future__ import annotations

from typing import Any

from pipelines.archive.schema import BM25_SQL
from publish.search import RECENT_MATCHES

RANKED_SEARCH = "search"
# bm25 reads every match: a word in a third of a million articles would take about a second. A query with more
# matches than this is ranked among its RANK_ROWS most recently archived matches (the highest row ids of the
# index), as the description says; rarer words, and words together that match fewer, over the whole archive.
RANK_ROWS = RECENT_MATCHES

CANNED_QUERIES: dict[str, dict[str, Any]] = {
    RANKED_SEARCH: {
        "title": "Search articles by relevance",
        "description": (
            "Type words in any language: Chinese words of any length (青岛, 崂山, 闫可凯), English words, "
            '"quoted phrases". Every word must match; results are ranked by relevance (bm25, title weighted '
            "above text), with the matching passage highlighted. A search matching more than "
            f"{RANK_ROWS:,} articles ranks the {RANK_ROWS:,} most recently archived of them: add a word to "
            "narrow it, or use the articles page's search for every match, newest first."
        ),
        "hide_sql": True,
        "sql": f"""select
  articles.id,
  articles.title,
  articles.source,
  articles.published,
  search_snippet(articles.text, :q) as snippet
from articles_bigrams
join articles on articles.search_rowid = articles_bigrams.rowid
where articles_bigrams match escape_fts(:q)
  and articles_bigrams.rowid >= coalesce((
    select rowid from articles_bigrams where articles_bigrams match escape_fts(:q)
    order by rowid desc limit 1 offset {RANK_ROWS - 1}
  ), 0)
  and articles_bigrams.rowid not in (select search_rowid from articles_bigrams_pending)
order by {BM25_SQL}
limit 50""",
    },
    "articles_per_source_per_day": {
        "title": "Articles per source per day",
        "description": "How many articles each source published each day, newest day first. "
        "Leave since/until empty for all dates (YYYY-MM-DD).",
        "sql": """select
  substr(published, 1, 10) as day,
  source,
  count(*) as articles
from articles
where published >= coalesce(nullif(:since, ''), '0')
  and published < coalesce(nullif(:until, ''), '9')
group by day, source
order by day desc, articles desc""",
    },
    "top_authors": {
        "title": "Most frequent authors",
        "description": "Authors (from the JSON list in articles.authors) by number of articles.",
        "sql": """select
  author.value as author,
  count(*) as articles,
  min(articles.published) as first,
  max(articles.published) as last
from articles, json_each(articles.authors) as author
group by author.value
order by articles desc
limit 100""",
    },
    "term_in_date_range": {
        "title": "Articles mentioning a term in a date range",
        "description": "Full-text search joined with a date filter, newest first "
        "(since and until are YYYY-MM-DD; until is exclusive).",
        "sql": """select
  articles.id,
  articles.title,
  articles.source,
  articles.published
from articles
where articles.search_rowid in (
  select rowid from articles_bigrams where articles_bigrams match escape_fts(:term)
    and rowid not in (select search_rowid from articles_bigrams_pending)
)
  and articles.published >= :since
  and articles.published < :until
order by articles.published_utc desc
limit 200""",
    },
    "crawl_runs_per_source": {
        "title": "Crawl runs per source",
        "description": "Each source's runs with their counts, errors recorded and how they finished.",
        "sql": """select
  crawl_runs.source,
  crawl_runs.id as run,
  crawl_runs.started,
  crawl_runs.finished,
  crawl_runs.status,
  crawl_runs.finish_reason,
  crawl_runs.new,
  crawl_runs.updated,
  crawl_runs.unchanged,
  crawl_runs.failed,
  (select count(*) from crawl_errors where crawl_errors.run_id = crawl_runs.id) as errors
from crawl_runs
order by crawl_runs.started desc
limit 200""",
    },
    "largest_clusters": {
        "title": "Largest stories",
        "description": "Stories reported by several articles (near-duplicate clusters), largest first, with "
        "their representative copy (the original, or the earliest published).",
        "sql": """select
  c.id as cluster_id,
  c.size,
  c.sources,
  c.title,
  c.representative_id,
  a.source,
  a.url,
  c.first_published,
  c.last_published
from story_clusters c
left join articles a on a.id = c.representative_id
where c.size > 1
order by c.size desc, c.first_published desc
limit 100""",
    },
    "story_copies": {
        "title": "Copies of one story",
        "description": "Every article of a story cluster (see Largest stories), the representative first.",
        "sql": """select
  a.id,
  a.title,
  a.source,
  a.site_name,
  a.source_outlet,
  a.original_title,
  a.url,
  a.published,
  a.char_count,
  a.id = c.representative_id as representative
from articles a
left join story_clusters c on c.id = a.cluster_id
where a.cluster_id = :cluster_id
order by representative desc, a.published_utc is null, a.published_utc""",
    },
    "changed_after_publication": {
        "title": "Articles changed after publication",
        "description": "Articles whose text changed when fetched again after they were published: the old "
        "and the new version side by side.",
        "sql": """select
  article_id,
  title,
  source,
  url,
  published,
  old_version,
  new_version,
  old_fetched_at,
  replaced_at,
  old_title,
  new_title,
  old_text,
  new_text
from article_changes
where text_changed and changed_after_publication
order by replaced_at desc
limit 200""",
    },
    "flagged_articles": {
        "title": "Flagged articles per source",
        "description": "Articles whose extraction looks wrong (articles.extraction_flags: no date, no "
        "author, a body much shorter than the page's main text, navigation or a login box as body, a title "
        "other than the page's headline, repeated text), per source, newest first. Leave source and flag "
        "empty for all; a flag name such as no_date picks one.",
        "sql": """select
  articles.source,
  articles.id,
  articles.title,
  articles.published,
  articles.extraction_flags,
  articles.char_count,
  articles.url
from articles
where articles.extraction_flags is not null
  and articles.extraction_flags not in ('', '[]')
  and (coalesce(:source, '') = '' or articles.source = :source)
  and (coalesce(:flag, '') = ''
       or exists (select 1 from json_each(articles.extraction_flags) where json_each.value = :flag))
order by articles.source, articles.published_utc desc
limit 500""",
    },
    "extraction_flags_per_source": {
        "title": "Extraction flags per source",
        "description": "How many articles of each source carry each extraction flag (see Flagged articles "
        "per source for the articles themselves).",
        "sql": """select
  articles.source,
  flag.value as flag,
  count(*) as articles
from articles, json_each(coalesce(nullif(articles.extraction_flags, ''), '[]')) as flag
group by articles.source, flag.value
order by articles.source, articles desc""",
    },
    "skipped_pages_per_source": {
        "title": "Skipped pages per source, with reasons",
        "description": "Pages a crawl took for articles (their address matched an article pattern) that were "
        "not articles, per source, with the reason (a gallery, a list page, a page without text...), most "
        "recently seen first. They are not fetched again before their source's recheck_after, then only if "
        "they changed. Leave source empty for all.",
        "sql": """select
  skipped_pages.source,
  skipped_pages.reason,
  skipped_pages.url,
  skipped_pages.first_seen,
  skipped_pages.last_seen,
  skipped_pages.times_seen
from skipped_pages
where coalesce(:source, '') = '' or skipped_pages.source = :source
order by skipped_pages.source, skipped_pages.last_seen desc
limit 500""",
    },
    "flagged_sources": {
        "title": "Flagged sources",
        "description": "Sources whose crawls keep failing or whose new articles dried up (see source_health; "
        "`newsarchive status` prints the same and exits non-zero).",
        "sql": "select * from source_health where flags != '' order by source",
    },
}
