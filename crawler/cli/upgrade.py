"""``newsarchive upgrade``: the steps an update of newsarchive needs on an existing archive, run on purpose.

The library is imported inside the command, so ``--help`` stays fast.
"""

from __future__ import annotations

import click

from crawler.cli.options import DB_OPTION, EXIT_FAILURES, EXIT_OK, ArchiveError


@click.command()
@DB_OPTION
@click.option(
    "--check",
    is_flag=True,
    help="Only list what the archive needs, without changing it; exit status 1 when it needs something.",
)
def upgrade(db_path: str, check: bool) -> None:
    """Bring an archive made by an earlier version up to date now, each step timed.

    Any command does this when it first opens the archive, but on a large archive a step can take long (the
    search index of a million articles: about half an hour on 2 cores, with free disk about the archive's
    size meanwhile), and `serve` would look hung. Run this first, at a time that suits you; it is safe to stop
    (the archive stays as it was) and to run again.

    Example:

        newsarchive upgrade --check --db archive.db   # what would be done
        newsarchive upgrade --db archive.db
    """
    from pipelines.archive.schema import ArchiveUnavailable
    from pipelines.archive.upgrade import STEPS, pending_upgrades, upgrade_archive

    try:
        if check:
            needed = pending_upgrades(db_path)
            for step in needed:
                click.echo(f"needed: {step}: {STEPS[step]}")
            if not needed:
                click.echo("up to date: nothing to do")
            raise SystemExit(EXIT_FAILURES if needed else EXIT_OK)
        for line in upgrade_archive(db_path).lines():
            click.echo(line)
    except ArchiveUnavailable as exc:
        raise ArchiveError(str(exc)) from None
