"""HTML text → lxml tree: trafilatura's ``load_html`` for a decoded page, with a faster element lookup.

Why not ``load_html`` itself: its parser (``lxml.html.HTMLParser``) picks each element's Python class
in a Python callback, called every time any code touches an element not yet wrapped; over trafilatura's
passes, the external comparison and our own look-ups that is millions of calls a few hundred pages in.
This parser has the same options and gives every element the same class, but libxml2 picks the class in
C (lxml's per-tag namespace lookup). Copies of the tree (trafilatura copies it before pruning) keep the
parser, so they keep the fast lookup.
"""

from __future__ import annotations

from lxml import etree
from lxml.html import (
    FormElement,
    HtmlComment,
    HtmlElement,
    HtmlEntity,
    HtmlProcessingInstruction,
    InputElement,
    LabelElement,
    SelectElement,
    TextareaElement,
    fromstring,
)
from trafilatura.utils import is_dubious_html, repair_faulty_html

__all__ = ["TAG_CLASSES", "parse_html"]

# lxml.html's own per-tag classes (HtmlElementClassLookup); every other element is an HtmlElement.
TAG_CLASSES: dict[str, type[HtmlElement]] = {
    "form": FormElement,
    "input": InputElement,
    "label": LabelElement,
    "select": SelectElement,
    "textarea": TextareaElement,
}


def _class_lookup() -> etree.ElementNamespaceClassLookup:
    fallback = etree.ElementDefaultClassLookup(
        element=HtmlElement, comment=HtmlComment, pi=HtmlProcessingInstruction, entity=HtmlEntity
    )
    lookup = etree.ElementNamespaceClassLookup(fallback)
    by_tag = lookup.get_namespace(None)
    for tag, cls in TAG_CLASSES.items():
        by_tag[tag] = cls
    return lookup


def _parser() -> etree.HTMLParser:
    # The options of trafilatura.utils.HTML_PARSER.
    parser = etree.HTMLParser(
        collect_ids=False, default_doctype=False, encoding="utf-8", remove_comments=True, remove_pis=True
    )
    parser.set_element_class_lookup(_class_lookup())
    return parser


_PARSER = _parser()


def _from_bytes(html: str) -> HtmlElement | None:
    try:
        return fromstring(html.encode("utf8", "surrogatepass"), parser=_PARSER)
    except Exception:  # as load_html: a page lxml cannot parse is no tree
        return None


def parse_html(html: str) -> HtmlElement | None:
    """The tree ``trafilatura.utils.load_html`` gives for a decoded page (same steps, same fallbacks)."""
    beginning = html[:50].lower()
    html = repair_faulty_html(html, beginning)
    tree: HtmlElement | None = None
    from_bytes = False
    try:
        tree = fromstring(html, parser=_PARSER)
    except ValueError:  # "Unicode strings with encoding declaration are not supported."
        tree, from_bytes = _from_bytes(html), True
    except Exception:
        tree = None
    if (tree is None or len(tree) < 1) and not from_bytes:
        tree = _from_bytes(html)
    # Not HTML at all: no <html> near the start and hardly any structure.
    if tree is not None and is_dubious_html(beginning) and len(tree) < 2:
        return None
    return tree
