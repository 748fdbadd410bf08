"""The learned block model: a logistic regression over :mod:`.blocks` features that says which blocks of a
page are the article's text, and a page-level decider (:class:`Decider`) that says whether the body those
blocks make is closer to the article than the rules' body.

The weights are a small data file shipped beside this module (``block_model.json``, written by
``bench/train_block_model.py`` from the labelled sets in ``../shared/datasets``), read once per process.
Prediction is plain Python (a few dozen multiplications per block): importing numpy in every extraction
worker would cost more than the arithmetic it saves.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass
from functools import cache, cached_property
from operator import mul
from pathlib import Path
from typing import Any

from .blocks import FEATURES, Block, features, page_blocks

__all__ = [
    "CHOICE_FEATURES",
    "WEIGHTS_FILE",
    "BlockModel",
    "Decider",
    "body_choice",
    "choice_features",
    "content_blocks",
    "replacement_body",
    "shipped_model",
    "support",
]

WEIGHTS_FILE = Path(__file__).resolve().with_name("block_model.json")


# The page-level figures the decider reads (:func:`choice_features`): how the model rates the rules' lines,
# how sure it is of its own body, the two bodies' sizes, how much of each the other holds, and how much
# sentence punctuation each carries.
CHOICE_FEATURES: tuple[str, ...] = (
    "rules_support",
    "model_confidence",
    "rules_log_chars",
    "model_log_chars",
    "log_chars_ratio",
    "model_in_rules",
    "rules_in_model",
    "rules_punct",
    "model_punct",
    "rules_log_lines",
    "model_log_lines",
)


def _fold(
    mean: tuple[float, ...], scale: tuple[float, ...], weights: tuple[float, ...], bias: float
) -> tuple[tuple[float, ...], float]:
    """The weights on the raw features and the intercept: w·(x − m)/s + b = (w/s)·x + (b − w·m/s)."""
    coefficients = tuple(w / s for w, s in zip(weights, scale, strict=True))
    return coefficients, bias - sum(c * m for c, m in zip(coefficients, mean, strict=True))


def _logistic(row: list[float], folded: tuple[tuple[float, ...], float]) -> float:
    # map(mul) and sum run in C: this is called once per block of every Chinese page.
    z = folded[1] + sum(map(mul, row, folded[0]))
    return 1.0 / (1.0 + math.exp(-max(min(z, 40.0), -40.0)))


def _vectors(data: dict[str, Any], names: tuple[str, ...], what: str) -> dict[str, Any]:
    found = tuple(data["features"])
    if found != names:
        raise ValueError(f"{what} features {found[:3]}… do not match this code's {names[:3]}…")
    if {len(data["mean"]), len(data["scale"]), len(data["weights"])} != {len(names)}:
        raise ValueError(f"{what} vectors do not have one value per feature")
    return {
        "mean": tuple(map(float, data["mean"])),
        "scale": tuple(float(s) or 1.0 for s in data["scale"]),
        "weights": tuple(map(float, data["weights"])),
        "bias": float(data["bias"]),
    }


def _rounded(names: tuple[str, ...], model: Decider | BlockModel) -> dict[str, Any]:
    return {
        "features": list(names),
        "mean": [round(v, 6) for v in model.mean],
        "scale": [round(v, 6) for v in model.scale],
        "weights": [round(v, 6) for v in model.weights],
        "bias": round(model.bias, 6),
    }


@dataclass(frozen=True)
class Decider:
    """A page-level logistic regression over :data:`CHOICE_FEATURES`: the probability that the model's body
    is closer to the article than the rules' body."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Decider:
        return cls(**_vectors(data, CHOICE_FEATURES, "body decider"))

    def as_dict(self) -> dict[str, Any]:
        return _rounded(CHOICE_FEATURES, self)

    @cached_property
    def _folded(self) -> tuple[tuple[float, ...], float]:
        return _fold(self.mean, self.scale, self.weights, self.bias)

    def probability(self, row: list[float]) -> float:
        return _logistic(row, self._folded)


@dataclass(frozen=True)
class BlockModel:
    """Standardisation, weights and the decision threshold of one trained model, and the page-level decider
    trained with it (None: the fixed support rule decides, see :func:`replacement_body`)."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    weights: tuple[float, ...]
    bias: float
    threshold: float = 0.5
    decider: Decider | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BlockModel:
        decider = data.get("decider")
        return cls(
            **_vectors(data, FEATURES, "block model"),
            threshold=float(data.get("threshold", 0.5)),
            decider=Decider.from_dict(decider) if decider else None,
        )

    def as_dict(self) -> dict[str, Any]:
        data = {**_rounded(FEATURES, self), "threshold": self.threshold}
        if self.decider is not None:
            data["decider"] = self.decider.as_dict()
        return data

    @cached_property
    def _folded(self) -> tuple[tuple[float, ...], float]:
        return _fold(self.mean, self.scale, self.weights, self.bias)

    def probability(self, row: list[float]) -> float:
        return _logistic(row, self._folded)


@cache
def shipped_model() -> BlockModel:
    """The model shipped with the code, read once per process."""
    return BlockModel.from_dict(json.loads(WEIGHTS_FILE.read_text(encoding="utf-8")))


def content_blocks(tree: Any, h1: Any = None, model: BlockModel | None = None) -> list[tuple[Block, float]]:
    """Every block of the page with the model's probability that it is article text, in document order."""
    model = model or shipped_model()
    blocks = page_blocks(tree)
    return [(b, model.probability(row)) for b, row in zip(blocks, features(blocks, h1), strict=True)]


