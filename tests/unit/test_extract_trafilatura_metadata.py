"""pipelines.extract.trafilatura_metadata gives what trafilatura's own metadata step gives (every field the
extractor reads), and its author search what trafilatura's does, on pages written for each test the search
makes, on the saved site pages, and on a sample of the labelled pages when ../shared is here."""

from __future__ import annotations

import gzip
import json
from copy import copy
from pathlib import Path

import pytest
from lxml import etree
from trafilatura.metadata import extract_author, extract_metadata

from pipelines.extract.decode import decode_html
from pipelines.extract.parse import parse_html
from pipelines.extract.sanitize import sanitize_html
from pipelines.extract.trafilatura_metadata import markup_author, trafilatura_metadata
from tests.conftest import REPO_ROOT, SHARED_DIR

# Not computed here (trafilatura's date, licence and host name, which the extractor does not read), or set
# from the date search's parameters.
NOT_COMPARED = {"date", "license", "hostname", "filedate"}
STORY = "<p>" + "The harbour council met on Tuesday to discuss the plan and its budget. " * 5 + "</p>"


def tree_of(html: str | bytes) -> etree._Element:
    text = html if isinstance(html, str) else decode_html(html, None)[0]
    tree = parse_html(sanitize_html(text))
    assert tree is not None
    return tree


def assert_same_metadata(tree: etree._Element, url: str | None) -> None:
    before = etree.tostring(tree)
    ours = trafilatura_metadata(tree, url)
    theirs = extract_metadata(copy(tree), url)
    for field in set(theirs.__slots__) - NOT_COMPARED:
        mine, its = getattr(ours, field), getattr(theirs, field)
        if isinstance(its, etree._Element):  # the empty body trees a new Document starts with
            mine, its = etree.tostring(mine), etree.tostring(its)
        assert mine == its, field
    assert etree.tostring(tree) == before  # the page is not changed


def assert_same_author(html: str) -> str | None:
    tree = tree_of(html)
    found = markup_author(tree)
    assert found == extract_author(copy(tree))
    return found


def page(inner: str) -> str:
    return f"<html><head><title>Harbour plan - Example</title></head><body>{inner}{STORY}</body></html>"


@pytest.mark.parametrize(
    ("inner", "expected"),
    [
        ('<span class="author">Ann Lee</span>', "Ann Lee"),
        ('<div rel="author">Ann Lee</div>', "Ann Lee"),
        ('<p id="author">Ann Lee</p>', "Ann Lee"),
        ('<strong itemprop="author name">Ann Lee</strong>', "Ann Lee"),
        ('<a data-testid="AuthorURL" href="/ann">Ann Lee</a>', "Ann Lee"),
        ('<span class="post-authorName">Ann Lee</span>', "Ann Lee"),
        ('<span class="author-name">Ann Lee</span>', "Ann Lee"),
        ("<author>Ann Lee</author>", "Ann Lee"),
        ('<h3 class="byline">Ann Lee</h3>', "Ann Lee"),
        ('<div id="zuozhe">Ann Lee</div>', "Ann Lee"),
        ('<span class="xiaobian">Ann Lee</span>', "Ann Lee"),
        ('<span itemprop="creator author">Ann Lee</span>', "Ann Lee"),
        ('<section class="story-Writer">Ann Lee</section>', None),  # "Writer": the test is case-sensitive
        ('<section class="writer">Ann Lee</section>', "Ann Lee"),
        ('<section data-component="Byline">Ann Lee</section>', "Ann Lee"),
        ('<section id="mainAuthor">Ann Lee</section>', "Ann Lee"),
        ('<td class="screenname">Ann Lee</td>', "Ann Lee"),
        # The first expression before the second, whatever the order on the page.
        ('<span class="byline">Bob Ray</span><span class="author">Ann Lee</span>', "Ann Lee"),
        # Too short, then one that is long enough.
        ('<span class="author">A</span><span class="author">Ann Lee</span>', "Ann Lee"),
        # Inside a discarded element: a comment list, a sidebar, a figure, a <time>.
        ('<div class="comments"><span class="author">Bob Ray</span></div>', None),
        (
            '<div id="comment-list"><span class="author">Bob Ray</span></div><p class="author">Ann Lee</p>',
            "Ann Lee",
        ),
        ('<aside><div class="right-sidebar"><span class="author">Bob Ray</span></div></aside>', None),
        ('<figure><span class="author">Photo: Bob Ray</span></figure>', None),
        ('<span class="author"><time>Tuesday</time> Ann Lee</span>', "Ann Lee"),  # trafilatura's own search
        ('<span class="author">Ann Lee</span><time>Tuesday</time> and more', "Ann Lee"),
        ('<div class="title"><span class="author">Bob Ray</span></div>', None),
        # A <rel> element (one test reads a child of that name): trafilatura's own search.
        ('<span class="x"><rel>me</rel>Ann Lee</span>', "Me Ann Lee"),
        ('<span class="nothing">Ann Lee</span>', None),
        ('<span class="author">记者 张三</span>', "记者 张三"),
        ('<div class="author">' + "Ann Lee " * 20 + "</div>", None),  # 120 characters or more
    ],
)
def test_the_author_search_finds_what_trafilaturas_finds(inner: str, expected: str | None) -> None:
    assert assert_same_author(page(inner)) == expected


