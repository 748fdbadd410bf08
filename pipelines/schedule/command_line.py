"""The options every crawl command started by a scheduler or a Redis worker passes on, written once."""

from __future__ import annotations

from collections.abc import Iterable


def crawl_flags(overrides: Iterable[str], workers: int | None, verbose: int) -> list[str]:
    """``-s NAME=VALUE`` for each Scrapy setting, ``--workers N`` and ``-v``... as the user gave them."""
    flags: list[str] = []
    for pair in overrides:
        flags += ["-s", pair]
    if workers is not None:
        flags += ["--workers", str(workers)]
    if verbose:
        flags.append("-" + "v" * verbose)
    return flags
