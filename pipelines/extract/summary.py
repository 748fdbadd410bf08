"""The summary field: the page's description, else the body's first paragraph."""

from __future__ import annotations

import re

__all__ = ["summary"]


def summary(description: str | None, text: str, lines: list[str]) -> str | None:
    """The page's description (trafilatura's, from its meta tags) unless it is the whole body; otherwise the
    first of the body's ``lines`` when there are several."""
    found = (description or "").strip() or None
    if found and re.sub(r"\s", "", found) == re.sub(r"\s", "", text):
        found = None  # a description that *is* the whole body is no summary
    if found is None and len(lines) > 1:
        found = lines[0]
    return found
