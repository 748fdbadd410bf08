"""``newsarchive serve``: Datasette over the archive, configured by ``publish/``."""

from __future__ import annotations

import tempfile
from pathlib import Path

import click

from crawler.cli.options import DB_OPTION, ArchiveError, check_archive


@click.command(context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
@DB_OPTION
@click.option("--public", is_flag=True, help="Listen on all interfaces instead of 127.0.0.1 (see README).")
@click.option(
    "--immutable",
    is_flag=True,
    help="Serve the file as an immutable snapshot (datasette -i, with its table counts taken once): nothing "
    "is written to it. For a copy that no crawl writes to any more.",
)
@click.argument("datasette_args", nargs=-1, type=click.UNPROCESSED)
def serve(db_path: str, public: bool, immutable: bool, datasette_args: tuple[str, ...]) -> None:
    """Serve the archive with Datasette, configured by publish/; extra options go to ``datasette serve``.

    Example:

        newsarchive serve --db archive.db --get '/archive/articles.json?_search=青岛'
    """
    if immutable:
        _check_snapshot(db_path)
    else:
        # Datasette's connections are read-only: bring the file up to date (WAL, schema, views) first.
        check_archive(db_path, must_exist=True)

    from datasette.cli import cli as datasette_cli

    from publish import datasette_serve_args, write_inspect_file

    with tempfile.TemporaryDirectory(prefix="newsarchive-serve-") as folder:
        inspect_file = str(write_inspect_file(db_path, Path(folder))) if immutable else None
        args = datasette_serve_args(db_path, public=public, immutable=immutable, inspect_file=inspect_file)
        datasette_cli.main(args=[*args, *datasette_args], prog_name="newsarchive serve")


def _check_snapshot(db_path: str) -> None:
    """An immutable server reads the main file only: it must exist, and hold everything (no WAL pending)."""
    path = Path(db_path)
    if not path.is_file():
        raise ArchiveError(f"{db_path} does not exist: build it first with: newsarchive ingest seeds/")
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size > 0:
        raise ArchiveError(
            f"{db_path} has changes in {wal.name} that an immutable server would not see: when no crawl "
            f"runs, sqlite3 {db_path} 'pragma wal_checkpoint(truncate)' moves them into it (or serve it "
            f"without --immutable)"
        )
