"""The learned block model: the shipped weights load and decide a written page; training is deterministic;
the model's body replaces a body the model reads as chrome."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from pipelines.extract.block_model import (
    BlockModel,
    content_blocks,
    replacement_body,
    shipped_model,
    support,
)
from pipelines.extract.blocks import FEATURES, page_blocks
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
MENU = ["首页", "新闻", "体育", "财经", "娱乐", "科技", "汽车", "房产", "教育", "旅游"]


def _page(article: list[str] = ARTICLE, teaser: str = "") -> bytes:
    menu = "".join(f'<li><a href="/{i}">{m}</a></li>' for i, m in enumerate(MENU))
    related = "".join(f'<li><a href="/r{i}">相关新闻标题第{i}条 市北区教育动态</a></li>' for i in range(8))
    paragraphs = "".join(f"<p>{p}</p>" for p in article)
    return (
        '<html><head><meta charset="utf-8"><title>市北区学校秋季开学</title></head><body>'
        f'<div class="nav"><ul>{menu}</ul></div>{teaser}'
        f'<div class="article"><h1>市北区学校秋季开学</h1><div class="content">{paragraphs}</div></div>'
        f'<div class="related"><ul>{related}</ul></div>'
        '<div class="footer">版权所有 © 2024 示例新闻网 鲁ICP备12345678号</div></body></html>'
    ).encode()


def _tree(body: bytes) -> Any:
    return parse_html(body.decode("utf-8"))


def test_the_shipped_weights_load_once_and_match_the_features() -> None:
    model = shipped_model()
    assert model is shipped_model()  # read once per process
    assert len(model.weights) == len(model.mean) == len(model.scale) == len(FEATURES)


def test_the_shipped_model_keeps_the_article_and_drops_the_chrome() -> None:
    scored = content_blocks(_tree(_page()))
    kept = [b.text for b, p in scored if p >= shipped_model().threshold]
    dropped = [b.text for b, p in scored if p < shipped_model().threshold]
    assert all(line in kept for line in ARTICLE)
    assert not any(m in kept for m in MENU)
    assert any("版权所有" in text for text in dropped)
    assert any("相关新闻标题" in text for text in dropped)


def test_weights_of_another_shape_are_refused() -> None:
    data = shipped_model().as_dict()
    data["features"] = data["features"][:-1]
    with pytest.raises(ValueError, match="features"):
        BlockModel.from_dict(data)


def test_blocks_split_at_block_tags_and_line_breaks() -> None:
    tree = _tree(
        b"<html><body><div>one <b>two</b><br>three<p>four <a href='/x'>link</a></p>five</div></body></html>"
    )
    blocks = page_blocks(tree)
    assert [b.text for b in blocks] == ["one two", "three", "four link", "five"]
    assert blocks[2].link_chars == 4 and blocks[2].tag == "p"


def _fixture_pages() -> list[Any]:
    pages = []
    for i in range(3):
        article = [f"{line}（第{i}篇）" for line in ARTICLE]
        rows, labels, weights, texts = train.page_rows(_page(article), "\n".join(article))
        pages.append(train.PageRows("fixture", str(i), f"site{i}.cn", "zh", rows, labels, weights, texts))
    return pages


def test_training_is_deterministic_and_learns_the_fixture() -> None:
    pages = _fixture_pages()
    first, second = train.fit(pages), train.fit(pages)
    assert first == second
    for page in pages:
        decided = [first.probability(row) >= 0.5 for row in page.rows]
        assert decided == [bool(label) for label in page.labels]
    # Leaving a site out refits on the others only (and still decides its pages).
    held_out = train.fit(train.Matrix(pages), start=first, without={"site0.cn"})
    assert held_out != first
    assert [held_out.probability(r) >= 0.5 for r in pages[0].rows] == [bool(v) for v in pages[0].labels]


def test_block_labels_follow_the_labelled_body() -> None:
    blocks = page_blocks(_tree(_page()))
    labels, weights = train.block_labels(blocks, "\n".join(ARTICLE))
    assert [b.text for b, label in zip(blocks, labels, strict=True) if label] == ARTICLE
    assert sum(weights) == pytest.approx(100.0)


def test_a_body_in_blocks_the_model_reads_as_chrome_is_replaced() -> None:
    teaser = '<div class="hot"><ul><li><a href="/t">热点：市北区秋季开学 新增学位两千多个</a></li></ul></div>'
    tree = _tree(_page(teaser=teaser))
    lines = ["热点：市北区秋季开学 新增学位两千多个"]
    found = support(lines, content_blocks(tree))
    assert found is not None and found < 0.4
    h1 = tree.find(".//h1")
    assert replacement_body(lines, tree, h1) == ARTICLE
    # The article itself is kept as it is.
    assert replacement_body(ARTICLE, tree, h1) is None
    assert support(["这一行不在页面上"], content_blocks(tree)) is None


@pytest.mark.skipif(not (REPO.parent / "shared" / "datasets").is_dir(), reason="needs ../shared/datasets")
def test_training_reads_the_shared_sets() -> None:
    datasets = sorted(
        p for p in (REPO.parent / "shared" / "datasets").iterdir() if (p / "truth.jsonl").exists()
    )
    pages = train.labelled_pages(datasets[:2], limit=3)
    assert pages and all(len(p.rows) == len(p.labels) == len(p.texts) for p in pages)
    model = train.fit(pages)
    assert len(model.weights) == len(FEATURES)
