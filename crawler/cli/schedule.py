"""``newsarchive schedule`` (crawl each source when due) and ``newsarchive status`` (source health).

The library, APScheduler and rich are imported inside the commands, so ``--help`` stays fast.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from crawler.cli.options import (
    DB_OPTION,
    EXIT_FAILURES,
    SET_OPTION,
    VERBOSE_OPTION,
    WORKERS_OPTION,
    ConfigurationError,
    check_archive,
    sources_option,
)
from crawler.cli.worker import redis_schedule_options, schedule_to_redis
from pipelines.sources import DEFAULT_SOURCES_FILE

if TYPE_CHECKING:
    from rich.table import Table

    from pipelines.sources import Source

# = pipelines.archive.schema.DEFAULT_MAX_FAILURES and DEFAULT_USUAL_WEEKLY_NEW (a unit test checks).
DEFAULT_MAX_FAILURES = 3
DEFAULT_USUAL_WEEKLY_NEW = 7
# Sites crawled at once: crawls share long-lived crawl processes, so this is no longer a count of processes
# (bench/README_schedule_scale.md). A crawl at real politeness delays takes ~20-30 s, mostly waiting, and
# every source is due at the start (and, spread over the jitter, once a cycle): with 32 in flight, 200 sources
# took up to 138 s to start at real 30-minute schedules (30 of them over the 2-minute target), with 64 106 s.
DEFAULT_MAX_PARALLEL = 64


def _load(sources_file: str) -> dict[str, Source]:
    from pipelines.schedule.due import interval_seconds
    from pipelines.sources import SourcesError, load_sources

    try:
        sources = load_sources(sources_file)
        for source in sources.values():
            try:
                interval_seconds(source.schedule, source.timezone)
            except ValueError as exc:
                problem = f"source '{source.key}': field 'schedule': {exc}"
                raise SourcesError(f"{sources_file}: {problem}") from None
    except SourcesError as exc:
        raise ConfigurationError(str(exc)) from None
    return sources


@click.command()
@DB_OPTION
@sources_option("The sources file; each source's `schedule` says how often it is crawled.")
@click.option("--once", is_flag=True, help="Crawl every source that is due, then exit (for cron / timers).")
@click.option(
    "--max-parallel",
    default=DEFAULT_MAX_PARALLEL,
    show_default=True,
    help="Sites crawled at once, at most (each politely, by Scrapy's per-site limits).",
)
@click.option(
    "--processes",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Long-lived crawl processes the crawls are shared among (each with its own extraction workers).",
)
@click.option(
    "--jitter",
    default=60.0,
    show_default=True,
    help="Spread starts over up to this many seconds (at most a tenth of a source's interval).",
)
@WORKERS_OPTION
@SET_OPTION
@VERBOSE_OPTION
@redis_schedule_options
def schedule(
    db_path: str,
    sources_file: str,
    once: bool,
    max_parallel: int,
    processes: int,
    jitter: float,
    workers: int | None,
    overrides: tuple[str, ...],
    verbose: int,
    **redis: Any,
) -> None:
    """Crawl each source of the sources file when it is due, until stopped (SIGTERM or Ctrl-C).

    When a source is due is read from the archive (its last crawl), so a restart, or --once from cron,
    carries on where the last run left off; a source that missed several runs runs once. The same source
    never runs twice at once, also across processes. The crawls run in one long-lived crawl process (or
    --processes of them), many sites at once, sharing its extraction workers; it stops with the scheduler.

    Examples:

        newsarchive schedule --db archive.db

        newsarchive schedule --once --db archive.db   # from cron or a systemd timer

        newsarchive schedule --redis redis://10.0.0.5:6379/0 --db archive.db   # queue for workers
    """
    from pipelines.schedule.scheduler import CrawlOptions, Scheduler

    sources = _load(sources_file)
    if redis["redis_url"]:  # several machines: queue what is due for `newsarchive worker` (cli/worker.py)
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", force=True)
        return schedule_to_redis(db_path, sources, once, **redis)
    check_archive(db_path)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr, force=True
    )
    logging.getLogger("apscheduler").setLevel(logging.INFO if verbose else logging.WARNING)
    options = CrawlOptions(
        db_path=db_path,
        sources_file=sources_file,
        overrides=overrides,
        workers=workers,
        verbose=verbose,
        processes=processes,
    )
    scheduler = Scheduler(options, sources, max_parallel=max_parallel, max_jitter=jitter)
    if once:
        scheduler.run_once()
    else:
        scheduler.run_forever()


def _share(value: float | None) -> str:
    return "–" if value is None else f"{value:.0%}"


def _when(value: str | None, now: datetime) -> str:
    if not value:
        return "never"
    when = datetime.fromisoformat(value)
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    seconds = int((now - when).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{max(seconds, 0)}s ago"


COLUMNS = (
    "source", "last run", "outcome", "last success", "fails", "new 1d", "new 7d", "dated", "author",
    "body>200", "skipped", "problem / flags",
)  # fmt: skip
_LEFT = {"source", "last run", "outcome", "last success", "problem / flags"}


def _cells(row: dict[str, Any], now: datetime) -> list[str]:
    return [
        row["source"],
        _when(row["last_run"], now),
        row["last_outcome"] or "",
        _when(row["last_success"], now),
        str(row["consecutive_failures"]),
        str(row["new_1d"]),
        str(row["new_7d"]),
        _share(row["dated_share"]),
        _share(row["author_share"]),
        _share(row["body_share"]),
        str(row.get("skipped_pages") or 0),  # pages found not to be articles (skipped_pages)
        "; ".join(row["flags"]) or row.get("last_problem") or "",
    ]


def _table(rows: list[dict[str, Any]], now: datetime) -> Table:
    from rich.cells import cell_len
    from rich.markup import escape
    from rich.table import Table

    table = Table(title="Source health", title_justify="left")
    for column in COLUMNS:
        table.add_column(column, justify="left" if column in _LEFT else "right")
    # A source's key is what a reader looks for: never cut or wrapped, however narrow the terminal.
    table.columns[0].no_wrap = True
    table.columns[0].min_width = max((cell_len(str(row["source"])) for row in rows), default=6)
    for row in rows:
        cells = [escape(cell) for cell in _cells(row, now)]
        if row["flags"]:
            cells[0], cells[-1] = f"[red]{cells[0]}[/red]", f"[red]{cells[-1]}[/red]"
        table.add_row(*cells)
    return table


def plain_table(rows: list[dict[str, Any]], now: datetime) -> list[str]:
    """The health table as plain lines for a pipe, a file or cron mail: columns padded to their widest
    cell (counted in terminal cells: a Chinese character is two), nothing cut, no colour."""
    from rich.cells import cell_len

    table = [list(COLUMNS), *(_cells(row, now) for row in rows)]
    widths = [max(cell_len(line[i]) for line in table) for i in range(len(COLUMNS))]
    lines = []
    for line in table:
        padded = []
        for i, cell in enumerate(line):
            gap = " " * (widths[i] - cell_len(cell))
            last = i == len(line) - 1
            padded.append(cell if last else (cell + gap if COLUMNS[i] in _LEFT else gap + cell))
        lines.append("  ".join(padded).rstrip())
    return lines


@click.command()
@DB_OPTION
@click.option(
    "--sources",
    "sources_file",
    default=None,
    type=click.Path(dir_okay=False),
    help=f"The sources file, to list sources never crawled and flag overdue ones [default: "
    f"{DEFAULT_SOURCES_FILE} if it exists].",
)
@click.option(
    "--max-failures",
    default=DEFAULT_MAX_FAILURES,
    show_default=True,
    help="Flag a source after this many failed crawls in a row.",
)
@click.option(
    "--usual-weekly-new",
    default=DEFAULT_USUAL_WEEKLY_NEW,
    show_default=True,
    help="Flag a source with no new article in a day when it had at least this many the week before.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON (one object per source) instead.")
def status(
    db_path: str, sources_file: str | None, max_failures: int, usual_weekly_new: int, as_json: bool
) -> None:
    """Print each source's crawl health; exit with status 1 when a source is flagged.

    A crawl failed when its process died, when no page answered successfully (e.g. every page an HTTP
    500), or when pages failed and nothing was stored. A source is flagged after --max-failures failed
    crawls in a row, or when it had no new article in the last day although it usually has.

    Example (cron mails the output when something is wrong):

        newsarchive status --db archive.db > /dev/null || newsarchive status --db archive.db
    """
    if sources_file is None and Path(DEFAULT_SOURCES_FILE).exists():
        sources_file = DEFAULT_SOURCES_FILE
    sources = _load(sources_file) if sources_file else None
    check_archive(db_path, must_exist=True)

    from pipelines.archive.schema import open_archive
    from pipelines.schedule.health import Thresholds, source_health

    now = datetime.now(UTC)
    db = open_archive(db_path)
    try:
        rows = source_health(db, Thresholds(max_failures, usual_weekly_new), sources, now)
    finally:
        db.close()
    flagged = [row["source"] for row in rows if row["flags"]]
    verdict = f"flagged: {', '.join(flagged)}" if flagged else "all sources healthy"
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
    elif sys.stdout.isatty():
        from rich.console import Console

        console = Console(highlight=False)
        console.print(_table(rows, now))
        console.print(verdict, markup=False)
    else:
        # A pipe, a file or cron: plain lines that keep every source name whole for scripts and mail.
        for line in plain_table(rows, now):
            click.echo(line)
        click.echo(verdict)
    if flagged:
        sys.exit(EXIT_FAILURES)
