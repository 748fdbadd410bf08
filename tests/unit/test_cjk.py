"""pipelines.text.cjk is the one definition of a CJK character: word counts, shingles, search bigrams,
snippets and the Chinese extraction rules all classify a character the same way, and no module keeps a
range of its own."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipelines.archive.search_text import index_text
from pipelines.dedup.near import is_chinese, shingle_set
from pipelines.documents.frontmatter import parse_front_matter
from pipelines.documents.records import count_words
from pipelines.extract.bylines import person_names
from pipelines.extract.chinese import is_chinese_text
from pipelines.text.cjk import CJK_CHAR, HAN_CHAR, HANGUL_CHAR, KANA_CHAR, is_cjk, is_han
from publish.snippets import match_pattern

REPO_ROOT = Path(__file__).resolve().parents[2]

HAN = {
    "青": "CJK Unified Ideographs",
    "\u3400": "Extension A",
    "\U00020000": "Extension B",
    "\U00030000": "Extension G",
    "\uf900": "a CJK Compatibility Ideograph",
    "\ufa0e": "a unified ideograph inside the compatibility block",
}
OTHER_CJK = {
    "あ": "hiragana",
    "カ": "katakana",
    "\u31f0": "Katakana Phonetic Extensions",
    "한": "a hangul syllable",
    "\u1100": "a hangul jamo",
}
# Word characters that are not CJK: they join the letters around them into one word.
NOT_CJK = {
    "々": "the ideographic iteration mark (CJK punctuation block)",
    "ａ": "a fullwidth Latin letter",
    "A": "a Latin letter",
    "я": "a Cyrillic letter",
}
SAMPLES = {**HAN, **OTHER_CJK, **NOT_CJK}


def test_the_blocks() -> None:
    assert all(is_cjk(ch) and is_han(ch) for ch in HAN)
    assert all(is_cjk(ch) and not is_han(ch) for ch in OTHER_CJK)
    assert not any(is_cjk(ch) for ch in NOT_CJK)
    assert not any(is_cjk(ch) for ch in "〇。，「」　1１\u4dc0")  # punctuation, digits, symbols
    assert all(KANA_CHAR.fullmatch(ch) for ch in "あカ\u31f0") and not KANA_CHAR.search("青한")
    assert all(HANGUL_CHAR.fullmatch(ch) for ch in "한\u1100") and not HANGUL_CHAR.search("青あ")
    assert is_cjk("青岛あ한") and not is_cjk("青岛 市") and not is_cjk("")


@pytest.mark.parametrize("ch", list(SAMPLES), ids=[f"U+{ord(c):04X} {d}" for c, d in SAMPLES.items()])
def test_word_counts_shingles_search_and_snippets_classify_alike(ch: str) -> None:
    cjk = is_cjk(ch)
    # Word counts: each CJK character is a word; other letters in a row are one word.
    assert count_words(ch * 3) == (3, 3 if cjk else 1)
    # Search: a CJK run is indexed as its bigrams plus its last character; other text as it is.
    assert (index_text(ch * 3) == f"{ch * 2} {ch * 2} {ch}") is cjk
    assert (index_text(ch * 3) == ch * 3) is not cjk
    # Shingles: mostly-CJK text is shingled by characters (so one long "word" still has shingles).
    assert is_chinese(ch * 40) is cjk
    assert bool(shingle_set([ch * 40])) is cjk
    # Snippets: between the CJK words of a phrase only spaces may stand, between other words punctuation too.
    pattern = match_pattern(f'"{ch} {ch}"')
    assert pattern is not None and pattern.fullmatch(f"{ch} {ch}")
    assert (pattern.fullmatch(f"{ch}，{ch}") is None) is cjk


@pytest.mark.parametrize("ch", list(HAN))
def test_the_chinese_rules_take_every_han_character(ch: str) -> None:
    # Names, language detection and the front-matter reader's language guess use the Han part of the class.
    assert person_names(f"王{ch}明") == [f"王{ch}明"]
    assert is_chinese_text(ch * 12)
    front = parse_front_matter(f"---\ntitle: t\ndate: 2024-03-01\n---\n<p>{ch * 20}</p>\n", "x.md")
    assert front.timezone == "Asia/Shanghai"  # the default of a document read as Chinese


def test_kana_and_hangul_are_cjk_but_not_chinese() -> None:
    assert is_chinese("ニュースの記事です" * 5) and is_chinese("뉴스 기사입니다" * 5)
    assert not is_chinese_text("これは日本語のニュース記事で、漢字も少し含まれています。" * 3)
    assert not is_chinese_text("한국어 뉴스 기사에는 漢字가 조금 들어 있습니다 東京 大阪 京都 名古屋" * 3)
    assert person_names("田中あや") is None


# A range of CJK code points written in source: "\u4e00-\u9fff", "\U00020000", "0x4e00", "一-龥", or a
# comparison such as '"\u4e00" <= ch'.
_RANGE = re.compile(
    r"\\u(?:1100|11ff|3040|30a0|30ff|31f0|3400|4dbf|4e00|9f[a-f][0-9a-f]|ac00|d7a[0-9a-f]|f900|faff)"
    r"|\\U000[23]|0x(?:3400|4e00|9fff|ac00|20000)|\[[^\]]*[\u3400-\u9fff]-[\u3400-\u9fff]",
    re.IGNORECASE,
)


def test_no_module_defines_cjk_characters_again() -> None:
    allowed = {REPO_ROOT / "pipelines" / "text" / "cjk.py"}
    found = [
        f"{path.relative_to(REPO_ROOT)}:{number}: {line.strip()}"
        for folder in ("crawler", "pipelines", "publish", "bench")
        for path in sorted((REPO_ROOT / folder).rglob("*.py"))
        if path not in allowed
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if _RANGE.search(line)
    ]
    assert not found, "use pipelines.text.cjk instead of another CJK range:\n" + "\n".join(found)
    assert _RANGE.search(r'_CJK = re.compile(r"[\u4e00-\u9fa5]")') and _RANGE.search("[一-龥]")


def test_the_class_matches_astral_characters_one_at_a_time() -> None:
    text = "\U00020000\U0002a6d6青"
    assert CJK_CHAR.findall(text) == list(text) and HAN_CHAR.findall(text) == list(text)
