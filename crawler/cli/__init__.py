"""The ``newsarchive`` command line: thin click commands over the library, one module per group of commands.

Each command parses its options, calls one library function (``crawler.runner`` for the spiders,
``pipelines`` for the archive, ``publish`` for Datasette) and turns its errors into one clear message.
No SQL here.
"""

from __future__ import annotations

import click

from crawler.cli.crawl import crawl, ingest
from crawler.cli.merge import merge
from crawler.cli.schedule import schedule, status
from crawler.cli.serve import serve
from crawler.cli.upgrade import upgrade
from crawler.cli.warc import export_warc, reextract
from crawler.cli.worker import worker


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="newsarchive")
def cli() -> None:
    """newsarchive: crawl, extract and archive regional news into SQLite, and publish it with Datasette."""


for command in (ingest, crawl, schedule, status, reextract, export_warc, serve, worker, merge, upgrade):
    cli.add_command(command)
