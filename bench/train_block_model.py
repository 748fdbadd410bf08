#!/usr/bin/env python
"""Train the block model shipped as pipelines/extract/block_model.json from the labelled sets.

    python bench/train_block_model.py [DATASET_DIR ...] [--out PATH] [--limit N]

Every page of every set (Chinese and not) is cut into blocks (pipelines.extract.blocks); a block is labelled
article text when at least half of its token trigrams occur in the page's labelled body (a short block:
when it is most of one labelled line). A logistic regression
(numpy, Newton's method with an L2 penalty, no randomness: the same pages give the same weights) is fitted
with each page weighing the same (a block's weight is its share of the page's tokens). bench/extraction.py
uses the same functions to refit without each held-out site (leave-one-site-out).

The page-level decider (``decider`` in the weights file, pipelines.extract.block_model.Decider) chooses
per Chinese page between the rules' body and the model's. Its training rows are the labelled Chinese pages
(every set), each read with a block model refitted without that page's site, as the decider meets a new
site's pages: the label says which body is closer to the labelled one (token F1), and the row weighs the
F1 difference (a page where both are as good teaches nothing). It is a logistic regression over 11
figures (pipelines.extract.block_model.CHOICE_FEATURES), fitted like the block model.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import os
import re
import sys
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipelines.documents.records import site_of  # noqa: E402
from pipelines.extract.block_model import WEIGHTS_FILE, BlockModel, Decider, body_choice  # noqa: E402
from pipelines.extract.blocks import Block, features, page_blocks  # noqa: E402
from pipelines.extract.body import body_document  # noqa: E402
from pipelines.extract.decode import decode_html  # noqa: E402
from pipelines.extract.language import looks_chinese  # noqa: E402
from pipelines.extract.mainblock import main_block, recover_lead, replace_fragment_body  # noqa: E402
from pipelines.extract.pagemeta import read_page_meta  # noqa: E402
from pipelines.extract.parse import parse_html  # noqa: E402
from pipelines.extract.sanitize import sanitize_html  # noqa: E402
from pipelines.extract.threads import thread_body  # noqa: E402
from pipelines.text.cjk import CJK  # noqa: E402

# One BLAS thread: on a shared 2-core machine OpenBLAS's spinning threads made a fit ten times slower.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
DEFAULT_ROOT = REPO.parent / "shared" / "datasets"
LABELS = REPO / "bench" / "zh_labels.jsonl"
L2 = 1.0
DECIDER_L2 = 1.0
DECIDER_FLOOR = 0.01  # a page's least weight in the decider's fit
CONTENT_SHARE = 0.5  # a block is article text when this share of its trigrams is in the labelled body
SHORT_TOKENS = 8  # below this, a block is article text only as most of one labelled line
_TOKEN = re.compile(rf"[{CJK}]|(?:(?![{CJK}])[^\W_])+")


@dataclass
class PageRows:
    """One labelled page's blocks as training rows."""

    dataset: str
    id: str
    site: str
    lang: str
    rows: list[list[float]]
    labels: list[int]
    weights: list[float]
    texts: list[str]


def tokens(text: str) -> list[str]:
    text = " ".join(unicodedata.normalize("NFKC", text or "").split())
    return [t.lower() for t in _TOKEN.findall(text)]


def page_site(row: dict[str, Any]) -> str:
    """The registrable domain a page comes from: its URL's, or (daniel-zh-dev, no URLs) the host in its id
    ("20111209_china.newssc.org_<hash>")."""
    host = urlsplit(row.get("url") or "").hostname
    if not host:
        m = re.match(r"\d{8}_([^_/]+)_", str(row.get("id") or ""))
        host = m.group(1) if m else None
    return site_of(f"http://{host}/") if host else "?"


def label_sites(path: Path = LABELS) -> dict[tuple[str, str], str]:
    """The ``site`` of each hand label by (dataset, id): the site of a page that has neither a URL nor a host
    in its id (NetEase pages of zh-extractor-testpages), so it is held out with its site, not as ``?``."""
    sites: dict[tuple[str, str], str] = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                row = json.loads(line)
                if row.get("site"):
                    sites[(row["dataset"], row["id"])] = str(row["site"])
            except (ValueError, KeyError, TypeError, AttributeError):
                continue  # the bench counts unreadable lines; here a line without a site is no site
    return sites


def row_site(row: dict[str, Any], dataset: str, sites: dict[tuple[str, str], str]) -> str:
    """The page's site as every leave-one-site-out figure groups it: :func:`page_site`, or the label's."""
    site = page_site(row)
    return sites.get((dataset, str(row.get("id"))), site) if site == "?" else site


def _key(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split()).lower()


