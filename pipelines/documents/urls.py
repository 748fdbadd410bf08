"""URL canonicalisation: one spelling per page, so a page reached by two URLs is recognised as one article.

w3lib does the careful part (safe quoting, percent-encoding case, sorted query, dot segments, no fragment).
Tracking parameters are an explicit list: courlan's tracker pattern is made for link filtering and also
matches ids that name pages on Chinese sites (``cid``, ``uid``, ``refid``); dropping one of those would merge
two articles into one, while keeping a tracker only costs a fetch that content deduplication then catches.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from w3lib.url import canonicalize_url as w3lib_canonicalize

# Parameters that only say how a reader got to the page, never which page it is (matched lower-cased).
TRACKING_PARAMS = frozenset(
    {
        "spm",
        "from",
        "scm",
        "share",
        "shareid",
        "sharesource",
        "ref",
        "ref_src",
        "ref_url",
        "referer",
        "referrer",
        "isappinstalled",
        "scene",
        "clicktime",
        "enterid",
        "wxfrom",
        "wx_header",
        "tt_from",
        "toutiao_from",
        "nsukey",
        "fbclid",
        "gclid",
        "yclid",
        "dclid",
        "msclkid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_hsenc",
        "_hsmi",
        "xtor",
        # session ids: one visitor's session, not the page
        "jsessionid",
        "phpsessid",
        "aspsessionid",
        "sid",
        "sessionid",
        "session_id",
        "cfid",
        "cftoken",
    }
)
TRACKING_PREFIXES = ("utm_", "share_", "spm_", "from_", "aspsessionid")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# ";jsessionid=..." and friends inside the path (Java / ASP.NET servers append them to every link).
_PATH_SESSION = re.compile(r";(?:jsessionid|phpsessid|sid|sessionid)=[^/?#]*", re.IGNORECASE)


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonicalize_url(url: str, *, host_aliases: Mapping[str, str] | None = None) -> str:
    """The canonical spelling of a web URL; other URLs (``file:``, ``mailto:``) come back unchanged.

    Scheme and host lower-cased, default port, fragment and tracking / session parameters dropped, query
    sorted, and the host replaced by its alias (e.g. mobile host -> desktop host) when ``host_aliases``
    names it. Idempotent: canonicalising a canonical URL gives it back.
    """
    url = url.strip()
    try:
        return _canonical(url, host_aliases)
    except ValueError:  # a malformed host or port ("http://[::1", ":99999"): left as given, for the
        return url  # fetch policy to refuse, rather than abandoning the page that links to it


def _canonical(url: str, host_aliases: Mapping[str, str] | None) -> str:
    parts = urlsplit(url)
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        return url
    path = _PATH_SESSION.sub("", parts.path)
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
    )
    # w3lib quotes safely (UTF-8 paths, %-case), sorts the query and resolves dot segments.
    safe = urlsplit(w3lib_canonicalize(urlunsplit((parts.scheme, parts.netloc, path, query, ""))))
    scheme = safe.scheme.lower()
    host = (safe.hostname or "").rstrip(".")
    aliases = {k.lower(): v.lower() for k, v in (host_aliases or {}).items()}
    host = aliases.get(host, host)
    if ":" in host:  # an IPv6 address keeps its brackets
        host = f"[{host}]"
    netloc = host if safe.port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{safe.port}"
    return urlunsplit((scheme, netloc, safe.path or "/", safe.query, ""))


def url_keys(*urls: str | None) -> list[str]:
    """Article keys for the URLs a page is known by: canonical spellings first, then the URLs as given.

    The URLs as given stay keys too, so archives written before canonicalisation still find their articles.
    A source's host aliases are applied afterwards, where the source is known (``add_alias_keys``).
    """
    given = [u for u in urls if u]
    canonical = [canonicalize_url(u) for u in given]
    return list(dict.fromkeys([*canonical, *given]))


def add_alias_keys(keys: Iterable[str], host_aliases: Mapping[str, str]) -> list[str]:
    """``keys`` plus the canonical spelling of each URL key under a source's host aliases (first)."""
    keys = list(keys)
    aliased = [canonicalize_url(k, host_aliases=host_aliases) for k in keys if k.startswith("http")]
    return list(dict.fromkeys([*aliased, *keys]))
