#!/usr/bin/env python
"""Train the block model shipped as pipelines/extract/block_model.json from the labelled sets.

    python bench/train_block_model.py [DATASET_DIR ...] [--out PATH] [--limit N]

Every page of every set (Chinese and not) is cut into blocks (pipelines.extract.blocks); a block is labelled
article text when at least half of its token trigrams occur in the page's labelled body (a short block:
when it is most of one labelled line). A logistic regression
(numpy, Newton's method with an L2 penalty, no randomness: the same pages give the same weights) is fitted
with each page weighing the same (a block's weight is its share of the page's tokens). bench/extraction.py
uses the same functions to refit without each held-out site (leave-one-site-out).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import sys
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from pipelines.documents.records import site_of  # noqa: E402
from pipelines.extract.block_model import WEIGHTS_FILE, BlockModel  # noqa: E402
from pipelines.extract.blocks import Block, features, page_blocks  # noqa: E402
from pipelines.extract.decode import decode_html  # noqa: E402
from pipelines.extract.pagemeta import read_page_meta  # noqa: E402
from pipelines.extract.parse import parse_html  # noqa: E402
from pipelines.extract.sanitize import sanitize_html  # noqa: E402
from pipelines.text.cjk import CJK  # noqa: E402

# One BLAS thread: on a shared 2-core machine OpenBLAS's spinning threads made a fit ten times slower.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
DEFAULT_ROOT = REPO.parent / "shared" / "datasets"
L2 = 1.0
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


def labelled_pages(datasets: Iterable[Path], limit: int | None = None) -> list[PageRows]:
    """Every page of the sets that has a labelled body, cut into rows."""
    pages = []
    for dataset in datasets:
        with (dataset / "truth.jsonl").open(encoding="utf-8") as fh:
            for i, line in enumerate(fh):
                if limit is not None and i >= limit:
                    break
                row = json.loads(line)
                if not (row.get("text") or "").strip():
                    continue
                body = gzip.decompress((dataset / "pages" / f"{row['id']}.html.gz").read_bytes())
                rows, labels, weights, texts = page_rows(body, row["text"])
                if rows:
                    site, lang = page_site(row), str(row.get("lang") or "")
                    pages.append(PageRows(dataset.name, row["id"], site, lang, rows, labels, weights, texts))
    return pages


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
    model = fit(pages)
    data = model.as_dict()
    data["trained_on"] = {
        "datasets": [d.name for d in datasets],
        "pages": len(pages),
        "blocks": sum(len(p.rows) for p in pages),
        "sites": len({p.site for p in pages}),
    }
    args.out.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    print(f"block model: {len(pages)} pages, {data['trained_on']['blocks']} blocks -> {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
