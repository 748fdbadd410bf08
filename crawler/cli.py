"""The ``newsarchive`` command line: thin commands over the library (see crawler.runner and publish)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from crawler.console import stderr_console
from crawler.runner import project_settings, run_spider

DB_OPTION = click.option(
    "--db",
    "db_path",
    default="archive.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The archive database.",
)


def _log_level(verbose: int) -> str:
    return ["WARNING", "INFO", "DEBUG"][min(verbose, 2)]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsarchive")
def cli() -> None:
    """newsarchive: crawl, extract and archive regional news into SQLite, and publish it with Datasette."""


@cli.command()
@click.argument("paths", nargs=-1, required=True)
@DB_OPTION
@click.option("--workers", type=int, help="Extraction processes (default: one per CPU core; 0 = inline).")
@click.option("--progress/--no-progress", default=None, help="Show a progress bar (default: on a terminal).")
@click.option("-v", "--verbose", count=True, help="Show Scrapy's log (-v info, -vv debug).")
def ingest(
    paths: tuple[str, ...], db_path: str, workers: int | None, progress: bool | None, verbose: int
) -> None:
    """Read local seed documents (files or folders, recursively) into the archive.

    Front-matter documents (*.txt, *.md) and saved HTML pages (*.html, with an optional sidecar
    PAGE.html.json giving url, fetched_at, source and headers) go through the same extraction,
    deduplication and storage as crawled pages.

    Example:

        newsarchive ingest seeds/ --db archive.db
    """
    show_progress = sys.stderr.isatty() if progress is None else progress
    settings = project_settings(
        ARCHIVE_DB=db_path,
        ARCHIVE_EXTRACT_WORKERS=workers,
        ARCHIVE_PROGRESS=show_progress,
        LOG_LEVEL=_log_level(verbose),
    )

    def print_failure(input_name: str, reason: str) -> None:
        stderr_console.print(f"[red]failed[/red]: {input_name}: {reason}", markup=True, soft_wrap=True)

    summary = run_spider("seeds", settings=settings, on_failure=print_failure, paths=list(paths))
    if summary.run_id is None:
        raise click.ClickException(f"the run did not start ({summary.finish_reason}); see the log with -v")
    click.echo(f"{summary.line()} (run {summary.run_id}, {db_path})")
    if summary.failed:
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
    args = [*datasette_serve_args(db_path, public=public), *datasette_args]
    datasette_cli.main(args=args, prog_name="newsarchive serve")
