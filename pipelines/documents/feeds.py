"""The article links of an RSS or Atom feed (the spider follows them)."""

from __future__ import annotations

import re

from lxml import etree

# An internal DTD subset (`<!DOCTYPE rss [ <!ENTITY ...> ]>`): feeds have no use for one, and nested entity
# declarations (billion laughs) make libxml2 stop at its amplification limit and drop the whole feed. Without
# it, an undeclared entity reference is skipped by the recovering parser, and the feed's links are kept.
_INTERNAL_SUBSET = re.compile(rb"<!DOCTYPE[^\[>]*\[.*?\]\s*>", re.DOTALL | re.IGNORECASE)
_PROLOGUE = 4096  # the DOCTYPE comes before the root element; an internal subset larger than this is refused


def feed_links(body: bytes) -> list[str] | None:
    """Item links (RSS) and alternate entry links (Atom), in document order; None when ``body`` is not XML."""
    head = body[:_PROLOGUE]
    match = _INTERNAL_SUBSET.search(head)
    if match:
        body = body[: match.start()] + body[match.end() :]
    elif b"<!ENTITY" in head:  # a subset too long to be a feed's: read without it cannot be done safely
        return None
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(recover=True, resolve_entities=False))
    except etree.XMLSyntaxError:
        return None
    if root is None:
        return None
    links = root.xpath("//*[local-name()='item']/*[local-name()='link']/text()")
    links += root.xpath(
        "//*[local-name()='entry']/*[local-name()='link'][not(@rel) or @rel='alternate']/@href"
    )
    return [str(link).strip() for link in links]
