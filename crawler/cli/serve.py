"""``newsarchive serve``: Datasette over the archive, configured by ``publish/``."""

from __future__ import annotations

from pathlib import Path

import click

from crawler.cli.options import DB_OPTION
from pipelines.archive.schema import open_archive


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
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
