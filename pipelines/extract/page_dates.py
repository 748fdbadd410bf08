"""The published and modified fields: the page's structured metadata first, then the date line by the
headline (Chinese pages), then htmldate. Parsing the texts themselves is :mod:`.dates`' job."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from lxml import etree
from trafilatura.settings import Document

from pipelines.text.cjk import HAN

from .dates import (
    DATE_LINE_WORDS,
    MONTHS,
    PRECISIONS,
    StatedDate,
    find_relative_date,
    find_stated_date,
    format_datetime,
    parse_datetime_text,
    parse_partial_date,
    precision_of,
    zone,
)
from .locate import VISIBLE_TEXTS
from .pagemeta import ARTICLE_TYPES, MODIFIED_KEYS, PUBLISHED_KEYS, PageMeta, has_type
from .trafilatura_metadata import htmldate_day

__all__ = ["modified", "published", "shown_text", "stated_precision", "zone_name"]

CHINA_TZ = "Asia/Shanghai"


def zone_name(given: str | None, *, chinese: bool) -> str:
    """The zone of times printed without an offset: the one given (the source's), else China time for a
    Chinese page, else UTC."""
    return given or (CHINA_TZ if chinese else "UTC")


def _jsonld_str(page: PageMeta, key: str) -> str | None:
    value = page.jsonld_value(key)
    return value if isinstance(value, str) else None


def _structured_published(page: PageMeta) -> str | None:
    """The publication time the page declares in its meta tags or JSON-LD, as written."""
    return page.first(PUBLISHED_KEYS) or _jsonld_str(page, "datePublished")


def _attribute_published(tree: Any) -> str | None:
    """A publication time some CMSs put in an attribute of the headline area (``ptime="2019-05-17 20:02:46"``
    on NetEase pages, ``data-publish-time`` elsewhere)."""
    for el in tree.xpath(_TIME_ATTRIBUTES_XPATH):
        for name in _TIME_ATTRIBUTES:
            value = (el.get(name) or "").strip()
            if value:
                return value
    return None


_TIME_ATTRIBUTES = ("ptime", "data-ptime", "pubtime", "data-pubtime", "data-publish-time", "data-pubdate")
# The elements holding one of them, in document order: the attributes' parents, not "//*[@ptime or …]".
# Why: a name test on the attribute axis is cheap in libxml2, where the predicate built six attribute
# node-sets for every element of the page (0.9 → 0.5 ms a page; the same elements in the same order).
_TIME_ATTRIBUTES_XPATH = "(" + " | ".join(f"//@{name}" for name in _TIME_ATTRIBUTES) + ")/.."
_TIMED = re.compile(r"\d[:：]\d")


def _stated(raw: str | None, tz_name: str, fetched_at: datetime | None) -> StatedDate | None:
    parsed = parse_datetime_text(raw, default_tz=tz_name, now=fetched_at) if raw else None
    if raw is None or parsed is None:
        return None
    if _TIMED.search(raw):
        return StatedDate(parsed, precision_of(raw), raw)
    return StatedDate(parsed.replace(hour=0, minute=0, second=0, microsecond=0), "day", raw)


def _declared(tree: Any, page: PageMeta, tz_name: str, fetched_at: datetime | None) -> StatedDate | None:
    """The page's declared publication time: meta tags or JSON-LD, then a time attribute; a declared day
    gives way to a time attribute on the same day."""
    meta = _stated(_structured_published(page), tz_name, fetched_at)
    if meta is not None and meta.precision != "day":
        return meta
    # (The attribute search walks the whole tree: only when the metadata gave no time.)
    attribute = _stated(_attribute_published(tree), tz_name, fetched_at)
    same_day = meta is None or (attribute is not None and meta.value.date() == attribute.value.date())
    if attribute is not None and attribute.precision != "day" and same_day:
        return attribute
    return meta or attribute


# Meta keys that only an article's publication time goes in (OpenGraph's article namespace, Parse.ly,
# Sailthru): a value there is the publisher's statement of when the story appeared.
_ARTICLE_KEYS = (
    "article:published_time", "og:article:published_time", "article:published", "parsely-pub-date",
    "sailthru.date",
)  # fmt: skip
# A schema.org type that names a story on its own, whatever og:type says ("Article" alone is also what an
# encyclopedia declares for an entry, beside og:type "website").
_STORY_TYPES = re.compile(r"NewsArticle$|Posting$|^Report$")


def _declares_article(page: PageMeta) -> bool:
    """Whether the page's metadata says it is a published story (so its declared publication time is the
    story's): og:type "article", an article-only meta key, a story type in JSON-LD, or a generic
    (Article, …) type when og:type does not say "website"."""
    if any((page.meta.get(key) or "").strip() for key in _ARTICLE_KEYS):
        return True
    og_type = (page.meta.get("og:type") or "").strip().lower()
    if og_type.startswith(("article", "news")):
        return True
    types = _STORY_TYPES if og_type else ARTICLE_TYPES
    return any(has_type(obj, types) for obj in page.jsonld)


_FOLD_SPACE = re.compile(r"\s+")
# A date written as part of a sentence: directly followed (no space) by a comma, a bracket or a word
# other than a weekday, a time of day or a date line's next field ("2024年5月9日，雄安高新区正式揭牌",
# "1975年1月28日（农历…）出生"); a date line sets its date off ("2011-12-9 13:04 法制晚报", "2012年1月12日
# 星期四", "2012年01月12日15:57").
_CJK_DAY = re.compile(
    r"(?:19|20)\d{2}\s*(?:年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号]|[-/.]\s*\d{1,2}\s*[-/.]\s*\d{1,2}(?!\d))"
)
_PROSE_AFTER = re.compile(
    r"\s*(?![（(]\s*(?:星期|周|週|礼拜|禮拜|来源|來源|作者|编辑|編輯))[，,、；;（(]"
    rf"|(?!星期|周|週|礼拜|禮拜|上午|下午|凌晨|早上|晚上|中午|[时時点點讯訊电電])[{HAN}]"
)


def _prose_at(text: str, end: int) -> bool:
    after = text[end : end + 8]
    return bool(_PROSE_AFTER.match(after)) and not after.startswith(DATE_LINE_WORDS)


def _mask_prose(text: str) -> str:
    """``text`` with the days its sentences mention blanked (see :data:`_PROSE_AFTER`)."""
    return _CJK_DAY.sub(lambda m: " " if _prose_at(text, m.end()) else m.group(0), text)


def _outside_prose(visible: str) -> str:
    """The page's visible text (``visible``: no scripts, styles, attributes or <meta> values) with the days
    its sentences mention blanked: where a date line, a byline or a footer prints the page's own dates.

    Why: "1975年1月28日（农历…）" in an encyclopedia entry, "2024年5月9日，…正式揭牌" in its lead, are
    facts of the subject, not the day the page was published."""
    return _mask_prose(_FOLD_SPACE.sub(" ", visible))


def _in_prose(found: StatedDate, line: str) -> bool:
    """The date line's date is written as part of a sentence (see :data:`_PROSE_AFTER`)."""
    text = unicodedata.normalize("NFKC", line)
    at = text.find(found.text) if found.text else -1
    return at >= 0 and _prose_at(text, at + len(found.text or ""))


def _month_names(month: int) -> str:
    return "|".join(re.escape(name) for name, number in MONTHS.items() if number == month)


_SPACE = r"(?:\s|&nbsp;|&#160;|\u00a0)+"  # the page's HTML: "Sep&nbsp;16, 2017"


def stated_precision(day: date, page_text: str) -> str | None:
    """How much of ``day`` the page states, for a day htmldate gave: htmldate turns a page that shows only a
    year into the 1st of January, and fills a day it cannot read from the current date ("2004-05" became
    2004-05-07 on the 7th). A day counts when the page writes it (2004-05-17, 2004年5月17日, 17 May 2004,
    May 17th, 2004, 17/05/2004, 20040517 or /04/0517/ in the URL …), a month when it writes the month."""
    if _day_pattern(day).search(page_text):
        return "day"
    y, m, names = day.year, day.month, _month_names(day.month)
    month = (
        rf"{y}\s*[-/.年_]\s*0?{m}(?!\d)",
        rf"(?<![\d.])0?{m}\s*[-/]\s*{y}",
        rf"(?:{names})\.?,?{_SPACE}(?:de{_SPACE})?{y}",
        rf"(?<!\d){y}{m:02d}(?!\d)",
    )
    if re.search("|".join(month), page_text, re.I):
        return "month"
    # Not even the year written: htmldate's guess (a script's timestamp, a date in an attribute) is no date
    # the page shows.
    return "year" if re.search(rf"(?<!\d){y}(?!\d)", page_text) else None


def _day_pattern(day: date) -> re.Pattern[str]:
    """The ways a page writes ``day`` (see :func:`stated_precision`)."""
    y, m, d, yy, names = day.year, day.month, day.day, f"{day.year % 100:02d}", _month_names(day.month)
    full = (
        rf"{y}\s*[-/.年]\s*0?{m}\s*[-/.月]\s*0?{d}(?!\d)",
        rf"(?<!\d)0?{d}\s*[-/.]\s*0?{m}\s*[-/.]\s*(?:{y}|{yy}(?!\d))",
        rf"(?<!\d)0?{m}\s*[-/.]\s*0?{d}\s*[-/.]\s*(?:{y}|{yy}(?!\d))",
        rf"(?<!\d)(?:{y}|{yy})[-/_]?{m:02d}[-/_]?{d:02d}(?!\d)",
        rf"(?:{names})\.?{_SPACE}0?{d}(?:st|nd|rd|th)?,?{_SPACE}(?:{y}|{yy}(?!\d))",
        rf"(?<!\d)0?{d}(?:st|nd|rd|th)?\.?{_SPACE}(?:de{_SPACE})?(?:{names})\.?,?{_SPACE}(?:de{_SPACE})?(?:{y}|{yy}(?!\d))",
    )
    return re.compile("|".join(full), re.I)


# Containers of what others wrote under the article (comments, replies, a Q&A's answers, reviews) ...
_REPLY_MARK = re.compile(r"comment|repl(?:y|ie)|answer|review|回复|评论", re.I)
# ... and of texts beside it that carry their own dates: a revision card ("最近更新", "modified-time"),
# statistics, footnotes and references, sidebars, related headlines (TRS, the CMS of many government sites,
# names them "reldocuments": "关联稿件").
_ASIDE = re.compile(
    r"modif|updat|statist|refer|cite|citation|sidebar|side[-_]?(?:box|content|bar)|relate|rel[-_]?doc", re.I
)
_REPLY_OR_ASIDE = re.compile(f"{_REPLY_MARK.pattern}|{_ASIDE.pattern}", re.I)
_MARK_LEVELS = 8


def _container(node: Any, marks: re.Pattern[str]) -> Any:
    """The nearest element (up to eight levels above a text) whose class or id matches ``marks``."""
    el, level = node.getparent(), 0
    while el is not None and level < _MARK_LEVELS:
        if marks.search(f"{el.get('class') or ''} {el.get('id') or ''}"):
            return el
        el, level = el.getparent(), level + 1
    return None


_VISIBLE = etree.XPath(VISIBLE_TEXTS)
# Plain strings where only the text counts: lxml then keeps no parent for each (~20 % cheaper).
_VISIBLE_STRINGS = etree.XPath(VISIBLE_TEXTS, smart_strings=False)
# The visible texts holding $number; contains() first, so that libxml2 tests the ancestors of those alone.
_VISIBLE_HOLDING = etree.XPath(
    "//body//text()[contains(., $number)][not(ancestor::script)][not(ancestor::style)]"
)


def _visible_texts(tree: Any) -> list[Any]:
    return list(_VISIBLE(tree))


def _visible_text(tree: Any) -> str:
    return "".join(_VISIBLE_STRINGS(tree))


def _day_holders(tree: Any, day: date) -> list[Any]:
    """The visible texts that print ``day``, in page order.

    Why the number first: every way of writing the day holds it, so libxml2 picks the few texts that do
    (reading every text of the page into Python cost ~1.7 ms) and the regex (six alternatives tried at
    each character) reads those alone."""
    pattern = _day_pattern(day)
    return [node for node in _VISIBLE_HOLDING(tree, number=str(day.day)) if pattern.search(node)]


def _printed_only_in(holders: list[Any], marks: re.Pattern[str]) -> bool:
    """Whether every text of ``holders`` (those that print a day) sits in a container whose class or id
    matches ``marks`` (False when no text prints it)."""
    return bool(holders) and all(_container(node, marks) is not None for node in holders)


_ANY_DAY = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")


def _a_replys_date(holders: list[Any], texts: Callable[[], list[Any]]) -> bool:
    """Whether a day (printed by ``holders``, see :func:`_day_holders`) is printed only in replies
    (:data:`_REPLY_MARK`) on a page that lists two or more dated replies (of ``texts()``, the page's
    visible texts): then it is one reply's day, not the page's.

    Why: a Q&A page shows its answers' days ("莫九牧 活跃答主 2021-10-19") and none of the question's, a
    review list its reviews' times ("看过 2024-04-07 13:19:20"); the window below the headline reaches
    them. A page that is one answer (a zhihu answer page) is dated by it."""
    if not _printed_only_in(holders, _REPLY_OR_ASIDE) or _printed_only_in(holders, _ASIDE):
        return False
    dated = {
        id(box)
        for node in texts()
        if _ANY_DAY.search(node) and (box := _container(node, _REPLY_OR_ASIDE)) is not None
    }
    return len(dated) >= 2


# "© 2002-2024 新唐人", "Copyright 2024": the site's copyright years say nothing of when a story appeared.
_COPYRIGHT_YEARS = re.compile(r"(?:©|&copy;|\(c\)|copyright)\s*(?:\d{4}\s*[-–—~]\s*)?\d{4}", re.I)


def published(
    tree: Any,
    doc: Document,
    page: PageMeta,
    url: str | None,
    *,
    chinese: bool,
    tz_name: str,
    fetched_at: datetime | None,
    date_lines: list[str],
    page_text: str = "",
    body_text: str | None = None,
    post_time: str | None = None,
) -> StatedDate | None:
    """When the article was published, stated no more precisely than the page states it (a year, a month,
    a day or a time), with the page's wording; None when the page states no date.

    ``date_lines`` are the texts a Chinese page prints its date in (the info line by the headline, the
    first post's time), in the order they are tried; ``doc`` is trafilatura's result for the page;
    ``page_text`` is unused (kept for callers); a day htmldate gave is checked against the text the page
    shows and its URL (:func:`stated_precision`), never against its scripts or attributes.

    ``body_text`` (the article's text, when the caller has it) turns on the reader's test for dates the
    page does not print as its own: a declared date (meta tags, JSON-LD) counts when the page declares
    itself a story (:func:`_declares_article`: og:type article, article:published_time, a NewsArticle) or
    when the visible page prints that day outside the story's paragraphs; otherwise it is a Q&A's, an
    encyclopedia's or a list's page date that no reader sees (the labels' rule: `<meta>` values nobody
    sees are no date). A date written as part of a sentence is a fact the text tells, a date printed only
    in replies (on a page of several) or beside the story (a revision card, footnotes, a sidebar, related
    headlines) is theirs; htmldate's day counts only where the visible page prints it otherwise, or the
    URL does.
    ``post_time`` (a thread's first post's time, one of ``date_lines``) is the thread's own date even
    where the page marks the post as a reply.
    """
    checked = body_text is not None
    # The visible text is read (once) only when a rule below needs it: most pages are dated in step 1 or 2.
    texts = functools.cache(lambda: _visible_texts(tree))
    outside = functools.cache(lambda: _outside_prose(_visible_text(tree)) if checked else "")
    holders = functools.cache(lambda day: _day_holders(tree, day))
    # 1. Structured metadata carries time and offset; prefer it.
    declared = _declared(tree, page, tz_name, fetched_at)
    rejected: date | None = None
    if declared is not None and checked and not _declares_article(page):
        # Not declared as a story's: the day must be printed on the page outside the story's sentences, or
        # in the URL. When og:type says the page is something else ("website": an encyclopedia entry), only
        # where a Chinese page prints its own date (its date lines by the headline) counts: an infobox or
        # the footnotes ("建置时间2017年4月1日", "新华社. 2017-04-01") print the days of facts.
        other = bool((page.meta.get("og:type") or "").strip())
        declared_day = declared.value.date()
        # The URL first: a day it states is stated whatever text follows it (see step 3), and the page's
        # text is then not read.
        if stated_precision(declared_day, url or "") != "day":
            where = _mask_prose(" ".join(date_lines)) if chinese and other else outside()
            if stated_precision(declared_day, f"{url or ''}\n{where}") != "day":
                rejected, declared = declared_day, None
    if declared is not None:
        if declared.precision != "day":
            return declared
        # Why: a date-only meta tag loses the time the visible date line prints
        # ("发布时间：2021年06月18日 09:12"); take that line's time when it is the same day.
        for candidate in date_lines if chinese else []:
            found = find_stated_date(candidate, default_tz=tz_name) if candidate else None
            if (
                found is not None
                and found.value.date() == declared.value.date()
                and (found.value.hour, found.value.minute) != (0, 0)
            ):
                return found
        # "2024-05-20" alone says nothing about the time: keep it a date, not fake midnight.
        return declared
    # 2. Chinese pages print "2019年02月24日 22:16" or "发布时间：…" right by the headline.
    if chinese:
        day_only: StatedDate | None = None
        for candidate in date_lines:
            found = find_stated_date(candidate, default_tz=tz_name) if candidate else None
            if found is None or (day_only is not None and found.value.date() != day_only.value.date()):
                continue
            if checked and _in_prose(found, candidate):
                continue
            if (
                checked
                and candidate != post_time
                and (
                    _a_replys_date(holders(found.value.date()), texts)
                    or _printed_only_in(holders(found.value.date()), _ASIDE)
                )
            ):
                continue
            if (found.value.hour, found.value.minute, found.value.second) != (0, 0, 0):
                return found
            # Why not at once: a day without a time ("（2016年1月19日）" atop a press release in the body)
            # may be printed with its time in a later line (the info line by the headline).
            day_only = day_only or found.coarser("day")
        if day_only is not None:
            return day_only
        # "3小时前" / "昨天 10:20" only mean something against the time the page was fetched, and only
        # where they stand as a date line of their own ("今天上午，…" in the first paragraph is prose).
        if fetched_at is not None:
            for candidate in date_lines:
                found = find_relative_date(candidate[:200], default_tz=tz_name, now=fetched_at)
                age = _aware(fetched_at, tz_name) - found.value if found is not None else None
                if found is not None and age is not None and timedelta(0) <= age <= timedelta(days=400):
                    return found
    # 3. htmldate's day (it also looks at the URL), no more precise than the page states it; then a
    # declared year or month ("2004", "2004-05").
    raw = _structured_published(page)
    partial = parse_partial_date(raw, default_tz=tz_name) if raw else None
    day = htmldate_day(tree, doc.url or url)
    # Where the reader's test is on, htmldate's day must be printed outside the story's paragraphs (or in
    # the URL); a year or month alone counts on a Chinese page only where its date lines print it. (The
    # page's text is read only when htmldate gave a day to check.)
    found = None
    if day and checked:
        # A day the URL states is stated by the URL and the text after it too (what follows cannot undo a
        # match: the day patterns look past a date only for a digit), so the page's text is read only
        # when the URL does not state the day (~1.7 ms, and the checks below skip it too).
        found = _htmldate_day(day, tz_name, url or "")
        if found is None or found.precision != "day":
            found = _htmldate_day(day, tz_name, f"{url or ''}\n{_COPYRIGHT_YEARS.sub(' ', outside())}")
    elif day:
        found = _htmldate_day(day, tz_name, f"{url or ''}\n{shown_text(tree)}")
    if found is not None and checked and found.precision in ("year", "month"):
        # A year or a month printed only beside the story (a blog's archive "2024 年 5 月" in its sidebar)
        # is not the story's.
        beside = " ".join(n for n in texts() if _container(n, _ASIDE) is None)
        found = _htmldate_day(day or "", tz_name, f"{url or ''}\n{_COPYRIGHT_YEARS.sub(' ', beside)}")
    if found is not None and checked and found.precision == "day":
        day_found = found.value.date()
        # Not the declared day step 1 turned down (htmldate reads the same metadata first); not a day
        # printed only in an encyclopedia's "最近更新（2024-05-10）" card, a footnote or a related
        # headline; not one reply's day on a page of replies.
        in_url = stated_precision(day_found, url or "") == "day"  # the URL states it: the page's own
        if day_found == rejected or (
            not in_url
            and (_printed_only_in(holders(day_found), _ASIDE) or _a_replys_date(holders(day_found), texts))
        ):
            found = None
    if found is not None and checked and chinese and found.precision in ("year", "month"):
        # Only a year or month the lines state as such: not the month of a full date printed there (an
        # answer's "2021-10-19" does not state the month of htmldate's "2021-10-18").
        lines = _ANY_DAY.sub(" ", _ISSUE_NUMBER.sub(" ", " ".join(date_lines)))
        got = stated_precision(found.value.date(), lines)
        if got is None or PRECISIONS.index(got) < PRECISIONS.index(found.precision):
            found = None
    if partial is not None and (
        found is None or PRECISIONS.index(found.precision) <= PRECISIONS.index(partial.precision)
    ):
        return partial
    return found


# "2022年第4期": a journal's issue number, not a date line.
_ISSUE_NUMBER = re.compile(r"(?:19|20)\d{2}\s*年\s*第")


def _htmldate_day(day: str, tz_name: str, page_text: str) -> StatedDate | None:
    try:
        value = date.fromisoformat(day[:10])
    except ValueError:
        return None
    precision = stated_precision(value, page_text)
    if precision is None:
        return None
    start = datetime(value.year, value.month, value.day, tzinfo=zone(tz_name))
    return StatedDate(start, "day").coarser(precision)


_HIDDEN = ("script", "style", "noscript", "template")


def shown_text(tree: Any) -> str:
    """The text a reader sees, plus what the page declares as metadata: every text outside scripts,
    styles and templates (the title included: a browser shows it), the values of <meta> tags, and JSON-LD.
    Not a script's variables, an attribute or a link's path."""
    parts: list[str] = []
    for el in tree.iter():
        tag = el.tag if isinstance(el.tag, str) else None
        if tag == "meta":
            parts.append(el.get("content") or "")
        elif tag == "script":
            parts.append((el.text or "") if "ld+json" in (el.get("type") or "") else "")
        elif tag is not None and tag not in _HIDDEN:
            parts.append(el.text or "")
        parts.append(el.tail or "")
    return "\n".join(parts)


def _aware(value: datetime, tz_name: str) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=zone(tz_name))


def modified(page: PageMeta, tz_name: str, fetched_at: datetime | None) -> str | None:
    """When the page says it was last modified (meta tags or JSON-LD), ISO 8601."""
    raw = page.first(MODIFIED_KEYS) or _jsonld_str(page, "dateModified")
    return format_datetime(parse_datetime_text(raw, default_tz=tz_name, now=fetched_at)) if raw else None
