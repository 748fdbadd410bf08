"""Helpers of the distributed tests and benchmark: several local sites that differ (their own articles, none of
the fixed pages every LocalNewsSite shares, which would be exact copies across sources), and the commands of
``newsarchive worker``, ``schedule --redis`` and ``merge`` as a user runs them."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from tests.support.local_site import LocalNewsSite, make_articles, serve_site, sources_toml

REPO_ROOT = Path(__file__).resolve().parents[2]
# The same page on every site (a slow article, an oversized one): stored by whichever source comes first, an
# exact copy for the others. Taken away, so what each source stores does not depend on timing.
SHARED_PAGES = ("/news/2024/01/01/art_9001.html", "/news/2024/01/01/art_9002.html")
# Crawl settings for local sites: no politeness delays, small limits, one extraction worker per crawl.
FAST = [
    "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "DOWNLOAD_MAXSIZE=1000000",
    "-s", "ARCHIVE_RETRY_BACKOFF_BASE=0.05", "-s", "DOWNLOAD_TIMEOUT=5", "--workers", "1",
]  # fmt: skip


@contextlib.contextmanager
def distinct_sites(
    count: int, *, articles: int = 8, article_delay: float = 0.0, first_seed: int = 100
) -> Iterator[tuple[list[LocalNewsSite], str]]:
    """``count`` local sites (sources site0, site1, ...), each with articles of its own; yields the sites
    and the sources file describing them."""
    with contextlib.ExitStack() as stack:
        sites, definitions = [], []
        for i in range(count):
            site = LocalNewsSite(article_count=articles, slow_seconds=0.05, oversized_bytes=100_000)
            site.articles = make_articles(articles, seed=first_seed + i)
            site.article_delay = article_delay
            base_url = stack.enter_context(serve_site(site))
            for path in SHARED_PAGES:
                site.pages.pop(path, None)
            sites.append(site)
            definitions.append(sources_toml(base_url, f"site{i}"))
        yield sites, "".join(definitions)


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(REPO_ROOT)}


def command(*args: str) -> list[str]:
    return [sys.executable, "-m", "crawler", *args]


def start_worker(cwd: Path, redis_url: str, shard: str, *extra: str) -> subprocess.Popen[str]:
    """``newsarchive worker`` into ``shard`` until nothing is queued or being crawled."""
    argv = command(
        "worker", "--redis", redis_url, "--db", shard, "--sources", "sources.toml", "--exit-when-idle",
        "--poll", "0.2", *FAST, *extra,
    )  # fmt: skip
    return subprocess.Popen(
        argv, cwd=cwd, env=env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def run(cwd: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command(*args), cwd=cwd, env=env(), capture_output=True, text=True, timeout=timeout)


def article_fetches(site: LocalNewsSite) -> Counter[str]:
    """How often each of the site's articles was requested."""
    wanted = site.article_paths()
    return Counter(path for path in site.requested_paths() if path in wanted)
