"""Finding extracted text back in the parsed page: which element holds a line, what follows one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

__all__ = ["SKIP_TEXT", "line_sources", "text_after", "text_owners"]

# Elements whose text is never shown as page text.
SKIP_TEXT = {"script", "style", "noscript", "template"}
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
    """Visible text following ``anchor`` in document order, up to about ``limit`` chars."""
    if anchor is None:
        return ""
    chunks: list[str] = [anchor.tail.strip()] if anchor.tail and anchor.tail.strip() else []
    size = 0
    for el in _following(anchor):
        if not isinstance(el.tag, str) or el.tag in SKIP_TEXT:
            continue
        for piece in (el.text, el.tail):
            if piece and piece.strip():
                chunks.append(piece.strip())
                size += len(piece.strip())
        if size >= limit:
            break
    return " ".join(chunks)[: limit * 2]


def _following(anchor: Any) -> Iterator[Any]:
    """The nodes after ``anchor``'s start tag in document order: its descendants, then what follows
    it and each of its ancestors.  Why not a walk from the root: the anchor may sit deep in a long
    page, and only the text after it is read."""
    yield from anchor.iterdescendants()
    node = anchor
    while node is not None:
        for sibling in node.itersiblings():
            yield from sibling.iter()
        node = node.getparent()
