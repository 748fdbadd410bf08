"""Bytes → str for HTML pages.

Order: BOM, HTTP header charset, ``<meta>`` charset, then detection.  Declarations are
often wrong (CMS templates keep ``gb2312`` after a move to UTF-8, re-encoded archives
keep the original ``<meta>``), so a declaration is only trusted when the bytes agree.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping

from charset_normalizer import from_bytes

from pipelines.text.cjk import HAN_CORE

from .charsets import declared_charset, normalise_charset

__all__ = ["decode_html", "normalise_charset"]

_CJK_FAMILY = {
    "gb18030",
    "big5hkscs",
    "big5",
    "euc_jp",
    "shift_jis",
    "cp932",
    "euc_kr",
    "cp949",
    "iso2022_jp",
}

# What a right GB18030 reading of Chinese text is made of (see _mostly_han).
_GB_EVIDENCE = re.compile(f"[{HAN_CORE}\u3000-\u303f\uff00-\uffef]")

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)

_META_CHARSET = re.compile(rb"<meta\b[^>]*?charset\s*=\s*[\"']?\s*([\w.:\-]+)", re.I)

# A declared legacy charset is accepted despite a few undecodable bytes (truncated
# characters in CMS output are common), but not when errors are frequent.
_MAX_ERROR_RATIO = 1 / 2000


def _meta_charset(body: bytes) -> str | None:
    match = _META_CHARSET.search(body[:8192])
    return match.group(1).decode("ascii", "ignore") if match else None


def _tolerant(body: bytes, encoding: str) -> str | None:
    """Decode if the bytes (nearly) fit the encoding, else None."""
    try:
        return body.decode(encoding)
    except UnicodeDecodeError:
        pass
    except LookupError:
        return None
    text = body.decode(encoding, errors="replace")
    if text.count("\ufffd") <= max(1, len(text) * _MAX_ERROR_RATIO):
        return text
    return None


def decode_html(body: bytes, headers: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Return ``(text, encoding used)`` for the raw bytes of a page."""
    for bom, encoding in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(encoding, errors="replace"), encoding

    declared = [
        enc
        for enc in (normalise_charset(declared_charset(headers)), normalise_charset(_meta_charset(body)))
        if enc
    ]

    # Valid UTF-8 with non-ASCII bytes is practically never a legacy encoding by chance,
    # so it beats a (frequently stale) gb2312/gbk/latin-1 declaration.
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if body.isascii() and declared and not declared[0].startswith("utf-16"):
            return text, declared[0]
        return text, "utf-8"

    for encoding in declared:
        if encoding in ("utf-8", "utf-16", "utf-16-le", "utf-16-be"):
            continue  # already known not to fit (or a lie: HTML over the wire is not UTF-16 without BOM)
        text_or_none = _tolerant(body, encoding)
        if text_or_none is not None:
            return text_or_none, encoding

    # Detection.  Chinese legacy pages are the common case among non-UTF-8 pages; GB18030
    # decodes every GBK byte pair, so when detection agrees on a CJK family, use GB18030.
    guess = from_bytes(body[:20000] if len(body) > 40000 else body).best()
    guessed = normalise_charset(guess.encoding) if guess is not None else None
    if guessed in (None, "gb18030") or (
        guessed not in _CJK_FAMILY and any(e in ("gb18030", "utf-8") for e in declared)
    ):
        # The second case: a page that lies about UTF-8 (or GBK) and that detection could
        # not place is, when its GB18030 reading is overwhelmingly Han, Chinese.
        gb_text = _tolerant(body, "gb18030")
        if gb_text is not None and (guessed == "gb18030" or _mostly_han(gb_text)):
            return gb_text, "gb18030"
    if guessed is not None:
        text_or_none = _tolerant(body, guessed)
        if text_or_none is not None:
            return text_or_none, guessed
    fallback = declared[0] if declared else "utf-8"
    return body.decode(fallback, errors="replace"), fallback


def _mostly_han(text: str) -> bool:
    """True when non-ASCII characters are overwhelmingly Han ideographs of the core block (HAN_CORE, see
    pipelines.text.cjk), CJK punctuation and fullwidth forms."""
    non_ascii = [ch for ch in text[:20000] if ord(ch) > 0x7F]
    if not non_ascii:
        return False
    han = len(_GB_EVIDENCE.findall("".join(non_ascii)))
    return han / len(non_ascii) > 0.9
