"""Threads: pages whose main content is a sequence of repeated post blocks.

Forums (Discuz ``table#pidN``, phpBB, Flarum, Discourse), Q&A answers and comment pages
repeat one block per post: siblings with the same tag/class signature, each holding an
author, a time and a content block.  Article extractors keep one of them (or the footer);
here the posts are found from structure alone and their contents returned in order
(:func:`find_thread`), and :func:`thread_body` decides whether they, rather than the extracted
article text, are the page's body.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from .furniture import is_furniture
from .locate import line_sources
from .pagemeta import PageMeta

__all__ = ["Thread", "find_thread", "opener_replies", "thread_body", "thread_lines_covered"]

# A post's time: absolute dates, "5-18 19:27", relative ages ("3天前", "1 月前", "2 days ago").
_TIME = re.compile(
    r"\d{4}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|\d{1,2}[-/月]\d{1,2}日?\s+\d{1,2}[:：]\d{2}"
    r"|\d+\s*(?:秒|分钟|小时|天|周|个?月|年)前|昨天\s*\d|前天\s*\d|刚刚"
    r"|\b\d+\s*(?:seconds?|minutes?|mins?|hours?|days?|weeks?|months?|years?)\s+ago\b"
    r"|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{4}\s+\d{1,2}:\d{2}"  # "08/05/2024 9:51 pm" (day or month first)
    r"|\b(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}",
    re.I,
)
_MAY_BE_TIME = re.compile(r"[0-9刚]")
# Containers a post can be; inline elements never are.
_POST_TAGS = frozenset({"div", "li", "article", "section", "table", "tr", "tbody", "dl", "dd"})
_SKIP = frozenset({"script", "style", "noscript", "template", "textarea", "select", "button", "svg"})
_BLOCK = frozenset(
    {"p", "div", "li", "br", "tr", "td", "th", "dd", "dt", "dl", "ul", "ol", "table", "tbody",
     "blockquote", "pre", "section", "article", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "header",
     "footer", "figure", "figcaption"}
)  # fmt: skip
_USER_CLASS = re.compile(r"user|author|name|nick|poster|member|avatar", re.I)
_HIDDEN = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_DIGITS = re.compile(r"\d+")
# A line that is only a post's time or number ("2020年2月9日 17:33", "最后回复 2018年6月24日",
# "#3", "5楼") or a bare like/reply count ("12", "3 条回复") is post chrome.
_CHROME_LINE = re.compile(
    r"[\d\s:：/.,#|·-]|[年月日楼]|发表于|发布于|编辑于|回复于|最后回复|最后编辑|posted|edited|last|on|at|am|pm",
    re.I,
)
MIN_POSTS = 2
MAX_NAME = 16
# Names are short and carry no sentence punctuation; a teaser list's "author" link is a headline.
_NOT_NAME = re.compile(r"[，。：:！!？?“”《》、|｜]")
MIN_THREAD_CHARS = 30


@dataclass
class Thread:
    posts: list[list[str]]  # content lines of each post, in page order
    elements: list[Any]  # the post elements, in page order
    author: str | None = None  # the first post's author
    time: str | None = None  # the first post's time text

    @property
    def first(self) -> Any:
        """The first post element."""
        return self.elements[0]

    @property
    def lines(self) -> list[str]:
        return [line for post in self.posts for line in post]

    @property
    def chars(self) -> int:
        return sum(len(line) for line in self.lines)


def _signature(el: Any) -> str:
    """tag.class#id with digits blanked; an id counts only when numbered (post_123, pid123).

    Why no BEM modifiers ("Post--by-start-user", "Post--edited"): they mark one post's state,
    and would split a thread's posts into several shapes.
    """
    cls = el.get("class")
    if cls and "--" in cls:
        cls = " ".join(token for token in cls.split() if "--" not in token)
    return f"{el.tag}.{_DIGITS.sub('#', cls) if cls else ''}#{_numbered_id(el)}"


def _numbered_id(el: Any) -> str:
    """The element's id with digits blanked, when it has digits ("reply-#"); else ""."""
    ident = el.get("id")
    blanked = _DIGITS.sub("#", ident) if ident else ""
    return blanked if blanked != ident else ""


