"""What a CJK character is: defined here once, for every module that treats such text differently.

Chinese, Japanese and Korean text is handled character by character where other text is handled word by
word: each CJK character is a word (``pipelines.documents.records.count_words``), mostly-CJK text is
shingled by characters (``pipelines.dedup.near``), CJK runs are indexed as bigrams
(``pipelines.archive.search_text``) and highlighted without separators (``publish.snippets``). Those modules
must agree, so they all use ``CJK``; the extraction rules for Chinese pages use its Han part.

The blocks, and why:

- Han (``HAN``): CJK Unified Ideographs U+4E00–9FFF and Extension A U+3400–4DBF; the CJK Compatibility
  Ideographs U+F900–FAFF (Big5 and KS X 1001 round-trip duplicates: NFKC folds them into unified ones, but
  extraction sees the page before any normalisation); planes 2 and 3, U+20000–3FFFF (Extensions B to I and
  the compatibility supplement: rare characters, mostly of personal and place names).
- Kana (``KANA``): Hiragana and Katakana U+3040–30FF, Katakana Phonetic Extensions U+31F0–31FF.
- Hangul (``HANGUL``): Jamo U+1100–11FF and Syllables U+AC00–D7AF.

Left out on purpose: CJK symbols and punctuation U+3000–303F (。、「」 and also 々 and 〇), fullwidth forms
U+FF00–FFEF (punctuation, digits and Latin letters in another width), radicals, strokes and the Yijing
hexagram symbols U+4DC0–4DFF (symbols, not letters).

Changing ``CJK`` changes stored derived data: the search index text (re-index the FTS table) and the
near-duplicate shingles (bump ``pipelines.dedup.near.INDEX_SIGNATURE``).
"""

from __future__ import annotations

import re

# Character-class bodies (the part between "[" and "]"), to combine into larger classes.
HAN = (
    "\u3400-\u4dbf"  # CJK Unified Ideographs Extension A
    "\u4e00-\u9fff"  # CJK Unified Ideographs
    "\uf900-\ufaff"  # CJK Compatibility Ideographs
    "\U00020000-\U0003ffff"  # Supplementary and Tertiary Ideographic Planes: Extensions B to I
)
KANA = "\u3040-\u30ff\u31f0-\u31ff"  # Hiragana, Katakana, Katakana Phonetic Extensions
HANGUL = "\u1100-\u11ff\uac00-\ud7af"  # Hangul Jamo, Hangul Syllables
# The scripts written without spaces between words, handled character by character.
CJK = HAN + KANA + HANGUL

# A variant on purpose: the CJK Unified Ideographs block alone, which holds every Han character of GB2312
# and nearly all of GBK's. pipelines.extract.decode counts only these as evidence that a GB18030 reading of
# unlabelled bytes is right: GB18030's four-byte sequences, which a wrong reading also produces, decode to
# Extension A and the supplementary planes instead.
HAN_CORE = "\u4e00-\u9fff"

CJK_CHAR = re.compile(f"[{CJK}]")
CJK_RUN = re.compile(f"[{CJK}]+")
# A word of other scripts: a run of letters, digits (and "_") that holds no CJK character.
OTHER_WORD = re.compile(f"[^\\W{CJK}]+")
HAN_CHAR = re.compile(f"[{HAN}]")
HAN_RUN = re.compile(f"[{HAN}]+")
KANA_CHAR = re.compile(f"[{KANA}]")
HANGUL_CHAR = re.compile(f"[{HANGUL}]")


def is_cjk(text: str) -> bool:
    """True for a CJK character, or a word made only of them."""
    return CJK_RUN.fullmatch(text) is not None


def is_han(text: str) -> bool:
    """True for a Han character, or a word made only of them."""
    return HAN_RUN.fullmatch(text) is not None
