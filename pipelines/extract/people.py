"""The people fields: authors, contributors with their roles, and the editor.

They come from the credits the body and the lines around it print (parsed by :mod:`.bylines`), the
page's author meta, schema.org Person objects in its JSON-LD, and a thread's first poster.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .bylines import Credits, header_credits, person_names
from .lists import unique
from .locate import text_after
from .pagemeta import PageMeta

__all__ = ["AUTHOR_ROLES", "People", "find_people", "trailer_credits"]

AUTHOR_ROLES = ("reporter", "author")


@dataclass
class People:
    authors: list[str]
    contributors: list[dict[str, str]]  # {"name": ..., "role": ...}
    editor: str | None


def _split_list(value: str | None) -> list[str]:
    if not value:
        return []
    return [v.strip() for v in re.split(r"\s*;\s*", value) if v.strip()]


def _jsonld_people(page: PageMeta) -> str | None:
    """Author names declared as schema.org Person objects (kept verbatim: "私~川流")."""
    value = page.jsonld_value("author")
    items = value if isinstance(value, list) else [value]
    names = [i.get("name", "").strip() for i in items if isinstance(i, dict) and i.get("@type") == "Person"]
    return "; ".join(n for n in names if n) or None


def _merge(
    meta_author: str | None,
    credits: Credits,
    chinese: bool,
    outlets: set[str | None],
    jsonld: str | None = None,
) -> tuple[list[str], list[dict[str, str]]]:
    contributors = list(credits.contributors)
    authors = [c["name"] for c in contributors if c["role"] in AUTHOR_ROLES]
    for name in _split_list(meta_author):
        if chinese and name in outlets:  # "作者：新华网" names the outlet, not a writer
            continue
        # On Chinese pages the author meta often holds the outlet or a CMS account; keep people only
        # (a schema.org Person is a person by declaration).
        if chinese and not person_names(name) and name not in (jsonld or ""):
            continue
        authors.append(name)
        if not any(c["name"] == name for c in contributors):
            contributors.append({"name": name, "role": "author"})
    return unique(authors), contributors


def find_people(
    page: PageMeta,
    meta_author: str | None,
    credits: Credits,
    *,
    chinese: bool,
    outlets: set[str | None],
    poster: str | None,
) -> People:
    """The page's people. ``meta_author`` is the author meta as trafilatura read it ("A; B"), ``credits``
    what the language's rules read from the page, ``outlets`` the names that are the publisher rather than
    a person, ``poster`` the author of a thread's first post when the body opens with that post."""
    jsonld = _jsonld_people(page)
    authors, contributors = _merge(
        (jsonld if chinese else None) or meta_author, credits, chinese, outlets, jsonld
    )
    if poster and not jsonld:
        # Why: a thread's author is its first post's poster; page meta names the forum software.
        authors = unique([poster, *[a for a in authors if a not in _split_list(meta_author)]])
        if not any(c["name"] == poster for c in contributors):
            contributors.insert(0, {"name": poster, "role": "author"})
    editor = next((c["name"] for c in contributors if c["role"] == "editor"), None)
    return People(authors=authors, contributors=contributors, editor=editor)


def trailer_credits(tree: Any, lines: list[str]) -> Credits:
    """Credits printed right after the body ("[作者: 刘满仓 责任编辑: 杨丹宇]")."""
    probe = next((line[-12:] for line in reversed(lines) if len(line) >= 12), None)
    if probe is None:
        return Credits()
    for node in tree.xpath("//body//text()"):
        if probe in node:
            found = header_credits(text_after(node.getparent(), 120))
            found.source_outlet = None  # a trailer's "来源" may belong to the next teaser
            return found
    return Credits()
