"""The learned block model: a logistic regression over :mod:`.blocks` features that says which blocks of a
page are the article's text.

The weights are a small data file shipped beside this module (``block_model.json``, written by
``bench/train_block_model.py`` from the labelled sets in ``../shared/datasets``), read once per process.
Prediction is plain Python (a few dozen multiplications per block): importing numpy in every extraction
worker would cost more than the arithmetic it saves.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .blocks import FEATURES, Block, features, page_blocks

__all__ = ["WEIGHTS_FILE", "BlockModel", "content_blocks", "replacement_body", "shipped_model", "support"]

WEIGHTS_FILE = Path(__file__).resolve().with_name("block_model.json")


@dataclass(frozen=True)
class BlockModel:
    """Standardisation, weights and the decision threshold of one trained model."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BlockModel:
        names = tuple(data["features"])
        if names != FEATURES:
            raise ValueError(f"block model features {names[:3]}… do not match this code's {FEATURES[:3]}…")
        sizes = {len(data["mean"]), len(data["scale"]), len(data["weights"])}
        if sizes != {len(FEATURES)}:
            raise ValueError("block model vectors do not have one value per feature")
        return cls(
            mean=tuple(map(float, data["mean"])),
            scale=tuple(float(s) or 1.0 for s in data["scale"]),
            weights=tuple(map(float, data["weights"])),
            bias=float(data["bias"]),
            threshold=float(data.get("threshold", 0.5)),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "features": list(FEATURES),
            "mean": [round(v, 6) for v in self.mean],
            "scale": [round(v, 6) for v in self.scale],
            "weights": [round(v, 6) for v in self.weights],
            "bias": round(self.bias, 6),
            "threshold": self.threshold,
        }

    def probability(self, row: list[float]) -> float:
        z = self.bias
        for x, m, s, w in zip(row, self.mean, self.scale, self.weights, strict=True):
            z += w * (x - m) / s
        return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


@cache
def shipped_model() -> BlockModel:
    """The model shipped with the code, read once per process."""
    return BlockModel.from_dict(json.loads(WEIGHTS_FILE.read_text(encoding="utf-8")))


def content_blocks(tree: Any, h1: Any = None, model: BlockModel | None = None) -> list[tuple[Block, float]]:
    """Every block of the page with the model's probability that it is article text, in document order."""
    model = model or shipped_model()
    blocks = page_blocks(tree)
    return [(b, model.probability(row)) for b, row in zip(blocks, features(blocks, h1), strict=True)]


# The model's body replaces the rules' body when the blocks holding the rules' lines look, on average
# (weighted by their length), this unlikely to be article text. The figure was read off the Chinese pages'
# leave-one-site-out probabilities (bench/extraction.py): the body F1 is flat between 0.3 and 0.5.
SUPPORT_BELOW = 0.4
MIN_MODEL_CHARS = 30
_MIN_CONTAINED = 6


def _key(text: str) -> str:
    return "".join(text.split())


def support(lines: list[str], scored: list[tuple[Block, float]]) -> float | None:
    """How likely, by the model, the blocks holding ``lines`` are article text (mean weighted by length);
    None when no line is found among the blocks."""
    exact: dict[str, float] = {}
    for block, p in scored:
        key = _key(block.text)
        exact[key] = max(p, exact.get(key, 0.0))
    total, weighted = 0, 0.0
    for line in lines:
        key = _key(line)
        if len(key) < 2:
            continue
        line_p = exact.get(key)
        if line_p is None and len(key) >= _MIN_CONTAINED:
            # A line trafilatura joined from several blocks, or cut from one.
            found = [q for k, q in exact.items() if len(k) >= _MIN_CONTAINED and (key in k or k in key)]
            line_p = max(found) if found else None
        if line_p is not None:
            total += len(key)
            weighted += len(key) * line_p
    return weighted / total if total else None


def replacement_body(
    lines: list[str], tree: Any, h1: Any = None, model: BlockModel | None = None
) -> list[str] | None:
    """The model's body when the rules' body sits in blocks the model finds unlikely to be article text
    (a teaser, a menu, a box beside the article) and the model has a body of its own; None to keep it."""
    model = model or shipped_model()
    scored = content_blocks(tree, h1, model)
    found = support(lines, scored)
    if found is None or found >= SUPPORT_BELOW:
        return None
    # The headline is the title's field, not a body line.
    body = [
        block.text for block, p in scored if p >= model.threshold and (h1 is None or block.owner is not h1)
    ]
    return body if len(_key("".join(body))) >= MIN_MODEL_CHARS else None
