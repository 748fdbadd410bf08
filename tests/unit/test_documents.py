"""From raw bytes to an article record: the extraction step shared by the seed reader and the spiders."""

from __future__ import annotations

import pytest

from pipelines.documents import RawDocument, record_from_document
from pipelines.documents.raw import check_not_junk, sniff_kind
from pipelines.errors import DocumentError

FRONT = """---
title: 胶州湾大桥迎来通车十三周年_青岛频道
author: archiver
date: 2024-06-30 10:00
---
胶州湾大桥通车十三年来，累计通行车辆超过一亿辆次，成为连接青岛东西两岸的重要通道。
大桥管理部门介绍，今年将对桥面进行集中养护，并增设智能监测设备，确保市民出行安全。
(记者 林海 通讯员 周明)
[责任编辑：孙丽]
"""

GBK_PAGE = """<html><head><title>黄岛区举办海洋科技成果展_大众网</title></head><body>
<h1>黄岛区举办海洋科技成果展</h1><div class="content">
<p>本报讯 黄岛区今天举办海洋科技成果展，来自全区的四十余家企业参展，展出海洋装备、海洋生物医药等领域的最新成果。</p>
<p>据介绍，展会为期三天，期间还将举办项目签约和人才对接活动，预计签约金额超过二十亿元。</p>
<p>参展企业负责人表示，希望借助展会平台拓展市场，吸引更多专业人才落户黄岛。</p>
</div></body></html>"""


def doc(body: bytes, name: str = "seeds/x.txt", **kw) -> RawDocument:
    return RawDocument(body=body, name=name, fetched_at="2024-07-01T08:00:00+08:00", path=name, **kw)


def test_front_matter_document_becomes_a_record() -> None:
    record = record_from_document(doc(FRONT.encode("utf-8")))
    assert record["title"] == "胶州湾大桥迎来通车十三周年"
    assert record["section"] == "青岛频道"
    assert record["published"] == "2024-06-30T10:00:00+08:00"
    assert record["archived_by"] == "archiver"
    assert "archiver" not in record["authors"]
    assert record["editor"] == "孙丽"
    assert "林海" in record["authors"]
    assert record["keys"] == ["file:seeds/x.txt"]
    assert record["source"] == "seeds"


def test_gbk_page_without_any_declaration_decodes() -> None:
    record = record_from_document(doc(GBK_PAGE.encode("gbk"), "seeds/p.html"))
    assert record["title"] == "黄岛区举办海洋科技成果展"
    assert "海洋科技成果展" in record["text"] and "\ufffd" not in record["text"]


def test_sidecar_headers_declare_a_front_matter_documents_charset() -> None:
    record = record_from_document(
        doc(FRONT.encode("gbk"), headers={"Content-Type": "text/plain; charset=gbk"})
    )
    assert record["title"] == "胶州湾大桥迎来通车十三周年"


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty file"),
        (b"  \n\t\n", "empty file"),
        (bytes(range(256)) * 4, "binary data"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64, "binary data"),
        (FRONT.encode("gbk"), "looks like GBK/GB18030"),
        ("这只是一段没有标题的文字。".encode(), "neither a front-matter document"),
    ],
)
def test_bad_input_fails_with_a_reason_naming_the_file(body: bytes, reason: str) -> None:
    with pytest.raises(DocumentError) as caught:
        record_from_document(doc(body, "seeds/bad.txt"))
    assert caught.value.input == "seeds/bad.txt"
    assert reason in caught.value.reason


def test_sniffing() -> None:
    assert sniff_kind(b"\xef\xbb\xbf---\ntitle: x") == "frontmatter"
    assert sniff_kind(b"  <!DOCTYPE html><html>") == "html"
    assert sniff_kind(b"plain words") == "unknown"


def test_control_bytes_beyond_two_percent_are_binary_but_text_whitespace_is_not() -> None:
    page = b"<html><body><p>" + b"x" * 1000 + b"</p></body></html>"
    check_not_junk(doc(page.replace(b"x" * 40, b"\t\n\x0b\x0c\r" * 8, 1)))  # whitespace is text
    check_not_junk(doc(page.replace(b"x" * 20, b"\x1b" * 20, 1)))  # ~2%: a few escapes pass
    with pytest.raises(DocumentError, match="binary data"):
        check_not_junk(doc(page.replace(b"x" * 40, bytes(range(1, 9)) * 5, 1)))
    with pytest.raises(DocumentError, match="binary data"):
        check_not_junk(doc(page.replace(b"x" * 40, bytes(range(14, 32)) * 2 + b"\x7f" * 4, 1)))
