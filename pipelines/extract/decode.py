"""Bytes → str for HTML pages.

Order: BOM, HTTP header charset, ``<meta>`` charset, then detection.  Declarations are
often wrong (CMS templates keep ``gb2312`` after a move to UTF-8, re-encoded archives
keep the original ``<meta>``), so a declaration is only trusted when the bytes agree.

:func:`repair_mojibake` reads back a page that reached us already misread: Chinese bytes (GBK/GB18030 or
UTF-8) decoded with a Western single-byte code page and saved in that reading ("Ž¬³€±»ÓÎÂÖ" for "船长被游轮").
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping
from dataclasses import dataclass

from charset_normalizer import from_bytes

from pipelines.text.cjk import HAN_CORE

from .charsets import GB2312_PROPER, declared_charset, normalise_charset

__all__ = ["MisreadRepair", "decode_html", "normalise_charset", "repair_mojibake"]

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


# -- Text that was misread before it reached us ----------------------------------------------------------

# The Western single-byte code pages a page's bytes get misread with. Each maps every byte it defines to one
# character, so a misreading is undone character by character: U+0000-00FF stand for their own byte (as
# browsers read windows-1252, whose five undefined bytes become the C1 controls of the same number), the
# code page's own characters above U+00FF for theirs. Windows-1252 first (what browsers use for latin-1
# labels), then ISO-8859-15, which puts "Ž" at 0xB4 where windows-1252 has it at 0x8E.
_MISREADINGS = ("windows-1252", "iso-8859-15")


def _back_to_bytes(label: str) -> dict[int, int]:
    """The code page's characters above U+00FF → the character U+00xx of their byte (then ``latin-1``)."""
    codec = normalise_charset(label) or label
    table = {}
    for byte in range(0x80, 0x100):
        try:
            char = bytes([byte]).decode(codec)
        except UnicodeDecodeError:
            continue
        if ord(char) > 0xFF:
            table[ord(char)] = byte
    return table


_TO_BYTES = {name: _back_to_bytes(name) for name in _MISREADINGS}
# Any character none of the code pages produces: one of them (a Han character, a CJK comma) and the page was
# not misread as a whole. Searched first, so a page read right costs a scan up to its first such character.
_NOT_WESTERN = re.compile(
    r"[^\x00-\xff" + re.escape("".join(sorted({chr(c) for table in _TO_BYTES.values() for c in table}))) + "]"
)
_HIGH = re.compile(r"[^\x00-\x7f]")
# Misread Chinese: its non-ASCII characters come in runs (GB2312's characters are two bytes of 0xA1-0xFE, a
# UTF-8 Han character three bytes of 0x80 and above), where French, German or Spanish accents stand alone
# between ASCII letters ("café", "für", "acción"); and there are many of them.
_MIN_HIGH = 40
_MIN_RUN_SHARE = 0.8
_RUN_SAMPLE = 100
_RUN_CHUNK = 8192
_MIN_HAN = 20
_HEAD_CHARS = 4096


@dataclass(frozen=True)
class MisreadRepair:
    """A page read back: its text, the encoding its bytes were in, the code page they were misread with."""

    text: str
    encoding: str
    misread_as: str


def repair_mojibake(text: str) -> MisreadRepair | None:
    """The text read back when it is Chinese that was misread with a Western code page; None otherwise.

    It fires only when every character is one a Western code page gives, most non-ASCII characters stand
    in runs, and the bytes they stand for read as UTF-8 (strictly) or GB18030 (nearly without error) into
    text whose non-ASCII characters are overwhelmingly Han (:func:`_mostly_han`). Latin-script pages fail
    the runs test, and their bytes do not read as Han text."""
    # Cheapest first: a page read right shows a Han character (or another the code pages never give) in its
    # first few kilobytes, a Latin-script page fails the runs test; the whole page is searched last.
    if text.isascii() or _NOT_WESTERN.search(text, 0, _HEAD_CHARS) is not None:
        return None
    if _run_share(text) < _MIN_RUN_SHARE or _NOT_WESTERN.search(text) is not None:
        return None
    readings: list[tuple[float, MisreadRepair]] = []
    for misread_as in _MISREADINGS:
        try:
            raw = text.translate(_TO_BYTES[misread_as]).encode("latin-1")
        except UnicodeEncodeError:
            continue  # a character this code page never gives
        try:
            repaired, encoding = raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            repaired_or_none, encoding = _tolerant(raw, "gb18030"), "gb18030"
            if repaired_or_none is None:
                continue
            repaired = repaired_or_none
        if _mostly_han(repaired) and len(_GB_EVIDENCE.findall(repaired[:20000])) >= _MIN_HAN:
            reading = MisreadRepair(repaired, encoding, misread_as)
            readings.append((_common_share(repaired, encoding), reading))
    # Why a choice: GB18030 gives a character for nearly any byte pair, so the wrong code page's bytes read as
    # Han text too ("幀硛被游轮公藷认稓" beside "船长被游轮公司认定"), of rare characters.
    return max(readings, key=lambda reading: reading[0])[1] if readings else None


def _run_share(text: str) -> float:
    """The share of non-ASCII characters that stand next to another one, among the first _RUN_SAMPLE of them
    (0 with fewer than _MIN_HIGH in the page). Found with bytes.find in ASCII copies of a chunk at a time
    ("?" for each non-ASCII character, one byte a character), up to the chunk that completes the sample: a
    regex over a 200 KB page costs milliseconds."""
    high = together = 0
    for start in range(0, len(text), _RUN_CHUNK):
        marks = text[start : start + _RUN_CHUNK].encode("ascii", errors="replace")
        at = marks.find(b"?")
        while at >= 0:
            at += start
            if text[at] > "\x7f":  # not a "?" of the page's own
                high += 1
                before = at > 0 and text[at - 1] > "\x7f"
                together += before or (at + 1 < len(text) and text[at + 1] > "\x7f")
                if high == _RUN_SAMPLE:
                    return together / high
            at = marks.find(b"?", at - start + 1)
    return together / high if high >= _MIN_HIGH else 0.0


def _common_share(text: str, encoding: str) -> float:
    """How much of the non-ASCII text is everyday Chinese: the share of GB2312's characters (the common
    ones, which a right GB18030 reading is made of) for a GB18030 reading; 1 for strict UTF-8, which a
    wrong reading practically never is."""
    if encoding == "utf-8":
        return 1.0
    high = "".join(_HIGH.findall(text[:20000]))
    return len(high.encode(GB2312_PROPER, errors="ignore")) / (2 * len(high)) if high else 0.0
