"""Extraction flags: what looks wrong with an extracted article, so that a reader and a query can tell a
doubtful record from a good one. A flagged article is stored all the same; the flags say why to check it.

Each flag is a short name (stored as a JSON list in ``articles.extraction_flags``) with its description in
:data:`FLAGS`; :func:`extraction_flags` computes them from the extracted fields and the page.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pipelines.text.cjk import CJK_CHAR

if TYPE_CHECKING:
    from .mainblock import MainBlock

__all__ = [
    "FLAGS",
    "SHORT_BODY_CHARS",
    "extraction_flags",
    "looks_like_login",
    "looks_like_navigation",
    "text_chars",
]

FLAGS = {
    "no_date": "no publication date on the page",
    "no_author": "no author named on the page",
    "short_body": "body under 100 characters",
    "body_shorter_than_main_block": "body holds less than half the text of the page's main text block",
    "main_block_used": "the extracted body was a fragment; the page's main text block was stored instead",
    "body_looks_like_navigation": "body is mostly short link-like items (a menu or a list of headlines)",
    "body_looks_like_login": "body holds a login or registration box",
    "title_differs_from_h1": "the stored title is neither the page's <h1> nor contains it",
    "text_repeated": "a large part of the body is repeated",
    "encoding_repaired": "the page had been misread before it reached us (Chinese bytes decoded with a "
    "Western code page, pipelines.extract.decode.repair_mojibake); its text is our reading of those bytes",
}

SHORT_BODY_CHARS = 100
MAIN_BLOCK_SHARE = 0.5
_NAV_ITEM_CHARS = 8
_NAV_SHARE = 0.7
_NAV_LINES = 40  # the first lines decide
_NAV_LINE_CHARS = 60
_SENTENCE = re.compile(r"[，。！？；,.!?;:：]")
_NAV_SEPARATOR = re.compile(r"\s*(?:\s[-–—|｜/·•>»]\s|[|｜·•>»])\s*")
_LOGIN = re.compile(
    r"登录超时|免注册|忘记密码|找回密码|记住密码|记住我|验证码登录|账号登录|帐号登录|手机号登录|立即登录|快速登录|"
    r"请输入(?:密码|手机号|账号|帐号|验证码)|sign in with|forgot (?:your )?password|remember me",
    re.I,
)
_LOGIN_LINES = 2
_LOGIN_SCAN = 20  # a login box sits at the top or is a whole short body
_REPEAT_MIN_CHARS = 20
_REPEAT_SHARE = 0.2
_MIN_H1_CHARS = 6


def text_chars(text: str) -> int:
    """The characters a body is measured in (:data:`SHORT_BODY_CHARS`): all but white space."""
    return len("".join(text.split()))


def _norm(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).casefold()


def looks_like_navigation(lines: Sequence[str]) -> bool:
    """Most of the text is short labels without sentence punctuation: "为您推荐 - 推荐 - 娱乐 - 体育 - 财经".
    (Counted in characters: a story with a table of short figures is still mostly sentences.)"""
    pieces = chars = short = 0
    for line in lines[:_NAV_LINES]:
        if len(line) > _NAV_LINE_CHARS and _SENTENCE.search(line):
            pieces, chars = pieces + 1, chars + len(line)  # a sentence: one long piece, not split
            continue
        for part in _NAV_SEPARATOR.split(line):
            # Spaces separate Chinese menu items, but they separate the words of any Latin text.
            for piece in part.split() if CJK_CHAR.search(part) else [part]:
                if piece.strip():
                    pieces, chars = pieces + 1, chars + len(piece)
                    if len(piece) <= _NAV_ITEM_CHARS and not _SENTENCE.search(piece):
                        short += len(piece)
    return pieces >= 4 and short >= _NAV_SHARE * chars


def looks_like_login(lines: Sequence[str]) -> bool:
    """Two or more lines, or one of the first three, with login box wording."""
    hits = [i for i, line in enumerate(lines[:_LOGIN_SCAN]) if _LOGIN.search(line)]
    return len(hits) >= _LOGIN_LINES or any(i < 3 for i in hits)


def repeated_share(lines: Sequence[str]) -> float:
    """Share of the body's characters in paragraphs (of 20 characters or more) printed more than once."""
    keys = ["".join(line.split()) for line in lines]
    counts = Counter(k for k in keys if len(k) >= _REPEAT_MIN_CHARS)
    total = sum(len(k) for k in keys)
    extra = sum(len(k) * (n - 1) for k, n in counts.items() if n > 1)
    return extra / total if total else 0.0


def title_differs(title: str | None, h1: str | None) -> bool:
    """The title is neither the <h1> nor holds it (an <h1> of a few characters is a logo, not a headline)."""
    if not title or not h1 or len(_norm(h1)) < _MIN_H1_CHARS:
        return False
    t, h = _norm(title), _norm(h1)
    return t != h and h not in t


def extraction_flags(
    *,
    lines: Sequence[str],
    title: str | None,
    h1: str | None,
    published: str | None,
    authors: Sequence[str],
    block: MainBlock | None,
    block_used: bool,
    encoding_repaired: bool = False,
) -> list[str]:
    """The names of the flags (keys of :data:`FLAGS`) that hold for one extracted article, in that order."""
    chars = text_chars("".join(lines))
    holds = {
        "no_date": not published,
        "no_author": not authors,
        "short_body": chars < SHORT_BODY_CHARS,
        "body_shorter_than_main_block": block is not None
        and not block_used
        and block.chars >= SHORT_BODY_CHARS
        and chars < MAIN_BLOCK_SHARE * block.chars,
        "main_block_used": block_used,
        "body_looks_like_navigation": looks_like_navigation(lines),
        "body_looks_like_login": looks_like_login(lines),
        "title_differs_from_h1": title_differs(title, h1),
        "text_repeated": repeated_share(lines) >= _REPEAT_SHARE,
        "encoding_repaired": encoding_repaired,
    }
    return [name for name in FLAGS if holds[name]]