def block_labels(blocks: list[Block], truth: str) -> tuple[list[int], list[float]]:
    """Per block: 1 when most of its token trigrams are in the labelled body (a short block: when it is most
    of one labelled line, so a menu item "教育" is not taken for body text because the body says 教育), and
    its weight (its share of the page's tokens, so every page weighs the same whatever its length)."""
    gold = tokens(truth)
    gold_grams = set(zip(gold, gold[1:], gold[2:], strict=False))
    gold_lines = [_key(line) for line in truth.split("\n") if line.strip()]
    labels, sizes = [], []
    for b in blocks:
        toks = tokens(b.text)
        if len(toks) < SHORT_TOKENS:
            key = _key(b.text)
            label = bool(key) and any(key in line and 2 * len(key) >= len(line) for line in gold_lines)
        else:
            grams = list(zip(toks, toks[1:], toks[2:], strict=False))
            label = sum(g in gold_grams for g in grams) >= CONTENT_SHARE * len(grams)
        labels.append(int(label))
        sizes.append(len(toks))
    total = sum(sizes) or 1
    return labels, [100.0 * s / total for s in sizes]


def page_rows(body: bytes, truth: str) -> tuple[list[list[float]], list[int], list[float], list[str]]:
    """A page's feature rows, exactly as the extractor computes them, with labels, weights and texts."""
    html, _ = decode_html(body, None)
    tree = parse_html(sanitize_html(html))
    if tree is None:
        return [], [], [], []
    blocks = page_blocks(tree)
    rows = features(blocks, read_page_meta(tree).h1_element)
    labels, weights = block_labels(blocks, truth)
    return rows, labels, weights, [b.text for b in blocks]


def labelled_bodies(
    datasets: Iterable[Path], limit: int | None = None
) -> Iterator[tuple[Path, dict[str, Any], str, bytes]]:
    """(set, truth row, site, page bytes) of every page of the sets that has a labelled body (at most
    ``limit`` truth rows a set): what the block model and the decider are both trained on."""
    sites = label_sites()
    for dataset in distinct_sets(datasets):
        with (dataset / "truth.jsonl").open(encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if limit is not None and i >= limit:
                    break
                row = json.loads(line)
                if not (row.get("text") or "").strip():
                    continue
                body = gzip.decompress((dataset / "pages" / f"{row['id']}.html.gz").read_bytes())
                yield dataset, row, row_site(row, dataset.name, sites), body


def labelled_pages(datasets: Iterable[Path], limit: int | None = None) -> list[PageRows]:
    """Every page of the sets that has a labelled body, cut into rows."""
    pages = []
    for dataset, row, site, body in labelled_bodies(datasets, limit):
        rows, labels, weights, texts = page_rows(body, row["text"])
        if rows:
            lang = str(row.get("lang") or "")
            pages.append(PageRows(dataset.name, row["id"], site, lang, rows, labels, weights, texts))
    return pages


def distinct_sets(datasets: Iterable[Path]) -> list[Path]:
    """Each set once, however its path was written (``../shared/datasets/x`` and the default root's)."""
    seen: dict[Path, Path] = {}
    for dataset in datasets:
        seen.setdefault(dataset.resolve(), dataset)
    return list(seen.values())


class Matrix:
    """The pages' rows as arrays, built once and refitted on subsets (leave-one-site-out)."""

    def __init__(self, pages: list[PageRows]) -> None:
        import numpy as np  # only here: extraction itself never imports numpy

        self.x = np.array([r for p in pages for r in p.rows], dtype=float)
        self.y = np.array([v for p in pages for v in p.labels], dtype=float)
        self.w = np.array([v for p in pages for v in p.weights], dtype=float)
        self.site = np.array([p.site for p in pages for _ in p.rows], dtype=object)


def fit(
    pages: list[PageRows] | Matrix,
    *,
    l2: float = L2,
    start: BlockModel | None = None,
    iterations: int = 30,
    without: Collection[str] | None = None,
) -> BlockModel:
    """A logistic regression on the pages' rows by Newton's method (deterministic: no sampling, no random
    start). ``without`` leaves those sites' pages out; ``start`` warm-starts from another model's
    weights (the leave-one-site-out refits start from the model of all pages)."""
    import numpy as np

    data = pages if isinstance(pages, Matrix) else Matrix(pages)
    keep = ~np.isin(data.site, list(without)) if without else slice(None)
    x, y, w = data.x[keep], data.y[keep], data.w[keep]
    if not len(x):
        raise ValueError("no labelled blocks to train on")
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    # Features in rows (d x n, contiguous): the products below are several times faster in this layout.
    zt = np.ascontiguousarray(np.vstack([((x - mean) / scale).T, np.ones(len(x))]))
    beta = np.zeros(zt.shape[0])
    if start is not None:
        old_w, old_m, old_s = (np.array(v) for v in (start.weights, start.mean, start.scale))
        beta[:-1] = old_w / old_s * scale
        beta[-1] = start.bias + float(np.sum(old_w * (mean - old_m) / old_s))
    penalty = np.full(zt.shape[0], l2)
    penalty[-1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(beta @ zt, -40, 40)))
        grad = zt @ (w * (p - y)) + penalty * beta
        hess = np.dot(zt * (w * p * (1 - p)), zt.T) + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if float(np.max(np.abs(step))) < 1e-4:
            break
    return BlockModel(
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        weights=tuple(float(v) for v in beta[:-1]),
        bias=float(beta[-1]),
    )


