"""pipelines.extract.charsets is the one table of charset labels: w3lib's resolve_encoding plus our written-down
overrides, used alike by the HTML decoder and the front-matter document reader."""

from __future__ import annotations

import encodings.aliases
import re
from pathlib import Path

import pytest
from w3lib.encoding import resolve_encoding

from pipelines.documents.raw import RawDocument, decode_text_document
from pipelines.errors import DocumentError
from pipelines.extract import decode_html
from pipelines.extract.charsets import OVERRIDES, declared_charset, normalise_charset

REPO_ROOT = Path(__file__).resolve().parents[2]
FRONT = "---\ntitle: {text}\ndate: 2024-03-01\n---\n<p>{text}</p>\n"


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("gb2312", "gb18030"),
        ("GBK", "gb18030"),
        ("x-gbk", "gb18030"),
        ("cp936", "gb18030"),
        ("euc-cn", "gb18030"),
        ("gb_2312-80", "gb18030"),
        ("csgb2312", "gb18030"),
        ("windows-936", "gb18030"),
        ("hz-gb-2312", "gb18030"),
        ("gb-2312", "gb18030"),
        ("gb18030", "gb18030"),
        ("big5", "big5hkscs"),
        ("iso-8859-1", "cp1252"),
        ("latin1", "cp1252"),
        ("us-ascii", "cp1252"),
        ("utf8", "utf-8"),
        ('"UTF-8"', "utf-8"),
        ("unicode", "utf-8"),
        ("euc-kr", "cp949"),
        ("shift_jis", "cp932"),
        ("utf-7", None),  # refused: it can smuggle markup
        ("klingon", None),
        ("", None),
        (None, None),
    ],
)
def test_labels(label: str | None, codec: str | None) -> None:
    assert normalise_charset(label) == codec


def test_every_override_is_needed_and_the_rest_is_w3libs_table() -> None:
    for label, codec in OVERRIDES.items():
        assert label == label.lower() and normalise_charset(label) == codec
        assert resolve_encoding(label) != codec, f"{label}: w3lib already reads it so; drop the override"
    labels = {*encodings.aliases.aliases, *encodings.aliases.aliases.values()}
    labels |= {label.replace("_", "-") for label in labels}
    for label in sorted(labels - set(OVERRIDES)):
        assert normalise_charset(label) == resolve_encoding(label), label


def test_the_declared_charset_is_read_from_content_type_in_any_case() -> None:
    assert declared_charset({"content-type": "text/html;charset=GBK"}) == "GBK"
    assert declared_charset([("Content-Type", 'text/html; charset="big5"')]) == "big5"
    assert declared_charset({"CONTENT-TYPE": "text/html"}) is None
    assert declared_charset({}) is None and declared_charset(None) is None


@pytest.mark.parametrize(
    "label", ["gb2312", "GBK", "x-gbk", "hz-gb-2312", "latin-1", "big5", "euc-kr", "utf8"]
)
def test_pages_and_documents_read_a_label_alike(label: str) -> None:
    codec = normalise_charset(label)
    assert codec is not None
    samples = {"cp1252": "Caf\u00e9 cr\u00e8me", "big5hkscs": "臺灣新聞", "cp949": "한국 뉴스"}
    text = samples.get(codec, "青岛新闻")
    body = FRONT.format(text=text).encode(codec)
    headers = {"content-type": f"text/html; charset={label}"}
    document = decode_text_document(RawDocument(body, "x.md", "2024-03-01T10:00:00+08:00", headers=headers))
    page, used = decode_html(body, headers)
    assert used == codec and document == page == body.decode(codec)


def test_an_unknown_label_on_a_document_is_its_error() -> None:
    headers = {"Content-Type": "text/html; charset=klingon"}
    with pytest.raises(DocumentError, match="unknown encoding 'klingon'"):
        decode_text_document(
            RawDocument(FRONT.format(text="x").encode(), "x.md", "2024-03-01T10:00:00+08:00", headers=headers)
        )


def test_no_module_keeps_a_charset_table_of_its_own() -> None:
    # A GB label, or a table entry mapping a label to one of the codecs we read labels as.
    label = re.compile(
        r"""["'](?:gb2312|gbk|x-gbk)["']|["'][\w-]+["']\s*:\s*["'](?:gb18030|cp1252|big5hkscs|utf-8)["']""",
        re.IGNORECASE,
    )
    allowed = {REPO_ROOT / "pipelines" / "extract" / "charsets.py"}
    found = [
        f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}"
        for folder in ("crawler", "pipelines", "publish")
        for path in sorted((REPO_ROOT / folder).rglob("*.py"))
        if path not in allowed
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if label.search(line)
    ]
    assert not found, "charset labels belong in pipelines.extract.charsets:\n" + "\n".join(found)
    assert label.search('    "latin1": "cp1252",') and label.search('if label in {"gb2312", "gbk"}:')
