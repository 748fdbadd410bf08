"""Options every ``newsarchive`` command spells the same way."""

from __future__ import annotations

import click

from pipelines.sources import DEFAULT_SOURCES_FILE

DB_OPTION = click.option(
    "--db",
    "db_path",
    default="archive.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The archive database.",
)

SOURCES_OPTION = click.option(
    "--sources",
    "sources_file",
    default=DEFAULT_SOURCES_FILE,
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The sources file.",
)


def log_level(verbose: int) -> str:
    """Scrapy's log level for -v counts: warnings only, then info, then debug."""
    return ["WARNING", "INFO", "DEBUG"][min(verbose, 2)]