def _class_tokens(el: Any) -> set[str]:
    return set(_DIGITS.sub("#", el.get("class") or "").split())


def _members(parent: Any, signature: str) -> list[Any]:
    """The parent's children of one signature, and those that only add classes to it.

    Why: the opening or a highlighted post often carries an extra class ("post first-post",
    "reply sticky") and would otherwise be left out of its own thread.
    """
    shaped = [(c, _signature(c)) for c in parent if c.tag in _POST_TAGS]
    same = [c for c, shape in shaped if shape == signature]
    tokens = _class_tokens(same[0]) if same else set()
    if not tokens:
        return same
    tag, ident = same[0].tag, _numbered_id(same[0])
    return [
        c for c, shape in shaped
        if shape == signature or (c.tag == tag and _class_tokens(c) > tokens and _numbered_id(c) == ident)
    ]  # fmt: skip


def _nested_members(post: Any, signature: str) -> list[Any]:
    """A lone numbered post and the replies nested inside it that share its signature.

    Why: comment trees put each reply inside the comment it answers; a page with one
    top-level comment has a thread all the same.
    """
    # Only numbered descendants can share a numbered signature; the id test is the cheap one.
    return [post, *(d for d in post.iterdescendants(post.tag) if d.get("id") and _signature(d) == signature)]


def _hidden(el: Any) -> bool:
    return el.tag in _SKIP or bool(_HIDDEN.search(el.get("style") or "")) or el.get("hidden") is not None


def _plain_size(el: Any) -> int:
    """Characters (no spaces) an element holds itself outside links: links are names and buttons."""
    if el.tag == "a":
        return 0
    pieces = [el.text or "", *(child.tail or "" for child in el)]
    return sum(len("".join(piece.split())) for piece in pieces)


def block_text(el: Any) -> list[str]:
    """Visible text of ``el`` as lines, broken at block elements and <br>."""
    parts: list[str] = []

    def walk(node: Any) -> None:
        if not isinstance(node.tag, str) or _hidden(node):
            return
        block = node.tag in _BLOCK
        if block:
            parts.append("\n")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)
        if block:
            parts.append("\n")

    walk(el)
    return [" ".join(line.split()) for line in "".join(parts).split("\n") if line.strip()]


@dataclass
class _Post:
    el: Any
    sizes: Counter[tuple[str, ...]] = field(default_factory=Counter)  # path -> non-link chars
    elements: dict[tuple[str, ...], list[Any]] = field(default_factory=dict)
    time_path: tuple[str, ...] | None = None
    time_text: str | None = None
    names: list[tuple[tuple[str, ...], str]] = field(default_factory=list)


def _read_post(post: Any) -> _Post:
    """One walk over a post: non-link text per relative path, its first time, name candidates."""
    info = _Post(post)
    paths: dict[Any, tuple[str, ...]] = {post: ()}
    hidden: set[Any] = set()
    for el in post.iterdescendants():
        if not isinstance(el.tag, str):
            continue
        parent = el.getparent()
        if parent in hidden or _hidden(el):
            hidden.add(el)
            continue
        path = paths[parent] + (_signature(el),)
        paths[el] = path
        info.elements.setdefault(path, []).append(el)
        size = _plain_size(el)
        if size:
            for end in range(1, len(path) + 1):
                info.sizes[path[:end]] += size
        text = " ".join((el.text or "").split())
        if info.time_path is None:
            stamp = el.get("datetime") if el.tag == "time" else None
            if stamp or (text and len(text) <= 60 and _TIME.search(text)):
                info.time_path, info.time_text = path, stamp or text
                continue
            # Why: a time printed after an icon ("<i class=clock></i> 1周前") is its parent's text.
            tail = " ".join((el.tail or "").split())
            if tail and len(tail) <= 60 and _TIME.search(tail):
                info.time_path, info.time_text = paths[parent], tail
        named = el.tag == "a" or _USER_CLASS.search(el.get("class") or "")
        if named and text and len(text) <= MAX_NAME and not _TIME.search(text) and not _NOT_NAME.search(text):
            info.names.append((path, text))
    return info


