"""``newsarchive reextract`` and ``newsarchive export-warc``: working from the WARC archive, offline.

The library is imported inside the commands, so ``--help`` stays fast.
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from crawler.cli.options import DB_OPTION, EXIT_FAILURES, WORKERS_OPTION, ConfigurationError, check_archive

if TYPE_CHECKING:
    from pipelines.warc.reextract import Summary

DEFAULT_MAX_SIZE = 1_000_000_000  # = pipelines.warc.records.DEFAULT_MAX_SIZE (a unit test checks)

_warc_dir = click.option(
    "--warc-dir",
    type=click.Path(file_okay=False),
    help="The WARC folder (default: archive/warc beside the database).",
)
_source = click.option("--source", metavar="KEY", help="Only this source's articles.")
_since = click.option("--since", metavar="DATE", help="Only captures made on or after DATE (ISO 8601).")


def _open(db_path: str, warc_dir: str | None, source: str | None) -> tuple[Any, Path]:
    """The archive and its WARC folder; a --source the archive does not know is an error naming those
    it knows (a misspelling would otherwise select nothing and succeed)."""
    from pipelines.archive.lookup import source_keys
    from pipelines.archive.schema import open_archive
    from pipelines.warc.records import default_warc_dir

    check_archive(db_path, must_exist=True)
    db = open_archive(db_path)
    if source is not None:
        known = source_keys(db)
        if source not in known:
            db.close()
            raise ConfigurationError(
                f"unknown source {source!r} (known: {', '.join(known) or 'none, the archive is empty'})"
            )
    return db, Path(warc_dir) if warc_dir else default_warc_dir(db_path)


def _utc(value: str | None, option: str, *, end_of_day: bool = False) -> str | None:
    if value is None:
        return None
    from pipelines.warc.reextract import parse_since

    try:
        if end_of_day and len(value) == 10:  # a bare date: the whole day is included
            value = (date.fromisoformat(value) + timedelta(days=1)).isoformat()
        return parse_since(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def _short(value: Any, width: int = 50) -> str:
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


@click.command()
@DB_OPTION
@_source
@_since
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@_warc_dir
@WORKERS_OPTION
@click.option("--show", default=20, show_default=True, help="Changed articles to list one by one.")
def reextract(
    db_path: str,
    source: str | None,
    since: str | None,
    dry_run: bool,
    warc_dir: str | None,
    workers: int | None,
    show: int,
) -> None:
    """Re-run extraction over the archived pages (WARC), without any network access.

    Articles whose extracted fields changed are updated; every processed row records the extractor's
    name and version. Articles whose WARC record is missing or damaged are reported by id; the others
    are processed all the same (exit status 1 when any failed).

    Exit status 1 when an article failed, 2 for an unknown --source, 3 when the archive cannot be opened.

    Example:

        newsarchive reextract --db archive.db --source ifeng-qingdao --since 2024-03-01 --dry-run
    """
    since_utc = _utc(since, "--since")
    db, folder = _open(db_path, warc_dir, source)

    from pipelines.warc.reextract import reextract as reextract_archive

    try:
        summary = reextract_archive(
            db, folder, source=source, since=since_utc, dry_run=dry_run, workers=workers
        )
    finally:
        db.close()
    _print_summary(summary, dry_run=dry_run, show=show)
    if summary.failed:
        sys.exit(EXIT_FAILURES)


def _print_summary(summary: Summary, *, dry_run: bool, show: int) -> None:
    from pipelines.extract import EXTRACTOR_NAME, EXTRACTOR_VERSION

    per_thousand = summary.seconds / summary.selected * 1000 if summary.selected else 0.0
    click.echo(
        f"{summary.selected} articles re-extracted with {EXTRACTOR_NAME} {EXTRACTOR_VERSION} in "
        f"{summary.seconds:.1f} s ({per_thousand:.1f} s per 1000): {len(summary.changed)} changed, "
        f"{summary.unchanged} unchanged, {len(summary.failed)} failed, "
        f"{len(summary.without_warc)} without a WARC record"
        + (" (dry run: nothing written)" if dry_run else f" (run {summary.run_id})")
    )
    if summary.per_field:
        counts = ", ".join(f"{name} {count}" for name, count in summary.per_field.most_common())
        click.echo(f"changed fields: {counts}")
    for change in summary.changed[:show]:
        for name in change.fields:
            old, new = _short(change.before[name]), _short(change.after[name])
            click.echo(f"  article {change.article_id}: {name}: {old} -> {new}")
    if len(summary.changed) > show:
        click.echo(f"  … and {len(summary.changed) - show} more changed articles")
    for article_id, reason in summary.failed:
        click.echo(f"failed: article {article_id}: {reason}", err=True)


@click.command("export-warc")
@DB_OPTION
@_source
@_since
@click.option("--until", metavar="DATE", help="Only captures made before DATE (a bare date: up to its end).")
@click.option("--out", required=True, type=click.Path(file_okay=False), help="Folder for the new WARC files.")
@click.option("--max-size", type=int, default=DEFAULT_MAX_SIZE, show_default=True, help="Bytes per file.")
@click.option("--cdxj", is_flag=True, help="Also write a sorted CDXJ index of the new files (pywb's format).")
@click.option("--wacz", is_flag=True, help="Also package the new files as a WACZ (index and page list).")
@_warc_dir
def export_warc(
    db_path: str,
    source: str | None,
    since: str | None,
    until: str | None,
    out: str,
    max_size: int,
    cdxj: bool,
    wacz: bool,
    warc_dir: str | None,
) -> None:
    """Write the archived records of a source and/or date range into new WARC files in OUT.

    Records are copied verbatim (request and response, seed files with their sidecars), together with
    the records that revisits in the selection point at, so the files stand alone: they pass
    ``warcio check`` and open with ``warcio index``, pywb and other WARC tools. (A 304's revisit written
    before revisits carried the page's headers is given them in the copy, so replay shows the page.)
    --cdxj writes their index beside them (NAME.cdxj: put it in a pywb collection's indexes/ and the
    files in its archive/); --wacz packages them with that index and the articles as its pages
    (NAME.wacz: ReplayWeb.page, or pywb's wb-manager add --unpack-wacz).

    Example:

        newsarchive export-warc --source ifeng-qingdao --out export/ --wacz
    """
    window_since, window_until = _utc(since, "--since"), _utc(until, "--until", end_of_day=True)
    db, folder = _open(db_path, warc_dir, source)

    from pipelines.archive.lookup import Selection, select_capture_groups
    from pipelines.warc.export import export_groups
    from pipelines.warc.records import software

    selection = Selection(source, window_since, window_until)
    try:
        groups = select_capture_groups(db, selection)
        if wacz:
            from pipelines.warc.wacz import article_pages

            pages = article_pages(db, selection, {group[0] for group in groups})
    finally:
        db.close()
    described = ", ".join(
        f"{name} {value}" for name, value in (("source", source), ("since", since), ("until", until)) if value
    )
    info = {"software": software(), "description": f"newsarchive export ({described or 'everything'})"}
    result = export_groups(folder, groups, Path(out), max_size=max_size, info=info)
    click.echo(
        f"{result.groups} captures ({result.bytes} bytes) exported to {len(result.files)} files in {out}"
        + (f" ({result.rewritten} old 304 revisits given their page's headers)" if result.rewritten else "")
    )
    files = [Path(name) for name in result.files]
    stem = files[0].name.removesuffix(".warc.gz") if files else None
    if (cdxj or wacz) and stem is None:
        click.echo("nothing exported: no index or package written")
    if stem and cdxj:
        from pipelines.warc.cdxj import write_cdxj

        lines = write_cdxj(files, Path(out) / f"{stem}.cdxj")
        click.echo(f"index: {Path(out) / f'{stem}.cdxj'} ({lines} lines)")
    if stem and wacz:
        from pipelines.warc.wacz import write_wacz

        package = Path(out) / f"{stem}.wacz"
        lines = write_wacz(package, files, pages, title=info["description"], software=info["software"])
        click.echo(f"package: {package} ({len(files)} WARC files, {lines} index lines, {len(pages)} pages)")
    for capture_id, reason in result.failed:
        click.echo(f"failed: capture {capture_id}: {reason}", err=True)
    if result.failed:
        sys.exit(EXIT_FAILURES)
