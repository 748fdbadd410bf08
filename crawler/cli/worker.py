"""``newsarchive worker`` (crawl due sources taken from Redis into this machine's shard) and the Redis side of
``newsarchive schedule --redis`` (due sources onto the queue). See README, "Running on several machines".

Redis and the library are imported inside the commands, so ``--help`` stays fast.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from crawler.cli.options import (
    EXIT_ARCHIVE,
    SET_OPTION,
    VERBOSE_OPTION,
    WORKERS_OPTION,
    check_archive,
    sources_option,
)

F = TypeVar("F", bound=Callable[..., Any])

REDIS_OPTION = click.option(
    "--redis",
    "redis_url",
    required=True,
    envvar="NEWSARCHIVE_REDIS_URL",
    metavar="URL",
    help="The Redis server the workers share, e.g. redis://10.0.0.5:6379/0 [env NEWSARCHIVE_REDIS_URL].",
)
PREFIX_OPTION = click.option(
    "--redis-prefix",
    default="newsarchive",
    show_default=True,
    help="Prefix of every Redis key, so several archives can share one server.",
)


class RedisUnavailable(click.ClickException):
    """Redis cannot be reached: exit status 3, one line (like an archive that cannot be opened)."""

    exit_code = EXIT_ARCHIVE


def redis_client(url: str) -> Any:
    """A connected client, or RedisUnavailable naming the URL."""
    from pipelines.distributed.worker import connect

    try:
        client = connect(url)
        client.ping()
    except Exception as exc:  # redis-py raises ConnectionError, TimeoutError, ValueError for a bad URL
        raise RedisUnavailable(f"Redis at {url} cannot be used: {exc}") from None
    return client


def _log_to_stderr(verbose: int) -> None:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s", stream=sys.stderr, force=True
    )


@click.command()
@REDIS_OPTION
@click.option(
    "--db",
    "db_path",
    default="shard.db",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="This worker's shard archive (its WARC files go beside it); merge it with `newsarchive merge`.",
)
@sources_option("The sources file (the same on every machine).")
@PREFIX_OPTION
@click.option(
    "--lease",
    default=30.0,
    show_default=True,
    help="Seconds a source's lease lasts unless renewed: a dead worker's source is taken over after this.",
)
@click.option("--poll", default=1.0, show_default=True, help="Seconds between looks at an empty queue.")
@click.option("--exit-when-idle", is_flag=True, help="Exit once nothing is queued or being crawled.")
@click.option("--max-crawls", type=int, help="Exit after this many crawls.")
@WORKERS_OPTION
@SET_OPTION
@VERBOSE_OPTION
def worker(
    redis_url: str,
    db_path: str,
    sources_file: str,
    redis_prefix: str,
    lease: float,
    poll: float,
    exit_when_idle: bool,
    max_crawls: int | None,
    workers: int | None,
    overrides: tuple[str, ...],
    verbose: int,
) -> None:
    """Crawl due sources taken from Redis into this machine's shard archive, until stopped (SIGTERM).

    Run one per machine (or several: each with its own --db). `newsarchive schedule --redis URL` queues the
    due sources; a worker holds each source's lease in Redis while it crawls it, so no source is crawled by
    two workers at once, and a worker that dies loses its sources to another within --lease seconds. Merge
    the shards into the published archive with `newsarchive merge`.

    Example:

        newsarchive worker --redis redis://10.0.0.5:6379/0 --db shard-a.db
    """
    if lease <= 0 or poll <= 0:
        raise click.BadParameter("must be more than 0", param_hint="--lease / --poll")
    check_archive(db_path)
    client = redis_client(redis_url)

    from pipelines.distributed.worker import Worker, WorkerOptions

    _log_to_stderr(verbose)
    options = WorkerOptions(
        redis_url=redis_url,
        db_path=db_path,
        sources_file=sources_file,
        prefix=redis_prefix,
        lease_seconds=lease,
        poll_seconds=poll,
        exit_when_idle=exit_when_idle,
        max_crawls=max_crawls,
        overrides=overrides,
        workers=workers,
        verbose=verbose,
    )
    results = Worker(options, client).run()
    click.echo(f"{len(results)} crawls ({sum(1 for r in results if r.code == 0)} exited 0), shard {db_path}")


def shared_sources(pairs: tuple[str, ...], known: set[str]) -> dict[str, int]:
    """``--shared KEY=N`` pairs: KEY crawled by N workers together (N >= 2)."""
    shared = {}
    for pair in pairs:
        key, _, count = pair.partition("=")
        if key not in known:
            raise click.BadParameter(f"unknown source {key!r}", param_hint="--shared")
        try:
            slots = int(count or "2")
        except ValueError:
            raise click.BadParameter(f"expected KEY=N, got {pair!r}", param_hint="--shared") from None
        if slots < 2:
            raise click.BadParameter(f"{pair!r}: N must be 2 or more", param_hint="--shared")
        shared[key] = slots
    return shared


def redis_schedule_options(command: F) -> F:
    """``schedule``'s options for queueing due sources in Redis instead of crawling them."""
    options = (
        click.option(
            "--redis",
            "redis_url",
            envvar="NEWSARCHIVE_REDIS_URL",
            metavar="URL",
            help="Queue due sources in this Redis for `newsarchive worker`s instead of crawling them "
            "(--db: the merged archive) [env NEWSARCHIVE_REDIS_URL].",
        ),
        click.option(
            "--redis-prefix", default="newsarchive", show_default=True, help="With --redis: key prefix."
        ),
        click.option(
            "--shared",
            "shared_pairs",
            multiple=True,
            metavar="KEY=N",
            help="With --redis: N workers crawl source KEY together (scrapy-redis frontier; repeatable).",
        ),
        click.option(
            "--every",
            default=30.0,
            show_default=True,
            help="With --redis: seconds between looks at what is due.",
        ),
    )
    for option in reversed(options):
        command = option(command)
    return command


def schedule_to_redis(
    db_path: str,
    sources: dict[str, Any],
    once: bool,
    *,
    redis_url: str,
    redis_prefix: str,
    shared_pairs: tuple[str, ...],
    every: float,
) -> None:
    """``schedule --redis``: decide what is due from the (merged) archive, as always, and queue it."""
    import threading

    from pipelines.distributed.dispatch import run_dispatcher
    from pipelines.distributed.keys import RedisKeys
    from pipelines.distributed.queue import SourceQueue
    from pipelines.schedule.signals import stop_on_signals

    shared = shared_sources(shared_pairs, set(sources))
    check_archive(db_path)
    queue = SourceQueue(redis_client(redis_url), RedisKeys(redis_prefix))
    stop = threading.Event()
    with stop_on_signals(stop.set, log=logging.getLogger("newsarchive.schedule")):
        run_dispatcher(db_path, sources, queue, shared=shared, every=every, once=once, stop=stop)