@pytest.mark.parametrize(
    "head",
    [
        "",
        '<meta name="author" content="Ann Lee"><meta property="og:site_name" content="example">',
        '<meta name="author" content="alee"><link rel="canonical" href="/news/1.html">'
        '<meta property="og:url" content="https://example.org/">',
        '<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Plan", '
        '"author": {"@type": "Person", "name": "Ann Lee"}, "keywords": "port, budget"}</script>',
        '<script type="application/ld+json">{broken</script><meta name="description" content="A &amp; B">',
        '<meta name="keywords" content="港口,预算"><meta property="og:image" content="/a.jpg">',
    ],
)
def test_the_metadata_is_trafilaturas(head: str) -> None:
    html = (
        f"<html><head><title>Harbour plan | example.org</title>{head}</head><body>"
        '<a href="/category/port/">Port</a><a href="/tag/budget/">Budget</a>'
        f'<h1>Harbour plan</h1><span class="byline">By Ann Lee</span>{STORY}</body></html>'
    )
    for url in ("https://example.org/news/1.html", None):
        assert_same_metadata(tree_of(html), url)


def site_pages() -> list[Path]:
    return sorted((REPO_ROOT / "tests" / "sites").glob("*/*.html"))


@pytest.mark.parametrize("path", site_pages(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_the_saved_site_pages_give_trafilaturas_metadata(path: Path) -> None:
    sidecar = path.with_name(path.name + ".json")
    url = json.loads(sidecar.read_text(encoding="utf-8")).get("url") if sidecar.exists() else None
    tree = tree_of(path.read_bytes())
    assert_same_metadata(tree, url)
    assert markup_author(tree) == extract_author(copy(tree))


def test_a_sample_of_the_labelled_pages_gives_trafilaturas_metadata() -> None:
    datasets = SHARED_DIR / "datasets"
    if not datasets.is_dir():
        pytest.skip(f"the labelled pages are not here ({datasets})")
    checked = 0
    for dataset in sorted(p for p in datasets.iterdir() if (p / "truth.jsonl").exists()):
        rows = [
            json.loads(line) for line in (dataset / "truth.jsonl").read_text().splitlines() if line.strip()
        ]
        for row in rows[::12]:  # every 12th page: ~90 pages, a few seconds
            tree = tree_of(gzip.decompress((dataset / "pages" / f"{row['id']}.html.gz").read_bytes()))
            assert_same_metadata(tree, row.get("url"))
            checked += 1
    assert checked >= 50
