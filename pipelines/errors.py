"""Errors that name the input they are about, so every message a user sees says which file or URL failed."""

from __future__ import annotations

from typing import Any


class DocumentError(Exception):
    """A document that cannot become an article: ``input`` names it, ``reason`` says why in one line."""

    def __init__(self, input_name: str, reason: str, *, not_article: bool = False) -> None:
        super().__init__(f"{input_name}: {reason}")
        self.input = input_name
        self.reason = reason
        # A page that was read fine but is not an article (a list page, an empty page) rather than bad input.
        self.not_article = not_article

    def __reduce__(self) -> tuple[Any, tuple[str, str, bool]]:
        # Keep the fields when the error crosses a process pool boundary.
        return (_rebuild, (self.input, self.reason, self.not_article))


def _rebuild(input_name: str, reason: str, not_article: bool) -> DocumentError:
    return DocumentError(input_name, reason, not_article=not_article)
