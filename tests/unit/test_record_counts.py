"""count_words: characters without whitespace, words with each CJK character a word."""

from __future__ import annotations

import pytest

from pipelines.documents.records import count_words


@pytest.mark.parametrize(
    ("text", "chars", "words"),
    [
        ("", 0, 0),
        ("Hello, world!", 12, 2),
        ("青岛 市南区\u3000发布", 7, 7),
        ("a\u00a0b\u2009c\u200bd", 5, 4),  # a zero-width space splits words but is no whitespace
        ("line one\nline\ttwo\r\n", 14, 4),
        ("2024年5月 GDP增长5.3%", 16, 9),  # 年 月 增 长 + 2024 5 GDP 5 3
    ],
)
def test_counts(text: str, chars: int, words: int) -> None:
    assert count_words(text) == (chars, words)


def test_chars_are_the_non_whitespace_characters() -> None:
    sample = "".join(map(chr, range(0x3100))) + "\u2028\u2029\u3000\ufeff\u200b"
    assert count_words(sample)[0] == sum(not ch.isspace() for ch in sample)
