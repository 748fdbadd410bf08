"""Charset labels: which Python codec a declared charset means, for every decoder (pages and documents).

The table is w3lib's ``resolve_encoding``: Python's codec aliases, then the substitutions browsers make
(WHATWG Encoding Standard): latin-1 and ascii labels read as windows-1252, gb2312 and gbk as GB18030 (the
superset: real "gb2312" pages are nearly always GBK, and the superset loses no character), big5 as
Big5-HKSCS, euc-kr as cp949, shift_jis as cp932, iso-8859-9 as windows-1254, tis-620 as cp874; and it
refuses UTF-7, which can smuggle markup past a reader. ``OVERRIDES`` are looked up first: the labels where
we deliberately differ from it or that it does not know, each with its reason.
"""

from __future__ import annotations

import re

from w3lib.encoding import resolve_encoding

from pipelines.headers import Headers, header_value

__all__ = ["GB2312_PROPER", "OVERRIDES", "declared_charset", "normalise_charset"]

OVERRIDES = {
    # Labels of GBK (the WHATWG standard lists them) that Python's codec registry does not know: GB18030,
    # as for every other GB label.
    "x-gbk": "gb18030",
    "csgb2312": "gb18030",
    "windows-936": "gb18030",
    # A misspelling of gb2312 that Python does not know either; sidecars of front-matter documents could
    # always use it.
    "gb-2312": "gb18030",
    # HZ is a 7-bit mail encoding that browsers refuse to decode (WHATWG maps the label to "replacement").
    # A web page labelled so is read as GB18030 like the other GB labels: its ASCII stays ASCII.
    "hz-gb-2312": "gb18030",
    # WHATWG reads "unicode" as UTF-16LE, but a UTF-16 page starts with a BOM, which decode_html reads
    # before any label; without one, the label is a mislabel of UTF-8.
    "unicode": "utf-8",
}

# GB2312 itself, the codec of its 6,763 everyday Han characters: for measuring how common a text's
# characters are (pipelines.extract.decode.repair_mojibake), never for reading a page (the label is read as
# GB18030 above).
GB2312_PROPER = "gb2312"

_CONTENT_TYPE_CHARSET = re.compile(r"charset\s*=\s*[\"']?\s*([\w.:\-]+)", re.I)


def normalise_charset(label: str | None) -> str | None:
    """The Python codec a charset label is decoded with (None when the label is unknown or refused)."""
    label = (label or "").strip().strip("\"'").strip().lower()
    if not label:
        return None
    return OVERRIDES.get(label) or resolve_encoding(label)


def declared_charset(headers: Headers | None) -> str | None:
    """The charset label the Content-Type header declares, as written (None when it declares none)."""
    content_type = header_value(headers, "content-type")
    match = _CONTENT_TYPE_CHARSET.search(content_type) if content_type else None
    return match.group(1) if match else None
