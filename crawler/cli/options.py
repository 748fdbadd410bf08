"""Options every ``newsarchive`` command spells the same way, and the exit statuses they share.

Only click and the standard library are imported here (and by each command module at the top): ``--help``
must not pay for Scrapy, Datasette or the extractor, so commands import what they run inside themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from pipelines.sources import DEFAULT_SOURCES_FILE

F = TypeVar("F", bound=Callable[..., Any])

# Exit statuses, the same for every command (README, "Exit statuses").
EXIT_OK = 0  # the command did its job (a crawl's site-side failures, such as 404 pages, are only counted)
EXIT_FAILURES = 1  # it did its job, but some of its inputs failed (ingest, reextract, export-warc), or
# a source is flagged (status), or the archive needs upgrading (upgrade --check)
EXIT_USAGE = 2  # a bad option or argument, an unknown source, an invalid sources file
EXIT_ARCHIVE = 3  # the archive database (or its WARC folder) cannot be opened or written
EXIT_CRAWL_FAILED = (
    4  # a crawl could not do its job: no page answered, or pages failed and nothing was stored
)


class ConfigurationError(click.ClickException):
    """An unknown source or an invalid sources file: exit status 2, one line."""

    exit_code = EXIT_USAGE


class ArchiveError(click.ClickException):
    """The archive cannot be opened or written: exit status 3, one line."""

    exit_code = EXIT_ARCHIVE


def check_archive(db_path: str, *, must_exist: bool = False) -> None:
    """The archive is usable (created when missing, unless ``must_exist``), or ArchiveError."""
    from pipelines.archive.schema import ArchiveUnavailable
    from pipelines.archive.schema import check_archive as check

    try:
        check(db_path, must_exist=must_exist)
    except ArchiveUnavailable as exc:
        missing = must_exist and not Path(db_path).exists()
        hint = ": build it first with: newsarchive ingest seeds/" if missing else ""
        raise ArchiveError(f"{exc}{hint}") from None


DB_OPTION = click.option(
    "--db",
    "db_path",
    default="archive.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="The archive database.",
)


def sources_option(help: str = "The sources file.") -> Callable[[F], F]:
    return click.option(
        "--sources",
        "sources_file",
        default=DEFAULT_SOURCES_FILE,
        show_default=True,
        type=click.Path(dir_okay=False),
        help=help,
    )


SOURCES_OPTION = sources_option()

WORKERS_OPTION = click.option(
    "--workers", type=int, help="Extraction processes (default: one per CPU core; 0 = inline)."
)

VERBOSE_OPTION = click.option("-v", "--verbose", count=True, help="Show Scrapy's log (-v info, -vv debug).")


def _check_settings(ctx: click.Context, param: click.Parameter, pairs: tuple[str, ...]) -> tuple[str, ...]:
    for pair in pairs:
        name, sep, _ = pair.partition("=")
        if not sep or not name:
            raise click.BadParameter(f"expected NAME=VALUE, got {pair!r}", param_hint="--set")
    return pairs


# The pairs stay NAME=VALUE strings: `schedule` passes them on to each crawl as they came.
SET_OPTION = click.option(
    "-s",
    "--set",
    "overrides",
    multiple=True,
    metavar="NAME=VALUE",
    callback=_check_settings,
    help="A Scrapy setting.",
)


def settings_dict(pairs: tuple[str, ...]) -> dict[str, str]:
    """``--set`` pairs (checked by SET_OPTION) as settings."""
    return {name: value for name, _, value in (pair.partition("=") for pair in pairs)}


def log_level(verbose: int) -> str:
    """Scrapy's log level for -v counts: warnings only, then info, then debug."""
    return ["WARNING", "INFO", "DEBUG"][min(verbose, 2)]
