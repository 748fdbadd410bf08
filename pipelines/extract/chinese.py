"""Body clean-up for Chinese news pages: credits, original title, tags and page chrome.

Every rule works on whole paragraphs (trafilatura's output lines) and only removes text
that is fully recognised (a credit, a notice, a prompt), so article prose is left alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from pipelines.text.cjk import HAN, HAN_CHAR, HANGUL_CHAR, KANA_CHAR

from .bylines import Credits, has_common_surname, names_only, parse_credits, strip_byline
from .dates import find_date_in_text
from .flags import looks_like_navigation
from .furniture import RELATED_HEADING, TAG_LINE, is_furniture, strip_image_urls

__all__ = ["CleanBody", "clean_chinese_body", "drop_comment_section", "is_chinese_text"]

_LETTER = re.compile(r"[^\W\d_]")
_ORIGINAL_TITLE = re.compile(r"^\s*[【\[(（]?\s*原标题|^\s*[【\[(（]?\s*原題|^\s*[【\[(（]?\s*原標題")
_ORIGINAL_TITLE_VALUE = re.compile(r"原(?:标题|標題|題)\s*[:：]?\s*(?P<title>.+?)\s*[】\])）]?\s*$")
# Lines near the top that only carry publication facts:
# "2024-05-10 10:20 来源：新华网 作者：张三 字号：大 中 小".
_META_WORDS = re.compile(
    r"发布时间|發佈時間|发布日期|发表时间|更新时间|时间|時間|日期|发布|來源|来源|作者|编辑|责编|字号|字號|大\s*中\s*小|"
    r"浏览|阅读|次数|点击|分享|评论|收藏|打印|纠错|关注|[0-9]+\s*(?:人|次)|【|】|\[|\]|丨|\||·"
)
_SHORT_LINE = 30
_TOP_LINES = 4


def is_chinese_text(text: str, *, min_han: int = 10) -> bool:
    """Han characters dominate the letters and there is (nearly) no kana or hangul."""
    sample = text[:4000]
    han = len(HAN_CHAR.findall(sample))
    if han < min_han:
        return False
    letters = len(_LETTER.findall(sample))
    kana, hangul = len(KANA_CHAR.findall(sample)), len(HANGUL_CHAR.findall(sample))
    return han >= 0.3 * letters and kana < 0.05 * han and hangul < 0.05 * han


@dataclass
class CleanBody:
    lines: list[str]
    credits: Credits = field(default_factory=Credits)
    original_title: str | None = None
    tags: list[str] = field(default_factory=list)
    meta_lines: list[str] = field(default_factory=list)  # removed byline/date lines (for date search)


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _is_meta_line(line: str) -> bool:
    """A short line made of a date plus publication facts (source, author, font size …)."""
    if len(line) > 100 or find_date_in_text(line, default_tz="UTC") is None:
        return False
    rest = re.sub(
        r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*[日号]?\s*(?:\d{1,2}[:：]\d{2}(?:[:：]\d{2})?)?",
        "",
        line,
    )
    credits = parse_credits(rest)
    if credits is not None:
        return True
    rest = re.sub(r"(?:来源|來源|作者|编辑|责任编辑)\s*[:：]\s*\S+", "", rest)
    rest = _META_WORDS.sub("", rest)
    return not re.sub(r"[\s:：/|,，;；()（）\-]", "", rest)


_TOGGLE = re.compile(r"\s*(?:收起|展开|展开全文)$")
_CAPTION_CHARS = 80


def clean_chinese_body(lines: list[str], *, titles: list[str]) -> CleanBody:
    result = CleanBody([])
    title_keys = {_norm(t) for t in titles if t}
    # Why: before the body starts, a line printed twice (a video/summary caption, once more
    # with its "收起" toggle) is a player or teaser block's caption, not the article's text.
    lead_counts = Counter(_norm(_TOGGLE.sub("", x.strip())) for x in lines if x.strip())
    out: list[str] = []
    n = len(lines)
    for index, raw in enumerate(lines):
        # Why: a paragraph never starts or ends with a bare "|"; it is a separator left over from
        # inline chrome (counters, share links) next to the text.
        line = strip_image_urls(raw).strip().strip("|｜").strip()
        if not line:
            continue
        # The headline repeated as the first paragraph is not body text.
        if not out and _norm(line) in title_keys:
            continue
        if not out and len(line) <= _CAPTION_CHARS and lead_counts[_norm(_TOGGLE.sub("", line))] >= 2:
            continue
        # "原标题：…" keeps the print headline of a reprint; metadata, not body.
        if _ORIGINAL_TITLE.match(line) and len(line) <= 120:
            m = _ORIGINAL_TITLE_VALUE.search(line)
            if m and result.original_title is None:
                result.original_title = m["title"].strip()
            continue
        # A "相关阅读" heading in the last part of the page starts a block of other headlines.
        if RELATED_HEADING.match(line):
            if index >= n * 0.5:
                break
            continue
        tag_match = TAG_LINE.match(line)
        if tag_match and index >= n - 3:
            result.tags.extend(t for t in re.split(r"[\s,，、;；|]+", tag_match["tags"]) if t)
            if not tag_match["tags"].strip():
                # "关键字：" alone: the tags follow as short lines up to the end of the page.
                rest = [x.strip() for x in lines[index + 1 :] if x.strip()]
                if all(len(x) <= _SHORT_LINE for x in rest):
                    result.tags.extend(rest)
                    break
            continue
        if len(out) < _TOP_LINES and _is_meta_line(line):
            result.meta_lines.append(line)
            _absorb(result, parse_credits(line))
            continue
        text, credits = strip_byline(line)
        if credits is not None:
            result.credits.extend(credits)
            if not text:
                result.meta_lines.append(line)
                continue
            line = text
        if is_furniture(line):
            continue
        # A row of menu labels above the body ("为您推荐 - 推荐 - 娱乐 - 体育 - 财经"); bylines, read above,
        # are short words too.
        if not out and len(line) <= _CAPTION_CHARS and looks_like_navigation([line]):
            continue
        # The lead is sometimes printed twice (summary box + first paragraph): keep one copy.
        # Only at the start: repeated photo captions further down are the page's own text.
        if len(out) == 1 and _norm(out[0]) == _norm(line):
            continue
        out.append(line)
    out = _drop_teasers(out)
    _closing_names(out, result)
    _closing_report(out, result)
    result.lines = out
    return result


def _absorb(result: CleanBody, credits: Credits | None) -> None:
    if credits is not None:
        result.credits.extend(credits)


_TEASER_END = re.compile(r"(?:\.\.\.|…|\.{3}|。。。)\s*$")


def _drop_teasers(lines: list[str]) -> list[str]:
    """Drop runs of two or more truncated "…" lines: they are teasers for other articles."""
    keep = [True] * len(lines)
    i = 0
    while i < len(lines):
        j = i
        while j < len(lines) and _TEASER_END.search(lines[j]):
            j += 1
        if j - i >= 2:
            keep[i:j] = [False] * (j - i)
        i = max(j, i + 1)
    return [line for line, k in zip(lines, keep, strict=True) if k]


_CLOSING = re.compile(rf"[(（](?P<names>[{HAN}·、 ]{{2,20}})[)）]\s*$")


def _closing_names(lines: list[str], result: CleanBody) -> None:
    """ "…全文最后一句。（郭旭）": bare names closing the article (its last lines) are its writers."""
    _take_credit(lines, result, range(len(lines) - 1, max(len(lines) - 3, -1), -1), _bare_names)


def _bare_names(line: str) -> tuple[re.Match[str], Credits] | None:
    m = _CLOSING.search(line)
    credits = names_only(m["names"], "reporter") if m else None
    if m is None or credits is None:
        return None
    if not all(has_common_surname(c["name"]) for c in credits.contributors if c["role"] == "reporter"):
        return None  # an outlet's or a group's name in brackets ("（经济通）"), not a writer
    return m, credits


# A place-report byline closing a paragraph: "…釐清死因。（王煌忠／台中報導）" (Taiwanese papers print the
# writer there, not above the story); the report word makes it a byline wherever the paragraph goes on.
_CLOSING_REPORT = re.compile(
    rf"(?<=[。！？!?」』”])\s*[(（](?:記者|记者)?\s*(?P<names>[{HAN}]{{2,4}}(?:[、，,][{HAN}]{{2,4}})*)"
    rf"\s*[／/╱]\s*[{HAN}]{{0,6}}(?:報導|报道)[)）]"
)


def _closing_report(lines: list[str], result: CleanBody) -> None:
    """The writers a closing place-report byline names (the last one in the body), taken out of the text."""
    _take_credit(lines, result, range(len(lines) - 1, -1, -1), _place_report)


def _place_report(line: str) -> tuple[re.Match[str], Credits] | None:
    m = next(reversed(list(_CLOSING_REPORT.finditer(line))), None)
    credits = names_only(m["names"], "reporter") if m else None
    if m is None or credits is None or not all(has_common_surname(c["name"]) for c in credits.contributors):
        return None
    return m, credits


def _take_credit(
    lines: list[str],
    result: CleanBody,
    indexes: range,
    find: Callable[[str], tuple[re.Match[str], Credits] | None],
) -> None:
    """The first credit ``find`` finds in the lines at ``indexes``, added to ``result`` and taken out of its
    line (the line dropped when nothing else is left)."""
    for index in indexes:
        found = find(lines[index])
        if found is not None:
            m, credits = found
            result.credits.extend(credits)
            lines[index] = (lines[index][: m.start()] + lines[index][m.end() :]).strip()
            if not lines[index]:
                del lines[index]
            return


# A comment's stamp: "微软小冰 于 2019-05-17 21:10 发表", "网友 2019-05-17 21:30 评论".
_COMMENT_STAMP = re.compile(
    r"^\S{2,24}\s*(?:\[[^\]]{1,20}\]\s*)?(?:于|在)?\s*(?:19|20)\d{2}[-/.年]\d{1,2}[-/.月]\d{1,2}日?"
    r"(?:\s*\d{1,2}:\d{2}(?::\d{2})?)?\s*(?:发表|發表|发布|發佈|评论|評論|回复|回覆)$"
)


def drop_comment_section(lines: list[str]) -> list[str]:
    """The body without a comment box below it: from the first comment stamp in the second half on.

    Why: a portal's comment box ("热门跟贴") can sit right under the article in the same column, and the
    body would end with commenters' posts (whose names are no authors)."""
    for index in range(max(1, len(lines) // 2), len(lines)):
        if len(lines[index]) <= 60 and _COMMENT_STAMP.match(lines[index]):
            return lines[:index]
    return lines
