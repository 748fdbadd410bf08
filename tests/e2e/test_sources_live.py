"""The shipped sources against the live sites (network): each start page answers and links to article URLs.
Deselected unless asked for with ``pytest -m requires_internet``."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from pipelines.sources import load_sources

REPO_ROOT = Path(__file__).resolve().parents[2]
SHIPPED = load_sources(REPO_ROOT / "sources.toml")


@pytest.mark.requires_internet
@pytest.mark.parametrize("key", sorted(SHIPPED))
def test_live_start_page_links_to_articles(key: str) -> None:
    """Run with `pytest -m requires_internet`: each start page answers and links to article URLs."""
    source = SHIPPED[key]
    request = urllib.request.Request(source.start_urls[0], headers={"User-Agent": "newsarchive-check/0.1"})
    with urllib.request.urlopen(request, timeout=30) as response:
        html = response.read().decode("utf-8", "replace")
    links = re.findall(r'href="([^"]+)"', html)
    absolute = [urllib.parse.urljoin(source.start_urls[0], link) for link in links]
    assert any(re.search(p, url) for p in source.article_patterns for url in absolute)
