"""``newsarchive ingest`` (local documents) and ``newsarchive crawl`` (sources): running the spiders.

Scrapy and the library are imported inside the commands, so ``--help`` stays fast.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from crawler.cli.options import (
    DB_OPTION,
    EXIT_CRAWL_FAILED,
    EXIT_FAILURES,
    SET_OPTION,
    SOURCES_OPTION,
    VERBOSE_OPTION,
    WORKERS_OPTION,
    ConfigurationError,
    check_archive,
    log_level,
    settings_dict,
)


def print_failure(input_name: str, reason: str) -> None:
    """One line per input that failed, as it happens (above the progress bar when there is one)."""
    from crawler.console import stderr_console

    stderr_console.print(f"[red]failed[/red]: {input_name}: {reason}", markup=True, soft_wrap=True)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@DB_OPTION
@SOURCES_OPTION
@click.option(
    "--source",
    "source_key",
    metavar="KEY",
    help="File documents whose sidecar or front matter names no source under KEY [default: the source "
    "of their URL, else seeds].",
)
@WORKERS_OPTION
@click.option("--progress/--no-progress", default=None, help="Show a progress bar (default: on a terminal).")
@VERBOSE_OPTION
def ingest(
    paths: tuple[str, ...],
    db_path: str,
    sources_file: str,
    source_key: str | None,
    workers: int | None,
    progress: bool | None,
    verbose: int,
) -> None:
    """Read local seed documents (files or folders, recursively) into the archive.

    Front-matter documents (*.txt, *.md) and saved HTML pages (*.html, with an optional sidecar
    PAGE.html.json giving url, fetched_at, source and headers) go through the same extraction,
    deduplication and storage as crawled pages. Exit status 1 when a document failed (see README).

    Example:

        newsarchive ingest seeds/ --db archive.db --source bandao
    """
    if source_key is not None and not source_key.strip():
        raise click.BadParameter("a source key cannot be empty", param_hint="--source")
    check_archive(db_path)

    from crawler.console import stderr_console
    from crawler.runner import project_settings, record_sources, run_spider

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
    spider_args: dict[str, Any] = {"paths": list(paths)}
    if source_key:
        spider_args["source"] = source_key.strip()
    summary = run_spider("seeds", settings=settings, on_failure=print_failure, **spider_args)
    if summary.run_id is None:
        raise click.ClickException(f"the run did not start ({summary.finish_reason}); see the log with -v")
    click.echo(f"{summary.line()} (run {summary.run_id}, {db_path})")
    if summary.failed:
        sys.exit(EXIT_FAILURES)


@click.command()
@click.argument("sources", nargs=-1)
@DB_OPTION
@SOURCES_OPTION
@click.option("--start-url", help="Crawl a site with no definition, within this URL's host.")
@click.option("--allow", multiple=True, help="With --start-url: regex of list pages to follow (repeatable).")
@click.option("--article", multiple=True, help="With --start-url: regex of article pages (repeatable).")
@WORKERS_OPTION
@click.option(
    "--progress/--no-progress",
    default=None,
    help="Show a progress bar (default: on a terminal, when one source is crawled).",
)
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
    progress: bool | None,
    overrides: tuple[str, ...],
    verbose: int,
) -> None:
    """Crawl the named sources (all of them when none is named) into the archive.

    A crawl that did its job exits 0, even when some pages were 404s or server errors (they are counted,
    and shown by `newsarchive status`); it exits 4 when it could not do its job (no page answered, or
    pages failed and nothing was stored), 3 when the archive cannot be opened, 2 for a bad option or an
    unknown source (see README, "Exit statuses").

    Examples:

        newsarchive crawl ifeng-qingdao --db archive.db

        newsarchive crawl --start-url https://news.example.cn/ --article '/\\d{8}/' --db archive.db
    """
    from pipelines.sources import SourcesError, adhoc_source, load_sources, select_sources

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
        raise ConfigurationError(str(exc)) from None
    check_archive(db_path)

    from crawler.console import stderr_console
    from crawler.runner import project_settings, run_spiders

    # One bar per process: rich shows one live display at a time, so several sources crawl without one.
    show_progress = (stderr_console.is_terminal if progress is None else progress) and len(selected) == 1
    settings = project_settings(
        ARCHIVE_DB=db_path,
        ARCHIVE_EXTRACT_WORKERS=workers,
        ARCHIVE_PROGRESS=show_progress,
        LOG_LEVEL=log_level(verbose),
        **settings_dict(overrides),
    )
    summaries = run_spiders(
        "news", [{"source": s} for s in selected], settings=settings, on_failure=print_failure
    )
    could_not = False
    for summary in summaries:
        extra = summary.counts.get("skipped_known", 0)
        click.echo(
            f"{summary.source}: {summary.line(unit='article pages')}, {extra} known pages not fetched "
            f"({summary.finish_reason}, run {summary.run_id})"
        )
        problem = summary.crawl_problem()
        if problem:
            could_not = True
            click.echo(f"{summary.source or 'crawl'}: could not crawl: {problem}", err=True)
    if could_not:
        sys.exit(EXIT_CRAWL_FAILED)
