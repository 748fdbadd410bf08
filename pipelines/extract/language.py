"""The language field, and the one decision most rules hang on: is this a Chinese page?"""

from __future__ import annotations

import re

from .chinese import is_chinese_text
from .pagemeta import PageMeta

__all__ = ["declared_language", "is_chinese_page", "lang_code", "looks_chinese"]

# Han characters are also written in Japanese and Korean; a page declaring either is never "Chinese".
_HAN_BUT_NOT_CHINESE = ("ja", "ko")


def lang_code(value: str | None) -> str | None:
    """The primary language subtag of a language tag or locale, lower-cased ("zh-CN" → "zh")."""
    if not value:
        return None
    m = re.match(r"\s*([A-Za-z]{2,3})(?:[-_]|\s|$)", value)
    return m.group(1).lower() if m else None


def declared_language(page: PageMeta) -> str | None:
    """The language the page declares: ``<html lang>``, else its content-language or og:locale meta."""
    return lang_code(page.html_lang) or lang_code(
        page.meta.get("content-language") or page.meta.get("og:locale")
    )


def looks_chinese(page: PageMeta) -> bool:
    """Before extraction: does the page declare Chinese, or is its title/lead Chinese?"""
    lang = lang_code(page.html_lang)
    if lang in _HAN_BUT_NOT_CHINESE:
        return False
    sample = " ".join(x for x in (page.title, page.h1, page.meta.get("description")) if x)
    return lang == "zh" or is_chinese_text(sample, min_han=4)


def is_chinese_page(body_text: str, declared: str | None) -> bool:
    """After extraction: the Chinese rules apply when the body is Chinese text and the page does not
    declare Japanese or Korean (``declared`` is :func:`declared_language`)."""
    return is_chinese_text(body_text) and declared not in _HAN_BUT_NOT_CHINESE
