"""Front-matter seed documents: ``---`` YAML header, then HTML and text, with an optional ``<!-- more -->``.

``parse_front_matter`` checks and reads one document; ``FrontMatterDocument.to_html`` renders it as the HTML
page the extractor reads, so seed documents and crawled pages go through the same extraction.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from dataclasses import dataclass
from typing import Any

import yaml

from pipelines.documents.safe_yaml import load_yaml
from pipelines.errors import DocumentError
from pipelines.extract import parse_datetime_text
from pipelines.extract.dates import parse_partial_date, precision_of
from pipelines.text.cjk import HAN_CHAR

MORE_MARKER = re.compile(r"<!--\s*more\s*-->", re.IGNORECASE)
_FENCE = re.compile(r"^---[ \t]*$", re.MULTILINE)
_HTML_LINE = re.compile(r"^\s*<[a-zA-Z!/]")
_BLOCK_TAG = re.compile(r"^\s*<(p|div|h[1-6]|ul|ol|table|figure|blockquote|section|article|pre)\b", re.I)
CHINA_TZ = "Asia/Shanghai"


@dataclass
class FrontMatterDocument:
    title: str
    published: str | None  # "2004", "2004-05", "2004-05-20" or ISO 8601 with offset, as the header states it
    archived_by: str | None
    tags: list[str]
    categories: list[str]
    summary: str | None
    body: str  # the HTML/text after the summary marker (or all of it)
    url: str | None = None
    source: str | None = None
    language: str | None = None
    timezone: str = "UTC"  # the zone a date without offset is read in (China's for Chinese documents)

    def to_html(self) -> bytes:
        """The document as a plain article page: metadata in <head>, one <p> per body line."""
        head = [
            '<meta charset="utf-8">',
            f"<title>{html.escape(self.title)}</title>",
        ]
        if self.summary:
            head.append(f'<meta name="description" content="{html.escape(self.summary)}">')
        if self.published:
            head.append(f'<meta property="article:published_time" content="{self.published}">')
        if self.tags:
            head.append(f'<meta name="keywords" content="{html.escape(",".join(self.tags))}">')
        for category in self.categories:
            head.append(f'<meta property="article:section" content="{html.escape(category)}">')
        if self.url:
            head.append(f'<link rel="canonical" href="{html.escape(self.url)}">')
        paragraphs = [_paragraph(line) for line in self.body_lines()]
        lang = self.language or "zh-CN"
        page = (
            f'<!DOCTYPE html>\n<html lang="{lang}"><head>{"".join(head)}</head><body><article>\n'
            f"<h1>{html.escape(self.title)}</h1>\n" + "\n".join(paragraphs) + "\n</article></body></html>\n"
        )
        return page.encode("utf-8")

    def body_lines(self) -> list[str]:
        lines = [line.strip() for line in self.body.splitlines() if line.strip()]
        summary = (self.summary or "").strip()
        # The summary before <!-- more --> is part of the post unless the body repeats it (as the user's
        # seeds do); either way it is stated once.
        if summary and not any(summary in line for line in lines):
            lines = [*summary.splitlines(), *lines]
        return lines


def _paragraph(line: str) -> str:
    if _BLOCK_TAG.match(line):
        return line
    if _HTML_LINE.match(line) or re.search(r"<(a|img|strong|em|b|i|span|br)\b", line, re.I):
        return f"<p>{line}</p>"
    return f"<p>{html.escape(line, quote=False)}</p>"


def _as_list(value: Any, name: str, field_name: str) -> list[str]:
    if value in (None, ""):
        return []
    if isinstance(value, str):
        return [part.strip() for part in re.split(r"[,，、;；]", value) if part.strip()]
    if isinstance(value, list):
        return [str(item).strip() for item in value if str(item).strip()]
    raise DocumentError(name, f"front matter field '{field_name}' must be a list or a comma-separated string")


# Two days a relative date would be read against: a date that reads differently on them is relative.
_ONE_DAY = dt.datetime(2001, 3, 4, 12, 0, tzinfo=dt.UTC)
_ANOTHER_DAY = dt.datetime(2031, 9, 17, 3, 0, tzinfo=dt.UTC)


def _published(value: Any, name: str, default_tz: str) -> str | None:
    """The document's date as precisely as it is written: "2004", "2004-05", "2004-05-20" or a time with
    offset (the document's zone when it names none). Never a made-up midnight or first of January."""
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):  # YAML reads unquoted datetimes and dates itself
        value = value.isoformat()
    elif isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    partial = parse_partial_date(text, default_tz=default_tz)
    if partial is not None:
        return partial.iso()
    parsed = parse_datetime_text(text, default_tz=default_tz, now=_ONE_DAY)
    if parsed is None:
        raise DocumentError(name, f"unparseable date {text!r} in front matter")
    if parsed != parse_datetime_text(text, default_tz=default_tz, now=_ANOTHER_DAY):
        # "昨天下午", "3小时前", "5月20日": a document has no day of its own to read them from, and the day it
        # happens to be ingested is not the day it was written.
        raise DocumentError(
            name, f"relative date {text!r} in front matter: it depends on the day it is read; give the date"
        )
    if precision_of(text) == "day":
        return parsed.date().isoformat()
    return parsed.isoformat()


