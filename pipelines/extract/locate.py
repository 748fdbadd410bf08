"""Finding extracted text back in the parsed page: which element holds a line, what follows one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lxml import etree

__all__ = ["SKIP_TEXT", "VISIBLE_TEXTS", "line_sources", "text_after", "text_before", "text_owners"]

# Elements whose text is never shown as page text.
SKIP_TEXT = {"script", "style", "noscript", "template"}
# The texts of the page's body a reader sees, in page order (XPath; scripts and styles left out).
VISIBLE_TEXTS = "//body//text()[not(ancestor::script)][not(ancestor::style)]"
# A line is found by its first characters: the node may hold more than the extracted line.
PROBE_CHARS = 12


def line_sources(tree: Any, lines: list[str]) -> list[Any]:
    """The element whose text (or tail) holds the start of each line; None where not found."""
    probes = [line[:PROBE_CHARS] if len(line) >= 6 else None for line in lines]
    found: list[Any] = [None] * len(lines)
    todo = {i for i, p in enumerate(probes) if p}
    for el in tree.iter():
        if not todo:
            break
        if not isinstance(el.tag, str) or el.tag in SKIP_TEXT:
            continue
        for piece, owner in ((el.text, el), (el.tail, el.getparent())):
            if not piece or owner is None or len(piece) < 6:
                continue
            for i in [i for i in todo if probes[i] in piece]:
                found[i] = owner
                todo.discard(i)
    return found


def text_owners(tree: Any, first: str, last: str) -> tuple[Any, Any]:
    """The elements whose text (or whose child's tail) first holds each probe, outside scripts."""
    found: dict[str, Any] = {}
    query = "//text()[contains(., $a) or contains(., $b)]"  # one libxml2 pass for both probes
    for node in tree.xpath(query, a=first, b=last):
        el = node.getparent()
        if el is None or not isinstance(el.tag, str) or el.tag in SKIP_TEXT:
            continue
        owner = el if node.is_text else el.getparent()
        for probe in (first, last):
            if owner is not None and probe not in found and probe in node:
                found[probe] = owner
        if len(found) == 2 or (first == last and found):
            break
    return found.get(first), found.get(last)


def text_after(anchor: Any, limit: int) -> str:
    """Visible text following ``anchor``'s own text in document order, up to about ``limit`` chars.

    In document order: an element's tail comes after everything inside it ("来源：<span><a>经济参考报</a>
    </span> 作者：" reads "来源： 经济参考报 作者：", never "来源： 作者： 经济参考报")."""
    if anchor is None:
        return ""
    chunks: list[str] = []
    size = 0
    for piece in _following_texts(anchor):
        piece = piece.strip()
        if piece:
            chunks.append(piece)
            size += len(piece)
            if size >= limit:
                break
    return " ".join(chunks)[: limit * 2]


def _subtree_texts(el: Any, *, own_text: bool = True, tail: bool = True) -> Iterator[str]:
    """The texts of ``el``'s subtree in document order (scripts and styles skipped, their tails kept)."""
    walker = etree.iterwalk(el, events=("start", "end"))
    for event, node in walker:
        hidden = not isinstance(node.tag, str) or node.tag in SKIP_TEXT
        if event == "start":
            if hidden:
                walker.skip_subtree()
                if node is not el and node.tail:  # a skipped subtree sends no "end"
                    yield node.tail
            elif node.text and (own_text or node is not el):
                yield node.text
        elif node is not el and node.tail:
            yield node.tail
    if tail and el.tail:
        yield el.tail


def _following_texts(anchor: Any) -> Iterator[str]:
    """The texts after ``anchor``'s own text: inside it, its tail, then what follows it and each ancestor.
    Why not a walk from the root: the anchor may sit deep in a long page, and only the text after it is
    read."""
    yield from _subtree_texts(anchor, own_text=False, tail=False)
    node = anchor
    while node is not None:
        if node.tail:
            yield node.tail
        for sibling in node.itersiblings():
            yield from _subtree_texts(sibling)
        node = node.getparent()


def text_before(anchor: Any, limit: int, levels: int = 2) -> str:
    """Visible text just before ``anchor`` inside its ``levels``-th ancestor (the headline's own header
    block), nearest last, up to about ``limit`` chars: the date line some sites print above the headline.

    Why only inside that ancestor: higher up sit the site's banner ("今天是2011年12月9日 星期五") and menus,
    whose dates are not the article's."""
    if anchor is None:
        return ""
    container = anchor
    for _ in range(levels):
        parent = container.getparent()
        if parent is None or parent.tag in ("body", "html"):
            break
        container = parent
    chunks: list[str] = []

    def walk(el: Any) -> bool:  # True once the anchor is reached
        if el is anchor:
            return True
        if not isinstance(el.tag, str) or el.tag in SKIP_TEXT:
            return False
        if el.text and el.text.strip():
            chunks.append(el.text.strip())
        for child in el:
            if walk(child):
                return True
            if child.tail and child.tail.strip():
                chunks.append(child.tail.strip())
        return False

    walk(container)
    text = " ".join(chunks)
    return text[-limit:] if len(text) > limit else text
