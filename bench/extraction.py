#!/usr/bin/env python
"""Extraction benchmark: newsarchive's extractor vs plain trafilatura on labelled pages.

    python bench/extraction.py [DATASET_DIR ...] [--limit N] [--json PATH]

Default datasets: every directory under ../shared/datasets (relative to the repo root).
Each dataset: pages/<id>.html.gz, truth.jsonl (id, lang, url, title, date, author, text,
tags; null = unlabelled).  bench/zh_labels.jsonl adds date/author labels for Chinese pages.
See bench/README.md for how every figure is computed.
"""

from __future__ import annotations

import argparse
import gzip
import html as htmlmod
import json
import logging
import re
import statistics
import sys
import time
import unicodedata
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import trafilatura  # noqa: E402
from htmldate import find_date  # noqa: E402
from trafilatura.settings import Document  # noqa: E402
from trafilatura.utils import load_html  # noqa: E402

from pipelines.extract import ExtractionFailed, NotAnArticle, decode_html, extract_page  # noqa: E402
from pipelines.extract.block_model import BlockModel, shipped_model  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import train_block_model  # noqa: E402
from train_block_model import body_f1, page_site  # noqa: E402  (one token rule for training and scoring)

DEFAULT_ROOT = REPO.parent / "shared" / "datasets"
LABELS = Path(__file__).resolve().with_name("zh_labels.jsonl")
EXTRACTORS = ("newsarchive", "trafilatura")
LOSO = "na-LOSO"  # ours, with the block model refitted without the page's site
NON_ZH_FOLDS = 10  # sites of the non-Chinese pages are held out in this many groups (see bench/README.md)
WARM_UP = (
    "<html><head><title>热身</title></head><body><article><h1>热身</h1>"
    + "<p>这是一段用于预热两个抽取器的文字，不计入计时。</p>" * 5
    + "</article></body></html>"
).encode()
# htmldate's last-resort dateparser loads its locale data on first use (~2 s, once per
# process); warm it outside the clock, or whichever extractor meets the first such page pays.
WARM_UP_DATES = "<html><head><title>理论中国网-2022年第4</title></head><body><p>x</p></body></html>"

# Tokens for body F1: each CJK character (pipelines.text.cjk), or a run of other letters and digits.
_MOJIBAKE = re.compile(r"\ufffd|锟斤拷|烫烫烫|Ã.|â€|ï¿½|[\u00c0-\u00ff]{3,}")
_FURNITURE = re.compile(
    r"责任编辑|原标题[:：]|来源[:：]|编辑[:：]|版权所有|Copyright|©|未经(?:授权|许可)|ICP[备证]|公网安备|"
    r"分享到|扫一扫|扫描二维码|关注微信公众号",
    re.I,
)
# A title "has a site suffix" when it ends in a short segment after _ | ｜ or a spaced dash
# (or a bare dash followed by at most 10 characters).
_SUFFIX = re.compile(r"(?:\s*[_|｜]\s*|\s[-–—]\s)[^_|｜]{1,24}$|[-–—][^-–—\s]{1,10}$")


@dataclass
class Output:
    text: str = ""
    title: str | None = None
    date: str | None = None
    authors: list[str] = field(default_factory=list)
    editor: str | None = None
    outlet: str | None = None
    not_on_page: list[str] = field(default_factory=list)  # authors whose name the page does not show
    error: str | None = None  # an exception escaped the extractor (never expected)
    refused: str | None = None  # NotAnArticle: the extractor's own per-page verdict, with its reason
    unreadable: bool = False  # ExtractionFailed: the page could not be read (a per-page failure)


def norm_title(value: str | None) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


def split_names(value: Any) -> set[str]:
    items = value if isinstance(value, list) else [value or ""]
    names: set[str] = set()
    for item in items:
        for name in re.split(r"[;,、，；]", str(item)):
            key = re.sub(r"\s+", "", unicodedata.normalize("NFKC", name)).lower()
            if key:
                names.add(key)
    return names


