#!/usr/bin/env python
"""Check bench/zh_labels.jsonl: shape of every row, and that every labelled value is on the page.

    python bench/datasets/check_labels.py [--labels FILE] [--root DIR]

Shape: the keys of the format (dataset, id, site, kind, title, date, date_text, authors,
editor, outlet, note), kind in the allowed set, dates as YYYY, YYYY-MM, YYYY-MM-DD or
YYYY-MM-DDTHH:MM[:SS], date_text given whenever date is, no duplicate (dataset, id).
On the page: title, date_text, each author, the editor and the outlet must occur in the
page's visible text (NFKC, whitespace dropped, so '方 敏' on the page matches '方敏'),
which catches typing slips and values that are not on the page ("never invent").
A value may be marked as read from a page that shows it differently (the note says how);
such rows are listed, not failed, when "unsure" is set. Exit status 1 on any failure.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import unicodedata
from pathlib import Path

from lxml import html as lxml_html

sys.path.insert(0, str(Path(__file__).resolve().parent))
from show_page import DEFAULT_ROOT, decode, visible_lines

REPO = Path(__file__).resolve().parents[2]
KEYS = ("dataset", "id", "site", "kind", "title", "date", "date_text", "authors", "editor", "outlet", "note")
KINDS = {"news", "government", "portal", "forum", "blog", "other"}
DATE = re.compile(r"\d{4}(-\d\d(-\d\d(T\d\d:\d\d(:\d\d)?)?)?)?")


def squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def page_text(root: Path, dataset: str, page_id: str) -> str:
    raw = gzip.decompress((root / dataset / "pages" / f"{page_id}.html.gz").read_bytes())
    doc = lxml_html.document_fromstring(
        decode(raw).encode("utf-8"), parser=lxml_html.HTMLParser(encoding="utf-8")
    )
    title = doc.xpath("string(//title)")
    return squash(title + "\n" + "\n".join(visible_lines(doc)))


def shape_errors(row: dict[str, object]) -> list[str]:
    errors = [f"missing key {key}" for key in KEYS if key not in row]
    if row.get("kind") not in KINDS:
        errors.append(f"kind {row.get('kind')!r}")
    date = row.get("date")
    if date is not None and (not isinstance(date, str) or not DATE.fullmatch(date)):
        errors.append(f"date {date!r}")
    if date is not None and not row.get("date_text"):
        errors.append("date without date_text")
    if not isinstance(row.get("authors"), list):
        errors.append("authors is not a list")
    if not row.get("title"):
        errors.append("no title")
    return errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--labels", type=Path, default=REPO / "bench" / "zh_labels.jsonl")
    parser.add_argument("--root", type=Path, default=DEFAULT_ROOT, help="datasets root")
    args = parser.parse_args(argv)
    failures = 0
    seen: set[tuple[str, str]] = set()
    for number, line in enumerate(args.labels.read_text(encoding="utf-8").splitlines(), 1):
        row = json.loads(line)
        key = (str(row.get("dataset")), str(row.get("id")))
        problems = shape_errors(row)
        if key in seen:
            problems.append("duplicate row")
        seen.add(key)
        text = page_text(args.root, str(row["dataset"]), str(row["id"]))
        values = [
            ("title", row.get("title")),
            ("date_text", row.get("date_text") if row.get("date") else None),
        ]
        values += [("author", a) for a in row.get("authors") or []]
        values += [("editor", row.get("editor")), ("outlet", row.get("outlet"))]
        for field, value in values:
            if value and squash(str(value)) not in text:
                problems.append(f"{field} {value!r} not on the page")
        if problems:
            soft = bool(row.get("unsure")) and all("not on the page" in p for p in problems)
            failures += not soft
            print(f"{'note' if soft else 'FAIL'} line {number} {row.get('id')}: {'; '.join(problems)}")
    print(f"{len(seen)} rows checked, {failures} failing")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