_NUMBER_LINE = re.compile(r"#?\d+|\d+\s*(?:楼|条回复|条评论|个回复|replies|comments)", re.I)
# A post's action button, alone on its line, with or without its count ("回复 1", "Reply").
_ACTION_LINE = re.compile(
    r"(?:回复|回覆|评论|点赞|赞|举报|分享|收藏|引用|reply|like|share|report|quote)\s*\d*", re.I
)


def _chrome(line: str) -> bool:
    if _ACTION_LINE.fullmatch(line):
        return True
    return bool(_TIME.search(line) or _NUMBER_LINE.fullmatch(line)) and not _CHROME_LINE.sub("", line)


def _is_prefix(short: tuple[str, ...], long: tuple[str, ...]) -> bool:
    return long[: len(short)] == short


def _analyse(members: list[Any]) -> Thread | None:
    posts = [_read_post(m) for m in members]
    timed = [p for p in posts if p.time_path is not None]
    if len(timed) < MIN_POSTS or 2 * len(timed) < len(posts):
        return None
    quorum = max(MIN_POSTS, (len(posts) + 1) // 2)
    totals: Counter[tuple[str, ...]] = Counter()
    present: Counter[tuple[str, ...]] = Counter()
    holds_time: Counter[tuple[str, ...]] = Counter()
    for p in posts:
        totals.update(p.sizes)
        # Why holding text, not just present: an empty nested-replies box sits in every post,
        # but only a few posts have replies in it.
        present.update(p.sizes.keys())
        if p.time_path is not None:
            holds_time.update(p.time_path[:end] for end in range(1, len(p.time_path) + 1))
    # The content slot: the path present in most posts that holds the most non-link text and
    # not the post's time (so not the header or the whole post); then its deepest descendant
    # keeping nearly all of that text (drops the reply/report buttons around it).
    slots = [
        path for path, n in present.items()
        if n >= quorum and 2 * holds_time[path] < len(timed) and totals[path] > 0
    ]  # fmt: skip
    if not slots:
        return None
    best = max(slots, key=lambda path: (totals[path], -len(path)))
    deeper = [p for p in slots if _is_prefix(best, p) and totals[p] >= 0.9 * totals[best]]
    content = max(deeper, key=len)
    if totals[content] < MIN_THREAD_CHARS:
        return None
    # The author: a short name (link or user/author class) outside the content, in most posts.
    name_paths: Counter[tuple[str, ...]] = Counter()
    for p in posts:
        name_paths.update({path for path, _ in p.names if not _is_prefix(content, path)})
    author_path = next(
        (path for path, _ in posts[0].names if name_paths[path] >= quorum and not _is_prefix(content, path)),
        None,
    )
    if author_path is None:
        return None
    # Why: teaser lists repeat a headline link per item; posts link short names and buttons.
    headlined = sum(
        any(
            len("".join(a.text_content().split())) > 2 * MAX_NAME
            for path, els in p.elements.items()
            if not _is_prefix(content, path)
            for a in els
            if a.tag == "a"
        )
        for p in posts
    )
    if headlined >= quorum:
        return None
    bodies = []
    for p in posts:
        lines = [line for el in p.elements.get(content, []) for line in block_text(el) if not _chrome(line)]
        if lines:
            bodies.append(lines)
    if len(bodies) < MIN_POSTS:
        return None
    # Why: a short label printed in several but not all posts ("Topic starter" on the opener's
    # replies) is post chrome inside the content slot; a line in every post is the slot's
    # own template (a "此回复已被删除！" placeholder) and stays.
    repeated = Counter(line for lines in bodies for line in set(lines))
    chrome = {
        line for line, n in repeated.items() if MIN_POSTS <= n < len(bodies) and len(line) <= MAX_NAME + 8
    }
    if chrome:
        bodies = [kept for lines in bodies if (kept := [line for line in lines if line not in chrome])]
        if len(bodies) < MIN_POSTS:
            return None
    first = posts[0]
    author = next((text for path, text in first.names if path == author_path), None)
    return Thread(
        posts=bodies,
        elements=[p.el for p in posts],
        author=author,
        time=first.time_text,
    )


_ASIDE = ("aside", "nav", "footer")


def find_thread(tree: Any) -> Thread | None:
    """The page's thread: the sibling group of same-signature blocks with the most post text.

    Starts from time-like texts (few per page) and walks up their ancestors: a group is a
    parent's post-tag children of one signature, and only groups with at least two timed
    members are analysed further.  Why: computing a signature and a group entry for every
    element was most of this function's cost.  Groups are keyed by the parent element itself,
    not its id(): lxml frees unreferenced proxies and reuses their ids, which merged groups.
    """
    timed: set[Any] = set()  # elements holding a time somewhere below them
    # Plain iteration over elements only (comments and PIs skipped in C) is cheap; the cost was
    # the per-element bookkeeping, which now happens for timed elements alone.
    for el in tree.iter(etree.Element):
        # Cheap digit/"刚刚" check first: the time pattern is the costly part of the pass.
        text = el.text
        if text and len(text) <= 80 and _MAY_BE_TIME.search(text) and el not in timed and _TIME.search(text):
            timed.add(el)
            timed.update(el.iterancestors())
        # A tail ("<i class=clock></i> 1周前") is the parent's text; most tails are whitespace.
        tail = el.tail
        if (
            tail and len(tail) <= 80 and not tail.isspace() and _MAY_BE_TIME.search(tail)
            and _TIME.search(tail)
        ):  # fmt: skip
            owner = el.getparent()
            if owner is not None and owner not in timed:
                timed.add(owner)
                timed.update(owner.iterancestors())
    # (parent, signature) -> timed members.
    groups: dict[tuple[Any, str], list[Any]] = {}
    for el in timed:
        parent = el.getparent()
        if parent is not None and el.tag in _POST_TAGS:
            groups.setdefault((parent, _signature(el)), []).append(el)
    best: Thread | None = None
    best_order: tuple[int, ...] = ()
    for (parent, signature), found in groups.items():
        if len(found) >= MIN_POSTS:
            members = _members(parent, signature)
        elif _numbered_id(found[0]):
            members = _nested_members(found[0], signature)
            if len(members) < MIN_POSTS:
                continue
        else:
            continue
        # Why: sidebars and footers hold activity feeds and teaser lists with times and names;
        # a page's own thread sits in its main flow.
        if parent.tag in _ASIDE or any(True for _ in parent.iterancestors(*_ASIDE)):
            continue
        thread = _analyse(members)
        if thread is None:
            continue
        # Ties go to the group that comes first in the page (as a single document-order pass would).
        order = _position(members[0])
        if best is None or thread.chars > best.chars or (thread.chars == best.chars and order < best_order):
            best, best_order = thread, order
    return best


def _position(el: Any) -> tuple[int, ...]:
    """A sortable document position: sibling indexes from the root down."""
    steps: list[int] = []
    node = el
    while node is not None:
        parent = node.getparent()
        steps.append(parent.index(node) if parent is not None else 0)
        node = parent
    return tuple(reversed(steps))


def thread_lines_covered(thread: Thread, text: str) -> float:
    """Share of the thread's posts whose opening already appears in ``text``."""
    squeezed = "".join(text.split())
    found = sum(bool(post) and "".join(post[0].split())[:16] in squeezed for post in thread.posts)
    return found / len(thread.posts)


# The badge a forum prints by the opening poster's name in replies: "(楼主)", "[作者]", "OP".
# "作者" alone is too common a label; only bracketed it is a badge.
_OPENER_BADGE = re.compile(
    r"[\[(（【]\s*(?:楼主|樓主|题主|作者)\s*[\])）】]|楼主|樓主|题主|OP|topic starter|original poster", re.I
)
_BADGE_CHARS = 16


def opener_replies(thread: Thread) -> bool:
    """Does a post carry the opening poster's badge (the one who wrote the text above the thread)?"""
    for post in thread.elements:
        for el in post.iter(etree.Element):
            for piece in (el.text, el.tail):
                if piece and len(piece) <= _BADGE_CHARS and _OPENER_BADGE.fullmatch(piece.strip()):
                    return True
    return False


THREAD_LEAD_CHARS = 200
THREAD_COVERED = 0.8
DISCUSSION_POSTS = 4


def thread_body(tree: Any, page: PageMeta, lines: list[str]) -> tuple[list[str], Thread] | None:
    """The body as a thread's posts, when the page's main content is a thread.

    Why: article extraction keeps one post (or the footer) of a forum, Q&A or comment page;
    switch when the extracted text misses most posts, the thread is not placed before
    the headline (a teaser list), and no article-like text precedes it (a news story with
    comments below keeps its story).  Extracted text before the thread (a question) is kept
    as its lead; text after it is page furniture.
    """
    thread = find_thread(tree)
    if thread is None:
        return None
    order = {el: i for i, el in enumerate(tree.iter())}
    start = order.get(thread.first, 0)
    last = thread.elements[-1]
    end = max((order.get(el, 0) for el in last.iter()), default=start)
    headline = page.h1_element
    if headline is not None and order.get(headline, 0) > end:
        return None
    # Elements, not id()s: lxml proxies are freed and their ids reused once unreferenced.
    inside = {el for post in thread.elements for el in post.iter()}
    lead: list[str] = []
    trailing = 0
    posted = "".join("".join(line.split()) for line in thread.lines)
    held = missed = 0
    reached = False  # a line from the posts or after them has been seen
    for line, source in zip(lines, line_sources(tree, lines), strict=True):
        if source is not None and source in inside:
            held += len(line)
            missed += len(line) * ("".join(line.split())[:16] not in posted)
        if source is None:
            # Why: a line not found as one text node (code split into highlighted spans) belongs
            # with the line before it; within the lead, it is the lead's.
            if lead and not reached:
                lead.append(line)
            continue
        if source in inside:
            reached = True
            continue
        if order.get(source, end) < start:
            lead.append(line)
        else:
            reached = True
            trailing += 0 if is_furniture(line) else len(line)
    longest = max(sum(len(line) for line in post) for post in thread.posts)
    # An article-like block (more text than any post) before or after the posts is the story,
    # unless many posts together outweigh it: then it is a discussion's opening post.
    lead_chars = sum(len(line) for line in lead)
    outside = lead_chars + trailing
    # Why the badge: a reply marked as the opening poster's ("(楼主)", "[作者]") shows the text above
    # is that poster's own post or question, which a discussion page keeps with its replies.
    # A page that declares itself a news article keeps its story apart from the comments under it.
    discussion = not page.declares_news_article() and (
        (len(thread.posts) >= DISCUSSION_POSTS and thread.chars >= lead_chars)
        or (lead_chars > THREAD_LEAD_CHARS and opener_replies(thread))
    )
    if max(0 if discussion else lead_chars, trailing) > max(THREAD_LEAD_CHARS, longest):
        return None
    # Why: a short group (replies nested under one comment) while most extracted text lies
    # outside it is a side list, not the page's main content.
    if (trailing if discussion else outside) > max(THREAD_LEAD_CHARS, thread.chars):
        return None
    # Why: when most text the extractor found inside the posts is missing from the posts as
    # read, the content slot is wrong (e.g. nested replies picked over the comments themselves).
    if 2 * missed > held:
        return None
    if thread_lines_covered(thread, "\n".join(lines)) >= THREAD_COVERED:
        return lines, thread  # the article text already holds the posts
    return [*lead, *thread.lines], thread
