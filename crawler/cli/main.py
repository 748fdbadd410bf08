"""The ``newsarchive`` command line: thin commands over the library (see crawler.runner and publish)."""

from __future__ import annotations

import sys
from pathlib import Path

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
from crawler.runner import project_settings, run_spider, run_spiders
from pipelines.archive.schema import open_archive
from pipelines.archive.store import save_source
from pipelines.sources import SourcesError, adhoc_source, load_sources, select_sources


def register_sources(db_path: str, sources_file: str) -> None:
    """Documents credit sources by key: record the declared ones (name, region...) when the file is there."""
    if not Path(sources_file).exists():
        return
    try:
        sources = load_sources(sources_file)
    except SourcesError as exc:
        stderr_console.print(f"[yellow]warning[/yellow]: sources not recorded: {exc}", soft_wrap=True)
        return
    db = open_archive(db_path)
    try:
        for source in sources.values():
            save_source(db, source)
    finally:
        db.close()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsarchive")
def cli() -> None:
    """newsarchive: crawl, extract and archive regional news into SQLite, and publish it with Datasette."""


def print_failure(input_name: str, reason: str) -> None:
    """One line per input that failed, as it happens (above the progress bar when there is one)."""
    stderr_console.print(f"[red]failed[/red]: {input_name}: {reason}", markup=True, soft_wrap=True)


@cli.command()
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
    register_sources(db_path, sources_file)
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


@cli.command()
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


@cli.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@DB_OPTION
@click.option("--public", is_flag=True, help="Listen on all interfaces instead of 127.0.0.1 (see README).")
@click.argument("datasette_args", nargs=-1, type=click.UNPROCESSED)
def serve(db_path: str, public: bool, datasette_args: tuple[str, ...]) -> None:
    """Serve the archive with Datasette, configured by publish/; extra options go to ``datasette serve``.

    Example:

        newsarchive serve --db archive.db --get '/archive/articles.json?_search=青岛'
    """
    from datasette.cli import cli as datasette_cli

    from publish import datasette_serve_args

    if not Path(db_path).exists():
        raise click.ClickException(
            f"{db_path} does not exist: build it first with: newsarchive ingest seeds/"
        )
    # Datasette's connections are read-only: bring the file up to date (WAL, schema, views) first.
    open_archive(db_path).close()
    args = [*datasette_serve_args(db_path, public=public), *datasette_args]
    datasette_cli.main(args=args, prog_name="newsarchive serve")


from crawler.cli.schedule import schedule, status  # noqa: E402

cli.add_command(schedule)
cli.add_command(status)

from crawler.cli.warc import export_warc, reextract  # noqa: E402

cli.add_command(reextract)
cli.add_command(export_warc)
