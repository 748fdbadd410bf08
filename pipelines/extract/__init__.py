"""Article extraction for newsarchive: trafilatura plus rules for Chinese news pages.

Public API (others code against it): :func:`extract_article`, :func:`try_extract`,
:class:`ExtractedArticle`, :class:`NotAnArticle`, :func:`decode_html`,
:func:`parse_datetime_text`, ``EXTRACTOR_NAME``, ``EXTRACTOR_VERSION``.
"""

from .core import (
    EXTRACTOR_NAME,
    EXTRACTOR_VERSION,
    ExtractedArticle,
    NotAnArticle,
    extract_article,
    try_extract,
)
from .dates import parse_datetime_text
from .decode import decode_html

__all__ = [
    "EXTRACTOR_NAME",
    "EXTRACTOR_VERSION",
    "ExtractedArticle",
    "NotAnArticle",
    "decode_html",
    "extract_article",
    "parse_datetime_text",
    "try_extract",
]
