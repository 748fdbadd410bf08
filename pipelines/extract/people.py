"""The people fields: authors, contributors with their roles, and the editor.

They come from the credits the body and the lines around it print (parsed by :mod:`.bylines`), the
page's author meta, schema.org Person objects in its JSON-LD, and a thread's first poster.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .bylines import Credits, header_credits, is_user_name, person_names, role_of_label
from .lists import unique
from .locate import text_after
from .pagemeta import PageMeta

__all__ = [
    "AUTHOR_ROLES",
    "People",
    "find_people",
    "labelled_credits",
    "page_author_credits",
    "page_editor",
    "trailer_credits",
]

AUTHOR_ROLES = ("reporter", "author")
_WEB_ADDRESS = re.compile(r"(?:https?://)?(?:[\w-]+\.)+[a-z]{2,}/?", re.I)


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
    names: list[str] = []
    for item in items:
        if isinstance(item, dict) and item.get("@type") == "Person":
            # A name may be given as a list of names (or spellings): each text in it counts.
            given = item.get("name")
            names.extend(
                n.strip() for n in (given if isinstance(given, list) else [given]) if isinstance(n, str)
            )
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
    if _WEB_ADDRESS.fullmatch((page.meta.get("author") or "").strip()):
        # Why: an author meta that is a web address ("gb.cri.cn") names the site; trafilatura turns it
        # into a name-shaped "Gb Cri Cn".
        meta_author = None
    authors, contributors = _merge(
        (jsonld if chinese else None) or meta_author, credits, chinese, outlets, jsonld
    )
    if poster and not jsonld and is_user_name(poster):
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
            # Why role words only: below the body, "NAME 于 DATE 发表" is a commenter (163's "微软小冰").
            found = header_credits(text_after(node.getparent(), 120), unlabelled=False)
            found.source_outlet = None  # a trailer's "来源" may belong to the next teaser
            return found
    return Credits()


_LABEL_MAX_CHARS = 6
# Elements whose own text holds a role label (checked exactly by role_of_label); found by lxml, not Python.
_LABEL_XPATH = (
    "//*[text()[" + " or ".join(f"contains(., '{w}')" for w in ("作者", "记者", "記者", "撰文")) + "]]"
)


def labelled_credits(tree: Any) -> Credits:
    """Credits printed as a label element and a name element ("<span>作者</span> <a>周纯</a>"): the role
    word is the whole text of its element and the name the next text on the page.

    Why: such pages (qq.com) keep the byline out of the info line, so no line reads "作者：周纯"."""
    credits = Credits()
    seen: set[str] = set()
    for el in tree.xpath(_LABEL_XPATH):
        own = (el.text or "").strip() if isinstance(el.tag, str) else ""
        if not own or len(own) > _LABEL_MAX_CHARS:
            continue
        role = role_of_label(own)
        if role is None or role in seen:
            continue
        following = text_after(el, 12).split()
        names = person_names(following[0]) if following else None
        if names:
            seen.add(role)  # the first labelled name of a role: later ones are a list's or a comment's
            for name in names:
                credits.add(name, role)
    return credits


# An editor's credit anywhere on the page ("[编辑：陈浩]", "（责任编辑：关婧）", "【责编：山水】"): the role
# word at the start of a short text (after at most a bracket or two), a colon, and a name or a CMS login.
_EDITOR_XPATH = (
    "//body//text()[" + " or ".join(f"contains(., '{w}')" for w in ("编辑", "編輯", "责编", "責編")) + "]"
)
_EDITOR_CREDIT = re.compile(
    r"^[\s\[【(（〔<]{0,3}(?:网络|網絡|责任|責任|本文|本页|本頁)?(?:编辑|編輯|责编|責編)\s*[:：]\s*"
    r"(?P<name>[^\s\]】)）〕>|｜/:：,，;；]{2,20})"
)
_LOGIN = re.compile(r"[A-Za-z][A-Za-z0-9_]{1,19}")
_EDITOR_TEXT_CHARS = 60


def page_editor(tree: Any) -> str | None:
    """The editor a credit line names anywhere on the page, when the lines around the body named none.

    Why: portals print "[责任编辑：陈浩]" in its own box below the article (outside the body and past the
    few characters :func:`trailer_credits` reads), often split by template comments. Only a short text
    that starts with the role word counts (never "…的编辑：" in a sentence); the name is a person's name or
    a CMS login ("robot", "AP0015"), which is what the page shows as its editor."""
    for node in tree.xpath(_EDITOR_XPATH):
        text = " ".join(str(node).split())
        if len(text) > _EDITOR_TEXT_CHARS:
            continue
        m = _EDITOR_CREDIT.match(text)
        if (
            m is None
            and node.is_text
            and re.fullmatch(r"[\[【(（〔]?(?:责任)?(?:编辑|編輯|责编|責編)\s*[:：]", text)
        ):
            # "责任编辑：<a>李四</a>": the name is the next text.
            m = _EDITOR_CREDIT.match(f"{text} {text_after(node.getparent(), 12)}")
        if m is None:
            continue
        name = _STAFF_SUFFIX.sub("", m["name"])
        if person_names(name) == [name] or _LOGIN.fullmatch(name):
            return name
    return None


_STAFF_SUFFIX = re.compile(r"_[A-Za-z]{1,6}\d{2,8}$")


_AUTHOR_XPATH = "//body//text()[contains(., '作者：') or contains(., '作者:')]"
_AUTHOR_TEXT_CHARS = 60


def page_author_credits(tree: Any) -> Credits:
    """The writers a short credit text names anywhere on the page ("本文来源：21世纪经济报道
    作者：何苗 张梦洁"), for a page whose lines around the body named none.

    Why: portals print that line in its own box between the article and a disclaimer or a comment box,
    out of the body and of the info line. Only a short text with the role word and a colon counts (role
    words only: never a commenter's "NAME 于 DATE 发表"), and only the first such text."""
    for node in tree.xpath(_AUTHOR_XPATH):
        text = " ".join(str(node).split())
        if len(text) > _AUTHOR_TEXT_CHARS:
            continue
        found = header_credits(text, unlabelled=False)
        if any(c["role"] in AUTHOR_ROLES for c in found.contributors):
            found.source_outlet = None
            return found
    return Credits()