def body_f1(pred: str, truth: str) -> float:
    """Token F1 of two texts, as bench/extraction.py scores bodies."""
    p, t = Counter(tokens(pred)), Counter(tokens(truth))
    common = sum((p & t).values())
    if not common:
        return 0.0
    precision, recall = common / sum(p.values()), common / sum(t.values())
    return 2 * precision * recall / (precision + recall)


@dataclass
class ChoiceRow:
    """One labelled Chinese page's figures for the decider, which body is closer, and the row's weight."""

    site: str
    row: list[float]
    label: int  # 1: the model's body is closer to the labelled body
    weight: float


def rules_lines(body: bytes, url: str | None) -> tuple[Any, Any, list[str]] | None:
    """The tree, the <h1> and the rules' body lines as pipelines.extract.extractor hands them to the block
    model (same steps in the same order); None on a page that path never reaches (a thread, a page that
    does not look Chinese, no body)."""
    html, _ = decode_html(body, None)
    tree = parse_html(sanitize_html(html))
    if tree is None:
        return None
    page = read_page_meta(tree)
    doc = body_document(tree, url, page)
    if doc is None:
        return None
    lines = [line.strip() for line in (doc.text or "").split("\n")]
    if thread_body(tree, page, lines) is not None or not looks_chinese(page):
        return None
    block = main_block(tree)
    replaced = replace_fragment_body(lines, block)
    return tree, page.h1_element, replaced if replaced is not None else recover_lead(lines, block)


def choice_rows(
    datasets: Iterable[Path], models: dict[str, BlockModel], default: BlockModel, limit: int | None = None
) -> list[ChoiceRow]:
    """The decider's rows: every labelled Chinese page, read with ``models[its site]`` (a block model that
    never saw that site) or ``default``."""
    rows = []
    for _, row, site, body in labelled_bodies(datasets, limit):
        if not str(row.get("lang") or "").startswith("zh"):
            continue
        found = rules_lines(body, row.get("url"))
        if found is None:
            continue
        tree, h1, lines = found
        choice = body_choice(lines, tree, h1, models.get(site, default))
        if choice is None:
            continue
        truth = row["text"]
        model_f1, rules_f1 = body_f1("\n".join(choice[0]), truth), body_f1("\n".join(lines), truth)
        weight = abs(model_f1 - rules_f1) + DECIDER_FLOOR
        rows.append(ChoiceRow(site, choice[1], int(model_f1 > rules_f1), weight))
    return rows


def fit_decider(rows: list[ChoiceRow], *, l2: float = DECIDER_L2, without: Collection[str] = ()) -> Decider:
    """The decider fitted on ``rows`` (without those of the ``without`` sites), as :func:`fit` fits."""
    import numpy as np

    kept = [r for r in rows if r.site not in without]
    if not kept:
        raise ValueError("no labelled Chinese pages to train the decider on")
    x = np.array([r.row for r in kept], dtype=float)
    y = np.array([r.label for r in kept], dtype=float)
    w = np.array([r.weight for r in kept], dtype=float)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale == 0] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    beta = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ beta, -40, 40)))
        step = np.linalg.solve(
            (z * (w * p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9),
            z.T @ (w * (p - y)) + penalty * beta,
        )
        beta -= step
        if float(np.max(np.abs(step))) < 1e-6:
            break
    return Decider(
        mean=tuple(float(v) for v in mean),
        scale=tuple(float(v) for v in scale),
        weights=tuple(float(v) for v in beta[:-1]),
        bias=float(beta[-1]),
    )


def held_out_models(
    pages: list[PageRows], matrix: Matrix, full: BlockModel, sites: Iterable[str]
) -> dict[str, BlockModel]:
    """A block model per site, refitted without that site's pages (warm-started from ``full``)."""
    return {site: fit(matrix, start=full, iterations=8, without={site}) for site in sites}


def zh_sites(pages: list[PageRows]) -> list[str]:
    return sorted({p.site for p in pages if p.lang.startswith("zh")})


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("datasets", nargs="*", type=Path, help="dataset directories (default: all five)")
    parser.add_argument("--out", type=Path, default=WEIGHTS_FILE, help="where to write the weights")
    parser.add_argument("--limit", type=int, default=None, help="at most N pages per dataset")
    args = parser.parse_args(argv)
    datasets = args.datasets or sorted(p for p in DEFAULT_ROOT.iterdir() if (p / "truth.jsonl").exists())
    pages = labelled_pages(datasets, args.limit)
    matrix = Matrix(pages)
    full = fit(matrix)
    # The decider learns from block models that never saw the page's site, as it will meet new sites.
    held_out = held_out_models(pages, matrix, full, zh_sites(pages))
    rows = choice_rows(datasets, held_out, full, args.limit)
    model = dataclasses.replace(full, decider=fit_decider(rows))
    data = model.as_dict()
    data["trained_on"] = {
        "datasets": [d.name for d in datasets],
        "pages": len(pages),
        "blocks": sum(len(p.rows) for p in pages),
        "sites": len({p.site for p in pages}),
        "decider_pages": len(rows),
    }
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"block model: {len(pages)} pages, {data['trained_on']['blocks']} blocks -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
