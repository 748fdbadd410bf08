"""Headlines: the declared title chosen and stripped of its site name (any language), Chinese
"headline_channel_site" titles split into their parts, and a title-classed element read when the
<title> names only site and channel."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pipelines.text.cjk import HAN_CHAR, is_han

from .locate import SKIP_TEXT, text_owners
from .pagemeta import ARTICLE_TYPES, has_type

__all__ = [
    "TitleParts",
    "article_headline",
    "choose_headline",
    "headline_in_title",
    "meta_titles",
    "site_and_channel_only",
    "split_title",
    "strip_site_name",
    "title_element_before_body",
    "visible_title",
]

# Separators CMSs put between headline, channel and site.  A bare "-" only counts when the
# segment after it is recognisably a site or channel (headlines contain dashes too).
_SEPARATOR = re.compile(r"\s*(?:_|\||｜|\s[-–—－]\s|[-–—－]{1,2}|\s:{1,2}\s|\s@\s)\s*")
# Segment endings that name a publication (site) ...
_SITE_END = re.compile(
    r"(?:网|網|报|報|台|电视台|社|站|在线|在線|日报|晚报|周刊|杂志|官网|客户端|博客|号|平台|百科|网易|搜狐|"
    r"新浪|腾讯|凤凰|知乎|豆瓣|头条|百度|微博|百科全书|百科全書|\.com|\.cn|\.net|\.org|\.gov|\.hk|\.tw)$",
    re.I,
)
# ... and a section of one (channel).
_CHANNEL_END = re.compile(
    r"(?:频道|頻道|栏目|欄目|新闻|新聞|版|专题|專題|专栏|資訊|资讯|首页|首頁|中心|要闻|要聞|财经|財經|科技|体育|體育|"
    r"娱乐|娛樂|军事|軍事|汽车|汽車|教育|健康|文化|旅游|旅遊|时尚|房产|国际|國際|国内|國內|社会|社會|评论|評論|"
    r"观点|觀點|时政|時政|滚动|滾動|视频|視頻|图片|圖片|正文|原创|快讯|快訊|论坛|論壇|社区|社區|问答|問答|"
    r"生活|数据|數據|经济|經濟|民生|法治|商业|商業|股票|基金|理财|家居|读书|讀書|历史|歷史|游戏|遊戲|动漫|育儿|女性|公益|"
    r"港澳|台湾|两岸|本地|地方|宏观|产经|金融|证券|美食|星座)$"
)
_MAX_SUFFIX_CHARS = 16


@dataclass
class TitleParts:
    title: str
    section: str | None = None
    site_name: str | None = None


# After an underscore, a segment of at most four characters is a channel label ("_数据",
# "_经济"): no headline is that short, and CMSs join breadcrumb levels with "_".
_SHORT_CHANNEL = 4


def _kind(
    segment: str,
    site_names: set[str],
    separator: str = "",
    host_label: str = "",
    *,
    short_channels: bool = True,
) -> str | None:
    seg = segment.strip()
    if len(host_label) >= 3 and host_label in _identity(seg):
        return "site"  # "痞客邦 PIXNET" on pixnet.net
    if separator.strip() == "@" and len(seg) <= _MAX_SUFFIX_CHARS:
        return "site"  # blog platforms: "post title @ blog name"
    if not seg or len(seg) > _MAX_SUFFIX_CHARS + 8:
        return None
    if seg in site_names:
        return "site"
    if len(seg) > _MAX_SUFFIX_CHARS:
        return None
    if _SITE_END.search(seg):
        return "site"
    if _CHANNEL_END.search(seg):
        return "channel"
    if short_channels and separator.strip() == "_" and len(seg) <= _SHORT_CHANNEL and is_han(seg):
        return "channel"
    return None


def split_title(
    title: str, *, site_names: list[str] | None = None, headline: str | None = None, host: str | None = None
) -> TitleParts:
    """Peel site/channel segments off the end of ``title``.

    ``site_names`` (og:site_name, application-name) are cut wherever they stand last;
    ``headline`` (the page's <h1>) lets us cut any suffix the headline itself lacks;
    ``host`` (the page's host name) marks segments naming it ("痞客邦 PIXNET" on pixnet.net).
    """
    names = {n.strip() for n in site_names or [] if n and n.strip()}
    label = _host_label(host)
    text = re.sub(r"(?:\s*(?:::|[|｜_]))+\s*$", "", title.strip())  # "… :: 痞客邦 PIXNET ::"
    parts = TitleParts(text)
    # Why: when the title is the visible headline itself, a short last clause after "_" is part of the
    # headline ("…横扫对手_夺冠"), not a channel; named sites and channels ("_青岛频道") still go.
    visible = bool(headline) and " ".join(text.split()) == " ".join((headline or "").split())
    if headline:
        head = headline.strip()
        # The page's own headline followed by a separator: everything after it is decoration.
        if head and len(head) >= 4 and text.startswith(head) and _SEPARATOR.match(text, len(head)):
            tail = text[len(head) :]
            parts.title = head
            _classify_tail(tail, parts, names, force=True, host_label=label)
            return parts
    while True:
        matches = list(_SEPARATOR.finditer(parts.title))
        if not matches:
            break
        last = matches[-1]
        if last.start() == 0:
            break
        segment = parts.title[last.end() :]
        kind = _kind(segment, names, last.group(0), label, short_channels=not visible)
        if kind is None:
            break
        if kind == "site" and parts.site_name is None:
            parts.site_name = segment.strip()
        elif kind == "channel":
            parts.section = segment.strip()  # the leftmost channel is the most specific
        parts.title = parts.title[: last.start()].rstrip()
    _peel_leading_site(parts, names, label)
    return parts


def _peel_leading_site(parts: TitleParts, names: set[str], host_label: str) -> None:
    """ "理论中国网-2022年第4期": some CMSs put the site's name first; what follows is the page's title."""
    first = _SEPARATOR.search(parts.title)
    if first is None or first.start() == 0 or parts.site_name is not None:
        return
    head, rest = parts.title[: first.start()].strip(), parts.title[first.end() :].strip()
    if rest and _kind(head, names, first.group(0), host_label) == "site" and _kind(rest, names) is None:
        parts.site_name, parts.title = head, rest


# A <title> whose every segment is this short names site and channel ("科普中国-辟谣文章"), not a story.
_NAME_SEGMENT = 6


def site_and_channel_only(title: str) -> bool:
    """True when ``title`` is two or more short segments: a site/channel label, no headline."""
    segments = [s.strip() for s in _SEPARATOR.split(title) if s.strip()]
    return len(segments) >= 2 and all(len(s) <= _NAME_SEGMENT for s in segments)


def _classify_tail(
    tail: str, parts: TitleParts, names: set[str], *, force: bool, host_label: str = ""
) -> None:
    segments = [s for s in _SEPARATOR.split(tail) if s.strip()]
    for segment in reversed(segments):
        kind = _kind(segment, names, host_label=host_label) or (
            "site" if force and segment is segments[-1] else None
        )
        if kind == "site" and parts.site_name is None:
            parts.site_name = segment.strip()
        elif kind == "channel":
            parts.section = segment.strip()


_ANY_SEPARATOR = re.compile(r"\s+[|｜\-–—:·•»]\s+|\s*[|｜ㅣ：]\s*|\s*\[(?=[^\]]+\]$)")
_DATE_SEGMENT = re.compile(r"^[\d./\-\s]{6,12}$")


def _identity(text: str) -> str:
    return re.sub(r"[\W_]+", "", text).lower()


def _host_label(host: str | None) -> str:
    """ "golem" for www.golem.de, "metro" for metro.co.uk."""
    if not host:
        return ""
    parts = host.lower().split(".")
    if len(parts) >= 3 and parts[-2] in ("co", "com", "org", "net", "gov", "ac", "edu", "ne", "or"):
        return _identity(parts[-3])
    return _identity(parts[-2]) if len(parts) >= 2 else ""


def strip_site_name(
    title: str, site_name: str | None, *, host: str | None = None, headline: str | None = None
) -> str:
    """Remove trailing " | Site" / " - Site.de" segments naming the site (any language).

    A segment names the site when it equals og:site_name or contains the host's name
    ("Golem.de" on golem.de); a trailing date segment after it goes too ("| DW | 28.04.2023").
    A visible <h1> that the title merely extends is taken as the headline.
    """
    text = title.strip()
    extends = headline and len(headline) >= 8 and text != headline and text.startswith(headline)
    if extends and headline and _ANY_SEPARATOR.match(text, len(headline)):
        return headline
    names = {_identity(n) for n in (site_name,) if n and _identity(n)}
    label = _host_label(host)
    changed = True
    while changed:
        changed = False
        parts = list(_ANY_SEPARATOR.finditer(text))
        if not parts:
            break
        last = parts[-1]
        if last.start() == 0:
            break
        tail = text[last.end() :].strip().rstrip("]").strip()
        key = _identity(tail)
        if not key:
            break
        named = key in names or key == label or (len(label) >= 3 and label in key)
        if named or _DATE_SEGMENT.match(tail):
            text = text[: last.start()].rstrip()
            changed = True
    return text or title


# Typographic and straight quotes are the same character to a reader; CMSs convert between them.
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u00ad": None})
_MIN_HEADLINE = 10


def headline_in_title(title: str | None, headline: str | None) -> str | None:
    """The visible headline when the <title> holds it whole, as ``title``'s own characters.

    Why: <title> is "[kicker | ] headline [ | site]" and og:title is often an SEO rewrite, while
    the <h1> is what readers see; when <title> contains the <h1> verbatim (quotes aside) between
    separators or at its ends, that segment is the headline.
    """
    if not title or not headline:
        return None
    head = " ".join(headline.split()).translate(_QUOTES)
    text = " ".join(title.split())
    folded = text.translate(_QUOTES)
    if len(head) < _MIN_HEADLINE or len(folded) != len(text):
        return None
    start = folded.find(head)
    if start < 0:
        return None
    end = start + len(head)
    before, after = folded[:start], folded[end:]
    # Only whole segments: what surrounds the headline must end/start with a separator.
    if before and not re.search(r"(?:[|｜_*·•»]|\s[-–—]|[-–—]{2})\s*$", before):
        return None
    if after and not re.match(r"\s*(?:[|｜_*·•»]|[-–—]\s|[-–—]{2}|ㅣ)", after):
        return None
    return text[start:end]


# Title metadata in order of trust: Dublin Core is a formal record of the work, OpenGraph is written
# for sharing, Parse.ly's mirrors one of them.
_META_TITLE_KEYS = ("dc:title", "dcterms:title", "dcterm:title", "dc.title", "dcterms.title", "og:title",
                    "parsely-title")  # fmt: skip


def meta_titles(meta: Mapping[str, str]) -> list[str]:
    """Declared titles from <meta> tags, most trusted first; a tag may name several properties
    ("og:title twitter:title"), as RDFa allows."""
    found: list[str] = []
    for wanted in _META_TITLE_KEYS:
        for key, value in meta.items():
            if wanted in key.split() and value.strip():
                found.append(value)
                break
    return found


def article_headline(jsonld: list[dict[str, Any]]) -> object:
    """The ``headline`` of the page's schema.org article object (a WebSite's headline is its slogan)."""
    for obj in jsonld:
        if has_type(obj, ARTICLE_TYPES) and obj.get("headline"):
            return obj["headline"]
    return None


def _declared(value: object) -> str | None:
    """A declared title as text: entities decoded (JSON-LD often carries "&#8217;"), spaces collapsed."""
    if not isinstance(value, str):
        return None
    return " ".join(html.unescape(value).split()) or None


def choose_headline(
    *,
    jsonld_headline: object = None,
    meta_titles: Sequence[str | None] = (),
    html_title: str | None = None,
    h1: str | None = None,
    site_name: str | None = None,
    host: str | None = None,
    fallback: str | None = None,
) -> str | None:
    """The headline of a page from the titles it declares, without a site-name suffix.

    Order of trust: the schema.org article ``headline`` (the publisher's statement of the headline;
    og:title is more often a rewrite for sharing), then ``meta_titles`` in the order given (see
    :func:`meta_titles`); a declared title cut short with an
    ellipsis gives way to a whole one. Without either: the <h1> when the <title> holds it, else
    the <title>; with no <h1> at all, ``fallback`` (trafilatura's own guess) before the <title>.
    A title that is only the site's name is skipped.
    """
    headline = " ".join(h1.split()) if h1 and h1.strip() else None
    title = _declared(html_title)
    names = {_identity(n) for n in (site_name, _host_label(host)) if n and _identity(n)}

    def usable(value: str | None) -> str | None:
        if not value:
            return None
        stripped = _strip_names(strip_site_name(value, site_name, host=host, headline=headline), names)
        return None if _identity(stripped) in names else stripped

    declared = [d for d in (usable(_declared(v)) for v in (jsonld_headline, *meta_titles)) if d]
    whole = [d for d in declared if not _ELLIPSIS.search(d)]
    if whole or declared:
        return (whole or declared)[0]
    if headline and title and _ends_with(title, headline):
        names.add(_identity(headline))  # "Question title – DW Q&A Pro" under <h1>DW Q&A Pro</h1>
    if headline and _identity(headline) not in names:
        inside = headline_in_title(title, headline) if title else None
        return inside or usable(title) or headline
    return usable(_declared(fallback)) or usable(title) or headline


_ELLIPSIS = re.compile(r"(?:\.\.\.|…)\s*$")


def _ends_with(title: str, segment: str) -> bool:
    """``segment`` is ``title``'s last part, after a separator."""
    return (
        title != segment
        and title.endswith(segment)
        and bool(
            _ANY_SEPARATOR.search(title[: len(title) - len(segment)] + "\x00")
            or re.search(r"\s[-–—|｜·•»:]\s*$", title[: len(title) - len(segment)])
        )
    )


def _strip_names(text: str, names: set[str]) -> str:
    """Drop trailing segments that are one of ``names``."""
    while True:
        parts = list(_ANY_SEPARATOR.finditer(text))
        if not parts or parts[-1].start() == 0:
            return text
        if _identity(text[parts[-1].end() :]) not in names:
            return text
        text = text[: parts[-1].start()].rstrip()


_TITLE_CLASS = re.compile(r"title", re.I)


def title_element_before_body(tree: Any, lines: list[str]) -> str | None:
    """The headline of a page without <h1> whose <title> only names site and channel.

    Why: such CMS detail pages print the headline in a title-classed element ("rumor-title",
    "article_title") right above the text; the last one before the body's first paragraph is it.
    """
    probe = next((line[:20] for line in lines if len(line) >= 12), None)
    if probe is None:
        return None
    body_start, _ = text_owners(tree, probe, probe)
    if body_start is None:
        return None
    found = None
    for el in tree.iter():
        if el is body_start:
            return found
        if not isinstance(el.tag, str) or el.tag in SKIP_TEXT:
            continue
        marks = f"{el.get('class') or ''} {el.get('id') or ''}"
        if _TITLE_CLASS.search(marks):
            text = " ".join(el.text_content().split())
            if 6 <= len(text) <= 80 and HAN_CHAR.search(text):
                found = text
    return None


# Elements a headline is printed in when a page has no <h1>.
_HEADLINE_TAGS = ("h2", "h3", "h4", "h5", "div", "p", "span", "strong", "b", "td", "font")
_MIN_VISIBLE_TITLE = 6
_MAX_VISIBLE_TITLE = 120


def visible_title(tree: Any, title: str) -> tuple[str, Any] | None:
    """The headline as a reader sees it on a page without <h1>: ``title`` itself or its longest part
    before a separator that is the whole text of one element, with that element; None when no element
    shows it.

    Why: the <title> is "headline｜channel｜site" with channel and site names no list knows ("｜新聞速報
    ｜中時樂活"), and without an <h1> nothing else says where the headline ends; the element printing it
    does, and it anchors the info line below it (date, "中國時報 邱俐穎／台北報導")."""
    whole = " ".join(title.split())
    candidates = {whole} | {
        " ".join(title[: m.start()].split()) for m in _SEPARATOR.finditer(title) if m.start() > 0
    }
    candidates = {c for c in candidates if len(c) >= _MIN_VISIBLE_TITLE}
    if not candidates:
        return None
    best: tuple[str, Any] | None = None
    for el in tree.iter(*_HEADLINE_TAGS):
        # Cheap test first: the element's first text (a comment's tail when the CMS marks the headline
        # "<!--title begin-->") must start a candidate.
        first = " ".join(next(el.itertext(), "").split())
        if not first or not any(c.startswith(first) for c in candidates):
            continue
        text = " ".join(el.text_content().split())
        if len(text) > _MAX_VISIBLE_TITLE or text not in candidates:
            continue
        if best is None or len(text) > len(best[0]):
            best = (text, el)
            if text == whole:
                break
    return best