def same_day(pred: str | None, label: str) -> bool:
    if not pred:
        return False
    label_day = label[:10]
    if pred[:10] == label_day:
        return True
    # Compare in the label's own offset when both carry one.
    try:
        p, lab = datetime.fromisoformat(pred), datetime.fromisoformat(label.replace("Z", "+00:00"))
    except ValueError:
        return False
    if p.tzinfo and lab.tzinfo:
        return p.astimezone(lab.tzinfo).date().isoformat() == label_day
    return False


def run_ours(body: bytes, url: str | None, model: BlockModel | None = None) -> Output:
    try:
        article = extract_page(body, url, block_model=model)
    except NotAnArticle as exc:
        return Output(refused=exc.reason, unreadable=isinstance(exc, ExtractionFailed))
    return Output(
        article.text,
        article.title,
        article.published,
        list(article.authors),
        editor=article.editor,
        outlet=article.source_outlet,
    )


def run_trafilatura(body: bytes, url: str | None) -> Output:
    doc = trafilatura.bare_extraction(body, url=url, with_metadata=True)
    if not isinstance(doc, Document):
        return Output()
    authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()]
    return Output(doc.text or "", doc.title, doc.date, authors)


RUNNERS: dict[str, Callable[[bytes, str | None], Output]] = {
    "newsarchive": lambda body, url: run_ours(body, url),
    "trafilatura": run_trafilatura,
}


