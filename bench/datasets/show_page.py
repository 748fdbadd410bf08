#!/usr/bin/env python
"""Print what a reader sees around a page's headline, for labelling by hand.

    python bench/datasets/show_page.py ID [ID ...] [--dataset NAME] [--lines 40] [--root DIR]

ID is a page id of a dataset under ../shared/datasets (the dataset is found by
looking for pages/<ID>.html.gz when --dataset is not given).  Printed per page: the
<title>, every <h1>, the visible text lines around the headline (the line that
contains the first <h1>, else the <title>'s first segment), and, from the whole
page, lines with a date-like pattern or a byline/editor/source keyword.  A few
<meta> values are printed as META so the labeller can see where a page hides its
date, but labels are taken from the visible lines only.

This helper only reads pages; it never proposes a label (the benchmark would
become circular if labels came from an extractor).
"""

from __future__ import annotations

import argparse
import gzip
import re
import sys
from pathlib import Path

from lxml import html as lxml_html

REPO = Path(__file__).resolve().parents[2]
DEFAULT_ROOT = REPO.parent / "shared" / "datasets"

# Elements whose text a reader never sees.
_INVISIBLE = ("script", "style", "noscript", "template", "head", "iframe", "select", "option")
_BLOCK = {
    "p",
    "div",
    "br",
    "li",
    "tr",
    "td",
    "th",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "dd",
    "dt",
    "table",
    "ul",
    "ol",
    "section",
    "article",
    "header",
    "footer",
    "blockquote",
    "pre",
    "form",
    "center",
    "span_block",
}
_DATE = re.compile(
    r"(?:19|20)\d\d\s*[-/.年]\s*\d{1,2}(?:\s*[-/.月]\s*\d{1,2}\s*日?)?|\d{1,2}月\d{1,2}日|"
    r"\d{1,2}:\d\d|(?:发布|发表|更新)时间|日期"
)
_BYLINE = re.compile(r"记者|作者|编辑|来源|发布|通讯员|撰文|文[/／]|责编|摄影|稿源|出处|供稿|楼主|博主")
_META_NAMES = re.compile(
    r"date|time|author|source|editor|publish|og:title|article:|byline|ptime|keywords", re.I
)
_LIST_ITEM = re.compile(r"^\S.{4,60}\s(?:19|20)\d\d-\d\d-\d\d(?: [\d:]+)?$|^\d\d/\d\d \d\d:\d\d")
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([A-Za-z0-9_-]+)""", re.I)


def decode(raw: bytes) -> str:
    """Decode page bytes: UTF-8 if valid, else the declared charset, else GB18030/Big5."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        pass
    found = _CHARSET.search(raw[:4096])
    candidates = [found.group(1).decode("ascii").lower()] if found else []
    candidates += ["gb18030", "big5"]
    for name in candidates:
        if name in ("gb2312", "gbk"):
            name = "gb18030"
        try:
            return raw.decode(name)
        except (LookupError, UnicodeDecodeError):
            continue
    return raw.decode("gb18030", "replace")


def visible_lines(doc: lxml_html.HtmlElement) -> list[str]:
    """Text of the page in reading order, one line per block element."""
    parts: list[str] = []

    def walk(el: lxml_html.HtmlElement) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag in _INVISIBLE or not tag:
            if el.tail:
                parts.append(el.tail)
            return
        style = (el.get("style") or "").replace(" ", "").lower()
        hidden = "display:none" in style
        block = tag in _BLOCK
        if block:
            parts.append("\n")
        if not hidden:
            if el.text:
                parts.append(el.text)
            for child in el:
                walk(child)
        if block:
            parts.append("\n")
        if el.tail:
            parts.append(el.tail)

    body = doc.find("body")
    walk(body if body is not None else doc)
    lines = []
    for line in "".join(parts).split("\n"):
        line = re.sub(r"[ \t\u3000\xa0\r]+", " ", line).strip()
        if line:
            lines.append(line)
    return lines


def find_page(page_id: str, root: Path, dataset: str | None) -> Path:
    dirs = [root / dataset] if dataset else sorted(p for p in root.iterdir() if p.is_dir())
    for d in dirs:
        path = d / "pages" / f"{page_id}.html.gz"
        if path.exists():
            return path
    raise SystemExit(f"show_page: no page {page_id!r} under {root}")


def show(path: Path, around: int, width: int = 100, limit: int = 14) -> None:
    raw = gzip.decompress(path.read_bytes())
    text = decode(raw)
    doc = lxml_html.document_fromstring(text.encode("utf-8"), parser=lxml_html.HTMLParser(encoding="utf-8"))
    title = " ".join(doc.xpath("string(//title)").split())
    h1s = [" ".join(h.text_content().split()) for h in doc.xpath("//h1")]
    print(f"##### {path.stem.removesuffix('.html')}  ({path.parent.parent.name})")
    print(f"TITLE: {title}")
    for h in h1s[:4]:
        print(f"H1: {h}")
    for meta in doc.xpath("//meta"):
        key = meta.get("name") or meta.get("property") or meta.get("itemprop") or meta.get("http-equiv") or ""
        if key and _META_NAMES.search(key) and key.lower() != "keywords":
            print(f"META {key}: {(meta.get('content') or '')[:80]}")
    lines = visible_lines(doc)
    anchor_texts = [h for h in h1s if len(h) >= 4] + [re.split(r"[_|｜-]", title)[0].strip()]
    anchor = 0
    for want in anchor_texts:
        if not want:
            continue
        hits = [i for i, line in enumerate(lines) if want[:12] in line and len(line) < len(want) + 40]
        if hits:
            anchor = hits[0]
            break
    lo, hi = max(0, anchor - 4), min(len(lines), anchor + around)
    print(f"--- visible lines {lo}..{hi} of {len(lines)} (headline at {anchor})")
    for i in range(lo, hi):
        print(f"{i:4d}| {lines[i][:width]}")
    print("--- date/byline lines elsewhere (long lines: the start only)")
    shown = 0
    for i, line in enumerate(lines):
        if lo <= i < hi:
            continue
        head = line[:70]
        if head[:1] in "·・•v" or _LIST_ITEM.search(head):
            continue  # a related-links item, not this page's byline
        if _BYLINE.search(head) or (_DATE.search(head) and len(line) < 70):
            # A keyword line often has its value on the next short line ("编辑：" / "张三").
            nxt = lines[i + 1] if i + 1 < len(lines) and len(lines[i + 1]) < 20 else ""
            print(f"{i:4d}| {head}{' >> ' + nxt if nxt else ''}")
            shown += 1
            if shown >= limit:
                print("     (more omitted)")
                break


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("ids", nargs="+", help="page ids")
    parser.add_argument("--dataset", help="dataset folder name under the root")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="datasets root")
    parser.add_argument("--lines", type=int, default=40, help="visible lines after the headline")
    parser.add_argument("--width", type=int, default=100, help="characters shown per line")
    parser.add_argument("--limit", type=int, default=14, help="keyword lines shown from the rest of the page")
    args = parser.parse_args(argv)
    for page_id in args.ids:
        show(find_page(page_id, args.root, args.dataset), args.lines, args.width, args.limit)
    return 0


if __name__ == "__main__":
    sys.exit(main())
