"""Case-insensitive look-up of HTTP headers, in the two shapes this project holds them.

A mapping of name to value (a document's ``headers``: a sidecar's, an item's, ``captures.headers``), or a
list of (name, value) pairs (a WARC record's HTTP headers, a request's headers on their way into WARC).
Header names are case-insensitive (RFC 9110), but the names are kept as they came: a look-up compares them
case-folded and returns the first header of that name.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Headers = Mapping[str, Any] | Iterable[tuple[str, Any]]


def _items(headers: Headers | None) -> Iterable[tuple[str, Any]]:
    if headers is None:
        return ()
    return headers.items() if isinstance(headers, Mapping) else headers


def header_key(headers: Headers | None, name: str) -> str | None:
    """The name of the first header called ``name`` in any case, as it is written in ``headers``."""
    wanted = name.lower()
    return next((str(key) for key, _ in _items(headers) if str(key).lower() == wanted), None)


def header_value(headers: Headers | None, name: str) -> str | None:
    """The value of the first header called ``name`` in any case, None when there is none."""
    wanted = name.lower()
    return next((str(value) for key, value in _items(headers) if str(key).lower() == wanted), None)


def with_header(headers: Headers | None, name: str, value: str) -> dict[str, str]:
    """A copy of ``headers`` as a dict in which ``name: value`` replaces every header of that name, in any
    case."""
    wanted = name.lower()
    kept = {str(key): str(old) for key, old in _items(headers) if str(key).lower() != wanted}
    return {**kept, name: value}