def split_front_matter(text: str, name: str) -> tuple[dict[str, Any], str]:
    text = text.replace("\r\n", "\n")  # a document saved with Windows line ends is the same document
    if not text.startswith("---"):
        raise DocumentError(name, "no front matter: the document must start with a '---' line")
    fences = list(_FENCE.finditer(text))
    if len(fences) < 2 or fences[0].start() != 0:
        raise DocumentError(name, "broken front matter: the opening '---' has no closing '---' line")
    header, body = text[fences[0].end() : fences[1].start()], text[fences[1].end() :]
    try:
        meta = load_yaml(header) if header.strip() else {}  # aliases within a budget
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 2}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise DocumentError(name, f"broken front matter{where}: {problem}") from None
    if not isinstance(meta, dict):
        raise DocumentError(name, "broken front matter: expected 'key: value' lines")
    return meta, body.lstrip("\n")


def parse_front_matter(text: str, name: str, *, timezone: str | None = None) -> FrontMatterDocument:
    """Read a front-matter document; raise DocumentError naming ``name`` and the problem."""
    meta, body = split_front_matter(text, name)
    title = meta.get("title")
    if title is None or not str(title).strip():
        raise DocumentError(name, "front matter has no title")
    if isinstance(title, list | dict):
        raise DocumentError(name, f"front matter title is a {type(title).__name__}, not text: quote it")
    parts = MORE_MARKER.split(body, maxsplit=1)
    summary, main = (parts[0].strip(), parts[1]) if len(parts) == 2 else (None, body)
    if not (summary or "").strip() and not main.strip():
        raise DocumentError(name, "the document has front matter but no body")
    language = meta.get("language") or meta.get("lang")
    if not language:
        language = "zh" if len(HAN_CHAR.findall(body)) > len(body) * 0.05 else None
    default_tz = str(meta.get("timezone") or timezone or (CHINA_TZ if language == "zh" else "UTC"))
    return FrontMatterDocument(
        title=str(title).strip(),
        published=_published(meta.get("date"), name, default_tz),
        archived_by=str(meta["author"]).strip() if meta.get("author") else None,
        tags=_as_list(meta.get("tags"), name, "tags"),
        categories=_as_list(meta.get("categories"), name, "categories"),
        summary=summary or None,
        body=main,
        url=str(meta["url"]).strip() if meta.get("url") else None,
        source=str(meta["source"]).strip() if meta.get("source") else None,
        language=str(language) if language else None,
        timezone=default_tz,
    )
