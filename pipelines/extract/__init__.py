"""Article extraction for newsarchive: trafilatura plus rules for Chinese news pages.

Public API (others code against it): :func:`extract_page`, :class:`ExtractedArticle`,
:class:`NotAnArticle` (with :class:`ExtractionFailed`: a page that could not be read at all),
:func:`decode_html`, :func:`parse_datetime_text`, ``EXTRACTOR_NAME``, ``EXTRACTOR_VERSION``.

``extractor`` orchestrates and holds no rule; each step's rules are in their own module:

- page in: ``decode`` with ``charsets`` (bytes → text), ``parse`` (one tree), ``pagemeta`` (meta, JSON-LD),
  ``trafilatura_metadata`` (trafilatura's metadata step, for the fields read; htmldate's day when asked)
- body: ``body`` (trafilatura, precision or balanced), ``threads`` (forum and comment posts), ``feeds`` (the
  next article appended below), ``chinese`` (Chinese body clean-up), ``furniture`` (page chrome lines)
- fields: ``language``, ``story`` (headline, lines and credits per language) with ``titles``; ``people`` with
  ``bylines`` (credit parsing); ``page_dates`` with ``dates`` (date text parsing, precision); ``images``;
  ``summary``; ``keywords`` (tags)
- judgement: ``mainblock`` (the page's main text block: a fragment body replaced, lead paragraphs put back),
  ``blocks`` + ``block_model`` (the learned block model over page blocks, weights in ``block_model.json``
  written by ``bench/train_block_model.py``: its body replaces a body it reads as chrome), ``flags`` (what
  looks wrong, stored with the article)
- shared: ``locate`` (tree look-ups by text), ``lists`` (``unique``); ``worker`` sets up an extraction process
"""

from .dates import parse_datetime_text
from .decode import decode_html
from .extractor import (
    EXTRACTOR_NAME,
    EXTRACTOR_VERSION,
    ExtractedArticle,
    ExtractionFailed,
    NotAnArticle,
    extract_page,
)

__all__ = [
    "EXTRACTOR_NAME",
    "EXTRACTOR_VERSION",
    "ExtractedArticle",
    "ExtractionFailed",
    "NotAnArticle",
    "decode_html",
    "extract_page",
    "parse_datetime_text",
]
