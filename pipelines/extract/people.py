"""The people fields: authors, contributors with their roles, and the editor.

They come from the credits the body and the lines around it print (parsed by :mod:`.bylines`), the
page's author meta, schema.org Person objects in its JSON-LD, and a thread's first poster.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .bylines import (
    Credits,
    dateline_credits,
    has_common_surname,
    header_credits,
    is_dateline,
    is_user_name,
    looks_like_outlet,
    person_names,
    role_of_label,
    strip_byline,
)
from .lists import unique
from .locate import VISIBLE_TEXTS, text_after
from .pagemeta import PageMeta

__all__ = [
    "AUTHOR_ROLES",
    "People",
    "find_people",
    "labelled_credits",
    "marked_byline_credits",
    "page_author_credits",
    "page_credit_lines",
    "page_editor",
    "trailer_credits",
]

AUTHOR_ROLES = ("reporter", "author")
_WEB_ADDRESS = re.compile(r"(?:https?://)?(?:[\w-]+\.)+[a-z]{2,}/?", re.I)
# Why: an author meta naming the software or the site's team ("Discuz! Team", "Sina Mobile") is no writer.
_TEAM = re.compile(r"\b(?:Team|Inc|Ltd|Corp|Mobile|Studio|Group|Software)\b", re.I)


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
    shown: Callable[[str], bool] = lambda name: True,
) -> tuple[list[str], list[dict[str, str]]]:
    contributors = list(credits.contributors)
    authors = [c["name"] for c in contributors if c["role"] in AUTHOR_ROLES]
    if not authors:
        # Why: a byline that credits only correspondents ("本报讯(记者 通讯员 张敏婷 陆敏仪)", the reporter
        # slot left empty) names them as the story's writers; beside a reporter they are contributors.
        authors = [c["name"] for c in contributors if c["role"] == "correspondent"]
    for declared in _split_list(meta_author):
        name = _credited_name(declared) if chinese else declared
        if chinese and name in outlets:  # "作者：新华网" names the outlet, not a writer
            continue
        # Why: a dateline is no one's name, even declared as a schema.org Person ("澎湖縣28日電" on udn.com).
        if chinese and is_dateline(name):
            continue
        # On Chinese pages the author meta often holds the outlet or a CMS account; keep people only
        # (a schema.org Person is a person by declaration).
        if chinese and not person_names(name) and name not in (jsonld or ""):
            continue
        # Why: what only the metadata names, and the reader never sees, is not the page's byline (the
        # CMS's default account, a declared "Person" that is the agency: "新华社").
        if chinese and (looks_like_outlet(name) or not shown(name)):
            continue
        if _TEAM.search(name):
            continue
        authors.append(name)
        if not any(c["name"] == name for c in contributors):
            contributors.append({"name": name, "role": "author"})
    return unique(authors), contributors


def _credited_name(value: str) -> str:
    """The writer a declared author value names when it is a whole byline ("記者林宸誼／即時報導" in a
    JSON-LD Person's name), else the value itself."""
    if person_names(value):
        return value
    found = [c["name"] for c in dateline_credits(value).contributors if c["role"] in AUTHOR_ROLES]
    return found[0] if len(found) == 1 else value


def find_people(
    page: PageMeta,
    meta_author: str | None,
    credits: Credits,
    *,
    chinese: bool,
    outlets: set[str | None],
    poster: str | None,
    tree: Any = None,
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
        (jsonld if chinese else None) or meta_author,
        credits,
        chinese,
        outlets,
        jsonld,
        shown=_shown_on(tree),
    )
    if poster and not jsonld and is_user_name(poster):
        # Why: a thread's author is its first post's poster; page meta names the forum software.
        authors = unique([poster, *[a for a in authors if a not in _split_list(meta_author)]])
        if not any(c["name"] == poster for c in contributors):
            contributors.insert(0, {"name": poster, "role": "author"})
    editor = next((c["name"] for c in contributors if c["role"] == "editor"), None)
    return People(authors=authors, contributors=contributors, editor=editor)


def _fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _shown_on(tree: Any) -> Callable[[str], bool]:
    """Whether a name is printed in the page's visible text (read once, when first asked); a Latin name
    only as whole words ("My" is not shown by "MySQL"). Without a tree every name counts as shown."""
    if tree is None:
        return lambda name: True
    cache: list[str] = []

    def shown(name: str) -> bool:
        if not cache:
            parts = tree.xpath(VISIBLE_TEXTS)
            cache.append(_fold(" ".join(str(t) for t in parts)))
        folded = _fold(name)
        if re.fullmatch(r"[A-Za-z .'’\-]+", name):
            # a whole word: not "My" of "my38778570" or "MySQL"
            edge = r"A-Za-z0-9_"
            return re.search(rf"(?<![{edge}]){re.escape(folded)}(?![{edge}])", cache[0], re.I) is not None
        return folded in cache[0]

    return shown


def trailer_credits(tree: Any, lines: list[str]) -> Credits:
    """Credits printed right after the body ("[作者: 刘满仓 责任编辑: 杨丹宇]")."""
    probe = next((line[-12:] for line in reversed(lines) if len(line) >= 12), None)
    if probe is None:
        return Credits()
    # The first text holding the probe. Why contains() in the query: libxml2 tests the page's texts, and
    # only the match becomes a Python string (the loop over every text it replaces: 0.67 → 0.43 ms a call).
    for node in tree.xpath("(//body//text()[contains(., $probe)])[1]", probe=probe):
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


_REPORTER_XPATH = "//body//text()[contains(., '记者') or contains(., '記者')]"
_CREDIT_LINE_CHARS = 60


def page_credit_lines(tree: Any) -> Credits:
    """The first short text anywhere on the page that is a credit line and nothing else ("成都商报(微博)记者
    余文龙 实习生 向英子"), for a page whose body and info lines named no writer.

    Why: the byline printed after the story, in its own element, is outside the body when the body stops
    early, and past the characters :func:`trailer_credits` reads. Only a text that parses as credits, or
    a short paragraph closed by a bracketed credit ("…提前预约。（记者 韩冬 实习生 李沐阳）"), counts (never
    "记者从…了解到" in a sentence, never a headline naming a reporter)."""
    for node in tree.xpath(_REPORTER_XPATH):
        text = " ".join(str(node).split())
        if len(text) > _CREDIT_LINE_CHARS or _in_reply_box(node.getparent()):
            continue
        rest, found = strip_byline(text)
        whole = not rest or text.endswith((")", "）", "]", "】"))  # a credit line, or one closing a paragraph
        writers = [c["name"] for c in found.contributors if c["role"] in AUTHOR_ROLES] if found else []
        # Why a surname: page-wide, a headline such as "郭德纲被指在记者遭打现场" parses as "记者 遭打现场".
        if found is not None and whole and writers and all(has_common_surname(n) for n in writers):
            found.source_outlet = None
            return found
    return Credits()


# Elements the page marks as its byline; not a comment's author ("comment-author").
_MARKED_XPATH = (
    "//*[contains(@class, 'author') or contains(@id, 'author') or contains(@class, 'byline')"
    " or contains(@class, 'Author') or contains(@class, 'Byline')]"
)
_NOT_BYLINE = re.compile(r"comment|reply|replie|answer|review|评论|回复", re.I)
_MARKED_CHARS = 80


def _in_reply_box(el: Any) -> bool:
    """The element is, or sits in, a comment, reply or answer box (by its or an ancestor's class or id)."""
    return any(
        _NOT_BYLINE.search(f"{a.get('class') or ''} {a.get('id') or ''}")
        for a in (el, *el.iterancestors())
        if isinstance(a.tag, str)
    )


def marked_byline_credits(tree: Any) -> Credits:
    """The writers named in a short element the page marks as its byline (class or id "author", "byline"):
    "<div class='shareBar__info--author'>2020-10-04 15:05 聯合報 記者林宸誼／即時報導</div>",
    "<div class='author'>上報快訊／范姜佳鈺 2020年03月12日</div>". Only credits with a role word or in
    the slash forms count (never a bare name: a comment box marks its posters "author" too), and only
    outside comment and reply boxes."""
    for el in tree.xpath(_MARKED_XPATH):
        if _in_reply_box(el):
            continue
        text = " ".join(el.text_content().split())
        if not text or len(text) > _MARKED_CHARS:
            continue
        found = header_credits(text, unlabelled=False)
        found.extend(dateline_credits(text))
        if any(c["role"] in AUTHOR_ROLES for c in found.contributors):
            found.source_outlet = None
            return found
    return Credits()
