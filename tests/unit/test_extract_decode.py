"""decode_html: BOM, header charset, <meta> charset, detection, wrong declarations."""

from __future__ import annotations

import codecs

import pytest

from pipelines.extract import decode_html

TEXT = "青岛市南区破除“双招双引”最大堵点，专业招商团队驻外精准招商。市北区发起城市建设十大攻势。"


def page(charset_meta: str | None) -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    return f"<html><head>{meta}<title>标题</title></head><body><p>{TEXT * 3}</p></body></html>"


@pytest.mark.parametrize("label", ["gb2312", "gbk", "GB18030", "GBK"])
def test_gb_family_in_header_decodes_as_gb18030(label: str) -> None:
    body = page(None).encode("gb18030")
    text, encoding = decode_html(body, {"Content-Type": f"text/html; charset={label}"})
    assert encoding == "gb18030"
    assert TEXT in text


def test_charset_only_in_meta() -> None:
    body = page("gb2312").encode("gbk")
    text, encoding = decode_html(body)
    assert encoding == "gb18030"
    assert TEXT in text and "\ufffd" not in text


def test_header_wins_over_meta() -> None:
    body = page("iso-8859-1").encode("gbk")
    text, encoding = decode_html(body, {"content-type": "text/html;charset=GBK"})
    assert encoding == "gb18030" and TEXT in text


def test_declared_gbk_but_valid_utf8_is_utf8() -> None:
    body = page("gbk").encode("utf-8")
    text, encoding = decode_html(body, {"Content-Type": "text/html; charset=gb2312"})
    assert encoding == "utf-8"
    assert TEXT in text


def test_declared_utf8_but_gb18030_bytes() -> None:
    body = page("utf-8").encode("gb18030")
    text, encoding = decode_html(body, {"Content-Type": "text/html; charset=utf-8"})
    assert encoding == "gb18030"
    assert TEXT in text and "\ufffd" not in text


def test_no_declaration_detects_gb() -> None:
    body = page(None).encode("gb18030")
    text, encoding = decode_html(body)
    assert encoding == "gb18030"
    assert TEXT in text


def test_utf8_bom_wins() -> None:
    body = codecs.BOM_UTF8 + page("gbk").encode("utf-8")
    text, encoding = decode_html(body, {"Content-Type": "text/html; charset=gbk"})
    assert encoding == "utf-8" and text.startswith("<html>") and TEXT in text


def test_utf16_bom() -> None:
    body = codecs.BOM_UTF16_LE + page(None).encode("utf-16-le")
    text, encoding = decode_html(body)
    assert encoding == "utf-16-le" and TEXT in text


def test_latin1_label_is_windows_1252() -> None:
    body = "<html><head><meta charset='iso-8859-1'></head><body>“Café” – déjà vu</body></html>".encode(
        "cp1252"
    )
    text, encoding = decode_html(body)
    assert encoding == "cp1252"
    assert "“Café” – déjà vu" in text


def test_big5_declared() -> None:
    body = "<html><head><meta charset='big5'></head><body>義大利公開賽 茲韋列夫封王</body></html>".encode(
        "big5"
    )
    text, _ = decode_html(body)
    assert "義大利公開賽" in text


def test_a_few_bad_bytes_keep_the_declared_charset() -> None:
    body = page("gbk").encode("gbk")
    body = body.replace("最大堵点".encode("gbk"), "最大堵点".encode("gbk") + b"\xff", 1)
    text, encoding = decode_html(body)
    assert encoding == "gb18030"
    assert "市北区发起城市建设十大攻势" in text
