"""A body replaced by the page's main text block keeps the block's headings (bench/crawl.py counted two
mozilla test pages as exact copies once the first pass of issue 13 replaced their bodies: the same repeated
paragraphs under different headings read the same without the headings)."""

from __future__ import annotations

from lxml import html as lxml_html

from pipelines.documents.records import content_hash
from pipelines.extract import extract_page
from pipelines.extract.mainblock import main_block

_PARAGRAPH = (
    "Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor incididunt ut labore et "
    "dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris nisi ut aliquip "
    "ex ea commodo consequat."
)


def _page(heading: str) -> bytes:
    # trafilatura keeps one copy of a repeated paragraph; the main block holds all five.
    paragraphs = f"<p>{_PARAGRAPH}</p>" * 5
    return (
        f"<html><head><title>Test page</title></head><body><article class='main-content'>"
        f"<h1>{heading}</h1>{paragraphs}</article></body></html>"
    ).encode()


def test_the_main_block_keeps_its_headings() -> None:
    block = main_block(lxml_html.fromstring(_page("Sharing buttons")))
    assert block is not None
    assert block.lines[0] == "Sharing buttons"
    assert block.lines[1:] == [_PARAGRAPH] * 5


def test_two_pages_that_differ_in_their_heading_are_no_copies() -> None:
    first, second = extract_page(_page("Sharing buttons")), extract_page(_page("SVG parsing"))
    assert "main_block_used" in first.extraction_flags
    assert first.text.startswith("Sharing buttons\n")
    assert content_hash(first.text) != content_hash(second.text)
