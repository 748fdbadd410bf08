"""parse_html: the tree trafilatura's load_html gives, element classes included, from a faster lookup."""

from __future__ import annotations

import copy

import pytest
from lxml import etree
from lxml.html import FormElement, HtmlElement, HtmlElementClassLookup, InputElement
from trafilatura.utils import load_html

from pipelines.extract.parse import TAG_CLASSES, parse_html

PAGES = [
    "<!DOCTYPE html><html lang='zh'><head><meta charset='utf-8'><title>标题</title></head>"
    "<body><!-- note --><h1>标题</h1><p>第一段<b>粗体</b>尾巴</p><?php echo 1; ?>"
    "<form action='/s'><label>搜</label><input name='q'><select><option>a</option></select>"
    "<textarea>t</textarea></form><div><p>第二段</p></div></body></html>",
    "<html/>\n<body><p>A self-closing html tag in the first line.</p></body>",
    "<?xml version='1.0' encoding='utf-8'?><html><body><p>An encoding declaration.</p></body></html>",
    "<div>no html tag</div><div>but two blocks</div>",
    "<body><p>Lowercase &amp; entities &copy; 2024</p><FORM><INPUT></FORM></body>",
]


def _same(a: HtmlElement | None, b: HtmlElement | None) -> bool:
    if a is None or b is None:
        return a is b
    return etree.tostring(a) == etree.tostring(b) and [type(e) for e in a.iter()] == [
        type(e) for e in b.iter()
    ]


@pytest.mark.parametrize("html", PAGES)
def test_same_tree_and_classes_as_load_html(html: str) -> None:
    assert _same(parse_html(html), load_html(html))


@pytest.mark.parametrize("text", ["", "just some words", "<p>one block</p>"])
def test_not_html_is_none_as_with_load_html(text: str) -> None:
    assert parse_html(text) is None
    assert load_html(text) is None


def test_tag_classes_are_lxml_html_ones() -> None:
    # An lxml upgrade that adds a per-tag class must be mirrored here.
    assert HtmlElementClassLookup._default_element_classes == TAG_CLASSES


def test_copies_keep_the_classes() -> None:
    # trafilatura works on copies of the tree; they must still be lxml.html elements.
    tree = parse_html(PAGES[0])
    assert tree is not None
    clone = copy.copy(tree)
    assert isinstance(clone.find(".//form"), FormElement)
    assert isinstance(clone.find(".//input"), InputElement)
    assert all(isinstance(el, HtmlElement) for el in clone.iter("p", "div", "h1"))
    clone.find(".//p").append(etree.Element("span"))  # a foreign element adopted into the copy
    assert isinstance(clone.find(".//p/span"), HtmlElement)