# Without a decider, the model's body replaces the rules' body when the blocks holding the rules' lines
# look, on average (weighted by their length), this unlikely to be article text (read off the Chinese
# pages' leave-one-site-out probabilities: the body F1 is flat between 0.3 and 0.5).
SUPPORT_BELOW = 0.4
MIN_MODEL_CHARS = 30
_MIN_CONTAINED = 6
_SENTENCE_PUNCT = re.compile(r"[，。！？；：、“”,.!?;:]")


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


def _bigrams(text: str) -> set[tuple[str, str]]:
    # Pairs of characters, not two-character strings: the same sets' sizes, built at C speed (long pages).
    return set(itertools.pairwise(text))


def choice_features(
    lines: list[str], chosen: list[tuple[Block, float]], scored: list[tuple[Block, float]]
) -> list[float]:
    """The page-level figures of :data:`CHOICE_FEATURES` for the rules' ``lines`` and the model's body
    (``chosen``, the blocks it keeps, among every ``scored`` block)."""
    rules = _key("".join(lines))
    model = _key("".join(block.text for block, _ in chosen))
    found = support(lines, scored)
    model_chars = sum(block.chars for block, _ in chosen)
    rules_grams, model_grams = _bigrams(rules), _bigrams(model)
    common = len(rules_grams & model_grams)
    return [
        0.5 if found is None else found,  # no line found among the blocks: no opinion
        sum(block.chars * p for block, p in chosen) / model_chars if model_chars else 0.0,
        math.log1p(len(rules)),
        math.log1p(len(model)),
        math.log1p(len(model)) - math.log1p(len(rules)),
        common / len(model_grams) if model_grams else 0.0,
        common / len(rules_grams) if rules_grams else 0.0,
        len(_SENTENCE_PUNCT.findall(rules)) / len(rules) * 10 if rules else 0.0,
        len(_SENTENCE_PUNCT.findall(model)) / len(model) * 10 if model else 0.0,
        math.log1p(len(lines)),
        math.log1p(len(chosen)),
    ]


def _is(block: Block, h1: Any) -> bool:
    """Is ``block`` the headline's own (the title's field, never a body line)?"""
    return h1 is not None and block.owner is h1


def body_choice(
    lines: list[str], tree: Any, h1: Any = None, model: BlockModel | None = None
) -> tuple[list[str], list[float]] | None:
    """The model's body (the blocks it reads as article text, the headline left to the title) and the
    page-level figures for choosing between it and the rules' ``lines``; None when the model keeps too
    little text to be a body."""
    found = _model_body(tree, h1, model or shipped_model())
    if found is None:
        return None
    chosen, scored = found
    return [block.text for block, _ in chosen], choice_features(lines, chosen, scored)


def _model_body(
    tree: Any, h1: Any, model: BlockModel
) -> tuple[list[tuple[Block, float]], list[tuple[Block, float]]] | None:
    """The blocks the model keeps (with their probabilities) and every scored block; None when it keeps too
    little text to be a body."""
    scored = content_blocks(tree, h1, model)
    kept = [i for i, (block, p) in enumerate(scored) if p >= model.threshold and not _is(block, h1)]
    # Headings between the first and the last kept block stay with the text they head, whatever their
    # score: an article's subheadings are its text, and a second article's <h1> is where the feed cut
    # (pipelines.extract.feeds) ends the body.
    first, last = (kept[0], kept[-1]) if kept else (0, -1)
    chosen = [
        (block, p)
        for i, (block, p) in enumerate(scored)
        if not _is(block, h1) and (p >= model.threshold or (first < i < last and block.heading))
    ]
    if len(_key("".join(block.text for block, _ in chosen))) < MIN_MODEL_CHARS:
        return None
    return chosen, scored


def replacement_body(
    lines: list[str], tree: Any, h1: Any = None, model: BlockModel | None = None
) -> list[str] | None:
    """The model's body when it reads as closer to the article than the rules' body, None to keep the rules'.

    With a decider (the shipped model has one), a page-level logistic regression trained leave-one-site-out
    on the labelled Chinese pages (bench/train_block_model.py) decides from :func:`choice_features`.
    Without one, the model's body replaces a body whose blocks the model reads as chrome (a teaser, a menu,
    a box beside the article: mean probability under :data:`SUPPORT_BELOW`)."""
    model = model or shipped_model()
    found = _model_body(tree, h1, model)
    if found is None:
        return None
    chosen, scored = found
    body = [block.text for block, _ in chosen]
    if _key("".join(body)) == _key("".join(lines)):
        return None  # the same text: nothing to replace (and no figures to compute)
    row = choice_features(lines, chosen, scored)
    if model.decider is None:
        return body if row[0] < SUPPORT_BELOW else None
    return body if model.decider.probability(row) >= 0.5 else None