def load_labels(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    """Extra labels by (dataset, id), in either format (see bench/README.md): the old one (``date`` null =
    unlabelled, one ``author``) or the new one (``authors`` list, ``date`` null = the page shows no date,
    ``editor``, ``outlet``, ``kind``, ``site``). A line that is not JSON is skipped and counted: the file
    may be being written while the bench runs."""
    labels: dict[tuple[str, str], dict[str, Any]] = {}
    bad = 0
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                try:
                    row = json.loads(line)
                    labels[(row["dataset"], row["id"])] = row
                except (ValueError, KeyError, TypeError):
                    bad += 1
    if bad:
        print(f"labels: {bad} unreadable lines in {path} skipped", file=sys.stderr)
    return labels


def merge_label(row: dict[str, Any], extra: dict[str, Any]) -> None:
    """Add an extra label's fields where the dataset has none. New-format labels also say what the page does
    not show (``shows_date`` / ``shows_authors`` False), which is how invented values are counted."""
    new = isinstance(extra.get("authors"), list)
    if row.get("date") is None and extra.get("date") is not None:
        row["date"] = extra["date"]
    if row.get("author") is None:
        names = extra.get("authors") if new else extra.get("author")
        if names:
            row["author"] = names
    if new:
        row["labelled"] = True
        row["shows_date"] = row.get("date") is not None
        row["shows_authors"] = bool(row.get("author"))
        for key in ("editor", "outlet", "kind"):
            row[key] = extra.get(key)
        if not row.get("title") and extra.get("title"):
            row["title"] = extra["title"]
    if extra.get("site"):
        row["site"] = extra["site"]


def records(dataset: Path, labels: dict[tuple[str, str], dict[str, Any]]) -> Iterable[dict[str, Any]]:
    with (dataset / "truth.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            extra = labels.get((dataset.name, row["id"]))
            if extra:
                merge_label(row, extra)
            yield row


def score(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    f1s = [body_f1(r["out"][name].text, r["text"]) for r in rows if (r.get("text") or "").strip()]
    result: dict[str, Any] = {
        "pages": len(rows),
        "body_n": len(f1s),
        "body_f1_mean": statistics.fmean(f1s) if f1s else None,
        "body_f1_median": statistics.median(f1s) if f1s else None,
    }
    titled = [r for r in rows if r.get("title")]
    result["title_n"] = len(titled)
    result["title_exact"] = (
        sum(norm_title(r["out"][name].title) == norm_title(r["title"]) for r in titled) / len(titled)
        if titled
        else None
    )
    # Day-level: labels that state a day (a year-only or month-only label cannot be matched to a day).
    dated = [r for r in rows if len(str(r.get("date") or "")) >= 10]
    result["date_n"] = len(dated)
    result["date_day"] = (
        sum(same_day(r["out"][name].date, str(r["date"])) for r in dated) / len(dated) if dated else None
    )
    authored = [r for r in rows if r.get("author")]
    result["author_n"] = len(authored)
    result["author_any"] = (
        sum(bool(split_names(r["out"][name].authors) & split_names(r["author"])) for r in authored)
        / len(authored)
        if authored
        else None
    )
    result.update(field_scores(rows, name))
    return result


def _same_name(pred: str | None, label: str | None) -> bool:
    return bool(split_names(pred) & split_names(label))


def field_scores(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """Editor and outlet against the labels that show one, and the values invented: a date (or a more
    precise date than the page shows) on a page labelled as showing none, an author name the page does not
    contain, an author the labels do not credit."""
    edited = [r for r in rows if r.get("editor")]
    sourced = [r for r in rows if r.get("outlet")]
    labelled = [r for r in rows if r.get("labelled")]
    undated = [r for r in labelled if not r.get("shows_date")]
    coarse = [r for r in labelled if r.get("shows_date") and len(str(r["date"])) < 10]
    out = {r["id"]: r["out"][name] for r in rows}
    invented_dates = sum(bool(out[r["id"]].date) for r in undated) + sum(
        len(out[r["id"]].date or "") > len(str(r["date"])) for r in coarse
    )
    beyond = sum(
        len(split_names(out[r["id"]].authors) - split_names(r.get("author") or [])) for r in labelled
    )
    return {
        "editor_n": len(edited),
        "editor": sum(_same_name(out[r["id"]].editor, r["editor"]) for r in edited) / len(edited)
        if edited
        else None,
        "outlet_n": len(sourced),
        "outlet": sum(
            re.sub(r"\s", "", norm_title(out[r["id"]].outlet)) == re.sub(r"\s", "", norm_title(r["outlet"]))
            for r in sourced
        )
        / len(sourced)
        if sourced
        else None,
        "undated_n": len(undated) + len(coarse),
        "invented_dates": invented_dates,
        "invented_authors": sum(len(o.not_on_page) for o in out.values()),
        "labelled_n": len(labelled),
        "authors_beyond_label": beyond,
    }


def visible_headline(body: bytes) -> str | None:
    """The page's first <h1>, read by trafilatura's own loader (independent of ours)."""
    tree = load_html(body)
    if tree is None:
        return None
    for h1 in tree.iter("h1"):
        text = " ".join(h1.text_content().split())
        if text:
            return text
    return None


def keeps_suffix(title: str | None, headline: str | None) -> bool:
    """A separator and a short trailing segment, unless the title is the page's own visible <h1>
    (a headline such as "两万字长文 | 月亮的100个故事" has no suffix the site added)."""
    if not title or not _SUFFIX.search(title):
        return False
    return norm_title(" ".join(title.split())) != norm_title(headline)


def chinese_extras(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    outs = [(r["out"][name], r.get("h1")) for r in rows]
    titled = [(o, h1) for o, h1 in outs if o.title]
    return {
        "mojibake_pages": sum(bool(_MOJIBAKE.search((o.title or "") + "\n" + o.text)) for o, _ in outs),
        "furniture_share": (
            sum(bool(_FURNITURE.search(o.text)) for o, _ in outs) / len(outs) if outs else None
        ),
        "no_suffix_share": sum(not keeps_suffix(o.title, h1) for o, h1 in titled) / len(titled)
        if titled
        else None,
        "titles": len(titled),
    }


def per_site(rows: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """Body F1 by site: the mean over sites of each site's mean (every site weighs the same, so a rule that
    only helps the sites with many pages shows no gain), the worst site, and pages under 0.5.

    The extractor's rules are written by hand, not fitted in this run, so these are held-out figures only
    for sites that no rule was written from; the figure is the per-site score every leave-one-site-out
    estimate averages."""
    by_site: dict[str, list[float]] = {}
    for r in rows:
        if (r.get("text") or "").strip():
            by_site.setdefault(page_site(r), []).append(body_f1(r["out"][name].text, r["text"]))
    means = {site: statistics.fmean(f1s) for site, f1s in by_site.items()}
    worst = min(means, key=lambda site: means[site]) if means else None
    return {
        "sites": len(means),
        "site_mean": statistics.fmean(means.values()) if means else None,
        "worst_site": worst,
        "worst_f1": means[worst] if worst else None,
        "under_half": sum(f < 0.5 for f1s in by_site.values() for f in f1s),
        "by_site": means,
    }


def fmt(value: float | None, n: int | None = None) -> str:
    if value is None:
        return "-".ljust(12)
    return (f"{value:.3f}" + (f" ({n})" if n is not None else "")).ljust(12)


def line(label: str, name: str, s: dict[str, Any]) -> str:
    return (
        f"{label[:34]:<34} {s['pages']:>4} {name:<12} "
        f"F1 {fmt(s['body_f1_mean'])[:5]} med {fmt(s['body_f1_median'])[:5]}  "
        f"title {fmt(s['title_exact'], s['title_n'])} date {fmt(s['date_day'], s['date_n'])} "
        f"author {fmt(s['author_any'], s['author_n'])}"
    ).rstrip()


def fields_line(label: str, name: str, s: dict[str, Any]) -> str:
    return (
        f"{label[:34]:<34} {s['pages']:>4} {name:<12} "
        f"editor {fmt(s['editor'], s['editor_n'])} outlet {fmt(s['outlet'], s['outlet_n'])} "
        f"invented: dates {s['invented_dates']} of {s['undated_n']} undated, "
        f"authors not on page {s['invented_authors']}, beyond label {s['authors_beyond_label']} "
        f"({s['labelled_n']} labelled)"
    )


def names_not_on_page(names: list[str], body: bytes) -> list[str]:
    """The names that occur nowhere in the page (its text, attributes and scripts, whitespace and case
    ignored, entities decoded): a name the extractor made up or glued together."""
    if not names:
        return []
    html, _ = decode_html(body, None)
    page = re.sub(r"\s+", "", unicodedata.normalize("NFKC", htmlmod.unescape(html))).lower()
    return [n for n in names if re.sub(r"\s+", "", unicodedata.normalize("NFKC", n)).lower() not in page]


def page_outputs(row: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {
            "f1": body_f1(row["out"][name].text, row.get("text") or ""),
            "title": row["out"][name].title,
            "date": row["out"][name].date,
            "authors": row["out"][name].authors,
            "editor": row["out"][name].editor,
            "outlet": row["out"][name].outlet,
            "text": row["out"][name].text,
        }
        for name in row["out"]
    }


def is_zh(row: dict[str, Any]) -> bool:
    return str(row.get("lang") or "").startswith("zh")


def row_site(row: dict[str, Any]) -> str:
    """The page's registrable domain (its URL's or its id's host; the label's ``site`` when neither)."""
    site = page_site(row)
    return str(row.get("site") or site) if site == "?" else site


def loso_models(datasets: list[Path], limit: int | None) -> tuple[dict[str, BlockModel], str]:
    """A block model per held-out site, fitted on every labelled page of the other sites (all sets), with a
    body decider fitted on the other sites' Chinese pages.

    Chinese pages' sites are held out one at a time (leave-one-site-out). The non-Chinese pages' sites (~700,
    most with one page) are held out in NON_ZH_FOLDS groups by a stable hash of the site: each group's
    model is fitted without any page of any of its sites, which holds out more than one site does.
    The decider's rows are the Chinese pages, each read with its own site's held-out block model (as the
    shipped decider is trained, bench/train_block_model.py); a held-out site's decider is fitted without
    that site's rows. (The other sites' block models did see the held-out site's blocks: a nested refit per
    pair of sites would cost ~7,000 fits.)"""
    pages = train_block_model.labelled_pages(datasets, limit)
    matrix = train_block_model.Matrix(pages)
    full = train_block_model.fit(matrix)
    zh_sites = train_block_model.zh_sites(pages)
    models = train_block_model.held_out_models(pages, matrix, full, zh_sites)
    rows = train_block_model.choice_rows(datasets, models, full, limit)
    every = train_block_model.fit_decider(rows)
    for site in zh_sites:
        models[site] = replace(models[site], decider=train_block_model.fit_decider(rows, without={site}))
    others = sorted({p.site for p in pages} - set(zh_sites))
    folds: dict[int, list[str]] = {}
    for site in others:
        folds.setdefault(zlib.crc32(site.encode()) % NON_ZH_FOLDS, []).append(site)
    for group in folds.values():
        model = train_block_model.fit(matrix, start=full, iterations=8, without=set(group))
        models.update(dict.fromkeys(group, replace(model, decider=every)))
    note = (
        f"{len(pages)} labelled pages, {len(zh_sites)} Chinese sites held out one by one "
        f"(body decider: {len(rows)} Chinese pages), {len(others)} other sites in {len(folds)} groups"
    )
    return models, note


def run_page(name: str, body: bytes, url: str | None, model: BlockModel | None = None) -> Output:
    try:
        if name == "trafilatura":
            return run_trafilatura(body, url)
        return run_ours(body, url, model)
    except Exception as exc:  # a crash scores as empty output, but is reported
        return Output(error=f"{type(exc).__name__}: {exc}")


def kind_group(row: dict[str, Any]) -> str:
    kind = row.get("kind")
    if kind in ("forum", "blog"):
        return "forum/blog"
    return "news" if kind in ("news", "government", "portal") else "other/unlabelled kind"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "datasets", nargs="*", type=Path, help="dataset directories (default: all under ../shared/datasets)"
    )
    parser.add_argument("--limit", type=int, default=None, help="at most N pages per dataset")
    parser.add_argument("--json", type=Path, default=None, help="write machine-readable results here")
    parser.add_argument("--labels", type=Path, default=LABELS, help="extra date/author labels (JSON lines)")
    parser.add_argument("--no-loso", action="store_true", help="skip the leave-one-site-out refits")
    args = parser.parse_args(argv)
    logging.disable(logging.WARNING)  # both extractors log every discarded page

    datasets = args.datasets or sorted(p for p in DEFAULT_ROOT.iterdir() if (p / "truth.jsonl").exists())
    labels = load_labels(args.labels)
    models: dict[str, BlockModel] = {}
    names = list(EXTRACTORS)
    if not args.no_loso:
        # Always from every set, so a run on one set still trains on the others as the shipped model does.
        every = sorted(p for p in DEFAULT_ROOT.iterdir() if (p / "truth.jsonl").exists()) or datasets
        fit_start = time.perf_counter()
        models, note = loso_models(sorted({p.resolve() for p in [*every, *datasets]}), args.limit)
        print(f"block model refits: {note} ({time.perf_counter() - fit_start:.0f} s)")
        names.append(LOSO)
    seconds = dict.fromkeys(EXTRACTORS, 0.0)
    for name in EXTRACTORS:  # warm-up outside the clock: lazy imports and caches of both
        RUNNERS[name](WARM_UP, None)
    find_date(WARM_UP_DATES, extensive_search=True)
    all_rows: dict[str, list[dict[str, Any]]] = {}
    for dataset in datasets:
        rows = []
        for i, row in enumerate(records(dataset, labels)):
            if args.limit is not None and i >= args.limit:
                break
            body = gzip.decompress((dataset / "pages" / f"{row['id']}.html.gz").read_bytes())
            row["out"] = {}
            if is_zh(row):
                row["h1"] = visible_headline(body)
            for name in EXTRACTORS:
                start = time.perf_counter()
                out = run_page(name, body, row.get("url"))
                seconds[name] += time.perf_counter() - start
                row["out"][name] = out
            if models:  # not timed: the same code with another model's weights
                model = models.get(row_site(row), shipped_model())
                row["out"][LOSO] = run_page(LOSO, body, row.get("url"), model)
            for out in row["out"].values():
                out.not_on_page = names_not_on_page(out.authors, body)
            rows.append(row)
        all_rows[dataset.name] = rows

    report: dict[str, Any] = {"datasets": {}, "zh": {}, "speed": {}, "errors": []}
    print(
        f"{'dataset':<34} {'n':>4} {'extractor':<12} "
        "body F1 mean/median, title exact, date same-day, author any (n)"
    )
    for dataset_name, rows in all_rows.items():
        report["datasets"][dataset_name] = {}
        for name in names:
            s = score(rows, name)
            report["datasets"][dataset_name][name] = s
            print(line(dataset_name, name, s))
        for r in rows:
            for name in names:
                if r["out"][name].error:
                    report["errors"].append(
                        {"dataset": dataset_name, "id": r["id"], name: r["out"][name].error}
                    )
    zh_rows = [r for rows in all_rows.values() for r in rows if is_zh(r)]
    for name in names:
        s = score(zh_rows, name)
        s.update(chinese_extras(zh_rows, name))
        report["zh"][name] = s
        print(line("zh (all datasets)", name, s))
    for name in names:
        print(fields_line("zh fields", name, report["zh"][name]))
    groups = sorted({kind_group(r) for r in zh_rows})
    for group in groups:
        kind_rows = [r for r in zh_rows if kind_group(r) == group]
        for name in names:
            s = score(kind_rows, name)
            report["zh"].setdefault("kinds", {}).setdefault(group, {})[name] = s
            print(line(f"zh {group}", name, s))
    for name in names:
        z = report["zh"][name]
        if z["pages"]:
            print(
                f"{'zh extras':<34} {z['pages']:>4} {name:<12} mojibake {z['mojibake_pages']} pages, "
                f"furniture left {z['furniture_share']:.1%}, "
                f"titles without suffix {fmt(z['no_suffix_share'], z['titles'])}".rstrip()
            )
    report["zh_sites"] = {}
    for name in names:
        z = per_site(zh_rows, name)
        report["zh_sites"][name] = z
        if z["sites"]:
            print(
                f"{'zh per site (site-mean F1)':<34} {z['sites']:>4} {name:<12} F1 {z['site_mean']:.3f}  "
                f"worst {z['worst_site']} {z['worst_f1']:.3f}  pages under 0.5: {z['under_half']}"
            )
    all_pages = [r for rows in all_rows.values() for r in rows]
    for name in names:
        outs = [r["out"][name] for r in all_pages]
        print(
            f"{'failures (all datasets)':<34} {len(outs):>4} {name:<12} "
            f"exceptions {sum(o.error is not None for o in outs)}, "
            f"unreadable {sum(o.unreadable for o in outs)}, "
            f"not an article {sum(o.refused is not None and not o.unreadable for o in outs)}"
        )
    pages = sum(len(rows) for rows in all_rows.values())
    for name in EXTRACTORS:
        report["speed"][name] = pages / seconds[name] if seconds[name] else None
    ratio = (
        report["speed"]["newsarchive"] / report["speed"]["trafilatura"]
        if report["speed"]["trafilatura"]
        else None
    )
    report["speed"]["ratio"] = ratio
    print(
        f"{'speed (pages/s, single process)':<34} {pages:>4} "
        f"newsarchive {report['speed']['newsarchive']:.1f}  "
        f"trafilatura {report['speed']['trafilatura']:.1f}  ratio {ratio:.2f}"
    )
    if report["errors"]:
        print(f"errors: {len(report['errors'])} (see --json)")
    if args.json:
        per_page = {
            dataset_name: [{"id": r["id"], "lang": r.get("lang"), **page_outputs(r)} for r in rows]
            for dataset_name, rows in all_rows.items()
        }
        args.json.write_text(
            json.dumps({**report, "pages": per_page}, ensure_ascii=False, indent=1), encoding="utf-8"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
