"""Options every ``newsarchive`` command spells the same way."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

from pipelines.sources import DEFAULT_SOURCES_FILE

F = TypeVar("F", bound=Callable[..., Any])

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
