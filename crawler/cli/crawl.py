"""``newsarchive ingest`` (local documents) and ``newsarchive crawl`` (sources): running the spiders."""

from __future__ import annotations

import sys

import click

from crawler.cli.options import (
    DB_OPTION,
    SET_OPTION,
    SOURCES_OPTION,
    VERBOSE_OPTION,
    WORKERS_OPTION,
    log_level,
    settings_dict,
)
from crawler.console import stderr_console
from crawler.runner import project_settings, record_sources, run_spider, run_spiders
from pipelines.sources import SourcesError, adhoc_source, load_sources, select_sources


def print_failure(input_name: str, reason: str) -> None:
    """One line per input that failed, as it happens (above the progress bar when there is one)."""
    stderr_console.print(f"[red]failed[/red]: {input_name}: {reason}", markup=True, soft_wrap=True)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@DB_OPTION
@SOURCES_OPTION
@WORKERS_OPTION
@click.option("--progress/--no-progress", default=None, help="Show a progress bar (default: on a terminal).")
@VERBOSE_OPTION
def ingest(
    paths: tuple[str, ...],
    db_path: str,
    sources_file: str,
    workers: int | None,
    progress: bool | None,
    verbose: int,
) -> None:
    """Read local seed documents (files or folders, recursively) into the archive.

    Front-matter documents (*.txt, *.md) and saved HTML pages (*.html, with an optional sidecar
    PAGE.html.json giving url, fetched_at, source and headers) go through the same extraction,
    deduplication and storage as crawled pages.

    Example:

        newsarchive ingest seeds/ --db archive.db
    """
    problem = record_sources(db_path, sources_file)
    if problem:
        stderr_console.print(f"[yellow]warning[/yellow]: sources not recorded: {problem}", soft_wrap=True)
    show_progress = stderr_console.is_terminal if progress is None else progress
    settings = project_settings(
        ARCHIVE_DB=db_path,
        ARCHIVE_EXTRACT_WORKERS=workers,
        ARCHIVE_PROGRESS=show_progress,
        LOG_LEVEL=log_level(verbose),
    )

    summary = run_spider("seeds", settings=settings, on_failure=print_failure, paths=list(paths))
    if summary.run_id is None:
        raise click.ClickException(f"the run did not start ({summary.finish_reason}); see the log with -v")
    click.echo(f"{summary.line()} (run {summary.run_id}, {db_path})")
    if summary.failed:
        sys.exit(1)


@click.command()
@click.argument("sources", nargs=-1)
@DB_OPTION
@SOURCES_OPTION
@click.option("--start-url", help="Crawl a site with no definition, within this URL's host.")
@click.option("--allow", multiple=True, help="With --start-url: regex of list pages to follow (repeatable).")
@click.option("--article", multiple=True, help="With --start-url: regex of article pages (repeatable).")
@WORKERS_OPTION
@SET_OPTION
@VERBOSE_OPTION
def crawl(
    sources: tuple[str, ...],
    db_path: str,
    sources_file: str,
    start_url: str | None,
    allow: tuple[str, ...],
    article: tuple[str, ...],
    workers: int | None,
    overrides: tuple[str, ...],
    verbose: int,
) -> None:
    """Crawl the named sources (all of them when none is named) into the archive.

    Examples:

        newsarchive crawl ifeng-qingdao --db archive.db

        newsarchive crawl --start-url https://news.example.cn/ --article '/\\d{8}/' --db archive.db
    """
    try:
        if start_url:
            if sources:
                raise SourcesError("name sources or give --start-url, not both")
            selected = [adhoc_source(start_url, allow=allow, article=article)]
        else:
            if allow or article:
                raise SourcesError("--allow and --article go with --start-url")
            selected = select_sources(load_sources(sources_file), sources)
    except SourcesError as exc:
        raise click.ClickException(str(exc)) from None
    settings = project_settings(
        ARCHIVE_DB=db_path,
        ARCHIVE_EXTRACT_WORKERS=workers,
        LOG_LEVEL=log_level(verbose),
        **settings_dict(overrides),
    )

    summaries = run_spiders(
        "news", [{"source": s} for s in selected], settings=settings, on_failure=print_failure
    )
    for summary in summaries:
        extra = summary.counts.get("skipped_known", 0)
        click.echo(
            f"{summary.source}: {summary.line(unit='article pages')}, {extra} known pages not fetched "
            f"({summary.finish_reason}, run {summary.run_id})"
        )
    if any(s.failed for s in summaries):
        sys.exit(1)
