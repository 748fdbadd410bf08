"""The page-level decider between the rules' body and the block model's: its figures on a written page, the
choice it makes either way, the weights file carrying it, and its training."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import pytest

from pipelines.extract.block_model import (
    CHOICE_FEATURES,
    BlockModel,
    Decider,
    body_choice,
    replacement_body,
    shipped_model,
)
from pipelines.extract.parse import parse_html

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "bench"))
train = pytest.importorskip("train_block_model")

ARTICLE = [
    "九月一日，市北区各中小学迎来了秋季开学，全区共有三万多名学生走进校园，开始新学期的学习生活。",
    "区教育局表示，今年新增学位两千多个，有效缓解了部分片区入学紧张的情况，家长们对此普遍表示满意。",
    "开学当天，各学校组织了丰富多彩的开学典礼活动，老师们精心准备，欢迎新同学的到来，校园里处处洋溢着欢乐。",
    "据介绍，全区今年还将新建改扩建学校六所，进一步优化教育资源布局，推动义务教育优质均衡发展。",
]


def _page() -> Any:
    menu = "".join(f'<li><a href="/{i}">栏目{i}</a></li>' for i in range(10))
    related = "".join(f'<li><a href="/r{i}">相关新闻标题第{i}条 市北区教育动态</a></li>' for i in range(8))
    paragraphs = "".join(f"<p>{p}</p>" for p in ARTICLE)
    html = (
        '<html><head><meta charset="utf-8"><title>市北区学校秋季开学</title></head><body>'
        f'<div class="nav"><ul>{menu}</ul></div>'
        f'<div class="article"><h1>市北区学校秋季开学</h1><div class="content">{paragraphs}</div></div>'
        f'<div class="related"><ul>{related}</ul></div>'
        '<div class="footer">版权所有 © 2024 示例新闻网 鲁ICP备12345678号</div></body></html>'
    )
    return parse_html(html)


def _with(decider_bias: float) -> BlockModel:
    """The shipped block model with a decider that says only ``decider_bias`` (all weights zero)."""
    n = len(CHOICE_FEATURES)
    decider = Decider(mean=(0.0,) * n, scale=(1.0,) * n, weights=(0.0,) * n, bias=decider_bias)
    return dataclasses.replace(shipped_model(), decider=decider)


def test_the_figures_compare_the_two_bodies() -> None:
    tree = _page()
    h1 = tree.find(".//h1")
    # The rules kept the first two paragraphs; the model keeps all four.
    choice = body_choice(ARTICLE[:2], tree, h1)
    assert choice is not None
    body, row = choice
    assert body == ARTICLE
    figures = dict(zip(CHOICE_FEATURES, row, strict=True))
    assert figures["rules_support"] > 0.5  # the rules' lines sit in blocks the model reads as text
    assert figures["model_in_rules"] < 0.7  # half the model's body is not in the rules' body
    assert figures["rules_in_model"] == pytest.approx(1.0)  # all of the rules' body is in the model's
    assert figures["log_chars_ratio"] > 0.5
    assert figures["model_log_lines"] > figures["rules_log_lines"]


def test_the_decider_chooses_the_models_body_even_where_the_rules_lines_read_as_text() -> None:
    tree = _page()
    h1 = tree.find(".//h1")
    # The fixed support rule (no decider) keeps a body whose blocks the model reads as article text ...
    assert replacement_body(ARTICLE[:2], tree, h1, dataclasses.replace(shipped_model(), decider=None)) is None
    # ... a decider can prefer the model's fuller body, or keep the rules' one.
    assert replacement_body(ARTICLE[:2], tree, h1, _with(5.0)) == ARTICLE
    assert replacement_body(ARTICLE[:2], tree, h1, _with(-5.0)) is None
    # The same text is never "replaced".
    assert replacement_body(ARTICLE, tree, h1, _with(5.0)) is None


def test_the_shipped_weights_carry_a_decider_that_round_trips() -> None:
    model = shipped_model()
    assert model.decider is not None
    assert len(model.decider.weights) == len(CHOICE_FEATURES)
    assert BlockModel.from_dict(model.as_dict()) == model
    data = model.as_dict()
    data["decider"]["features"] = data["decider"]["features"][:-1]
    with pytest.raises(ValueError, match="decider"):
        BlockModel.from_dict(data)


def test_the_decider_learns_which_body_is_closer_and_leaves_a_site_out() -> None:
    rows = []
    for i in range(12):
        model_better = i % 2 == 0
        # One figure tells the two kinds apart (the model's body holds little of the rules').
        row = [0.5] * len(CHOICE_FEATURES)
        row[CHOICE_FEATURES.index("rules_in_model")] = 0.2 if model_better else 0.9
        rows.append(train.ChoiceRow(f"site{i % 3}.cn", row, int(model_better), 0.5))
    decider = train.fit_decider(rows)
    assert decider == train.fit_decider(rows)  # deterministic
    assert all((decider.probability(r.row) >= 0.5) == bool(r.label) for r in rows)
    held_out = train.fit_decider(rows, without={"site0.cn"})
    assert held_out != decider
    with pytest.raises(ValueError):
        train.fit_decider(rows, without={"site0.cn", "site1.cn", "site2.cn"})


def test_the_rules_lines_are_read_as_the_extractor_reads_them() -> None:
    html = _page()
    from lxml.html import tostring

    found = train.rules_lines(tostring(html, encoding="utf-8"), "http://example.cn/a.html")
    assert found is not None
    _, h1, lines = found
    assert h1 is not None and h1.text == "市北区学校秋季开学"
    assert [line for line in lines if line in ARTICLE] == ARTICLE


def test_headings_between_the_kept_blocks_stay_in_the_models_body() -> None:
    from pipelines.extract.blocks import FEATURES

    # A model that keeps every block but headings.
    n = len(FEATURES)
    weights = tuple(-20.0 if name == "heading" else 0.0 for name in FEATURES)
    model = BlockModel(mean=(0.0,) * n, scale=(1.0,) * n, weights=weights, bias=10.0)
    tree = parse_html(
        "<html><body><h1>市北区学校秋季开学</h1>"
        f"<p>{ARTICLE[0]}</p><h2>新增学位两千多个</h2><p>{ARTICLE[1]}</p>"
        "<h3>相关新闻</h3></body></html>"
    )
    assert tree is not None
    choice = body_choice(["无关的一行字"], tree, tree.find(".//h1"), model)
    assert choice is not None
    # The subheading between two kept paragraphs is kept; the headline and a heading after the text are not.
    assert choice[0] == [ARTICLE[0], "新增学位两千多个", ARTICLE[1]]


def test_a_page_without_a_url_is_held_out_with_its_labelled_site() -> None:
    sites = {("zh-set", "cx_163_1"): "163.com"}
    # No URL and no host in the id: the label's site, as bench/extraction.py scores it (was "?").
    assert train.row_site({"id": "cx_163_1", "url": None}, "zh-set", sites) == "163.com"
    assert train.row_site({"id": "other", "url": "https://news.163.com/a.html"}, "zh-set", sites) == "163.com"
    assert train.row_site({"id": "other", "url": None}, "zh-set", sites) == "?"


def test_a_set_named_twice_is_read_once(tmp_path: Path) -> None:
    (tmp_path / "set").mkdir()
    (tmp_path / "other").mkdir()
    # The bench passed ../shared/datasets/x and the default root's path: every page was trained on twice.
    assert train.distinct_sets([tmp_path / "set", tmp_path / "other" / ".." / "set"]) == [tmp_path / "set"]
