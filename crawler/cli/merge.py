"""``newsarchive merge``: the workers' shard archives into the one that is published.

The library is imported inside the command, so ``--help`` stays fast.
"""

from __future__ import annotations

import click

from crawler.cli.options import ArchiveError, check_archive


@click.command()
@click.argument("shards", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option(
    "--into",
    "into",
    required=True,
    type=click.Path(dir_okay=False),
    help="The merged archive (created when missing); serve it, and schedule from it.",
)
@click.option(
    "--warc-root",
    type=click.Path(file_okay=False),
    help="Captures point at WARC files under DIR/<shard name>/ (each shard's WARC folder copied or mounted "
    "there) [default: each shard's own archive/warc folder].",
)
def merge(shards: tuple[str, ...], into: str, warc_root: str | None) -> None:
    """Merge shard archives (from `newsarchive worker`) into one archive: what is new since each one's last
    merge, so it can run on a timer, also while the workers write.

    Article ids stay as they are (from the canonical URL); an article two shards hold is one article (the
    newer text current, the other a version), an exact copy of another article becomes its keys; story
    clusters are updated for what changed; crawl runs are copied, so `status` works on the merged archive.

    Example:

        newsarchive merge /srv/news/shard-*.db --into /srv/news/archive.db
    """
    check_archive(into)

    from pipelines.archive.merge import MergeError, merge_shards

    try:
        reports = merge_shards(into, list(shards), warc_root=warc_root)
    except MergeError as exc:
        raise ArchiveError(str(exc)) from None
    for report in reports:
        click.echo(report.line())
