"""Article images and the lead image (skipping icons, spacers and logos)."""

from __future__ import annotations

import re
from urllib.parse import urljoin

__all__ = ["absolute", "is_tiny"]

# Icons are not lead images: size hints in the URL ("size1_w16_h16", "16x16", "w=20"),
# or explicit small width/height attributes.
_SIZE_IN_URL = re.compile(
    r"(?:^|[_\-/.?&])w(?:idth)?[_=\-]?(\d{1,4})[_\-&x]h(?:eight)?[_=\-]?(\d{1,4})(?!\d)", re.I
)
_WXH = re.compile(r"(?<![\d])(\d{1,4})x(\d{1,4})(?![\d])")
_ICON_NAME = re.compile(
    r"(?:icon|logo|spacer|blank|pixel|transparent|loading|avatar|emoji|arrow|btn|button|sprite)", re.I
)
TINY_PX = 50


def absolute(src: str, base: str | None) -> str | None:
    src = src.strip()
    if not src or src.startswith("data:"):
        return None
    if src.startswith("//"):
        scheme = base.split(":", 1)[0] if base and ":" in base else "https"
        return f"{scheme}:{src}"
    if base:
        return urljoin(base, src)
    return src if re.match(r"https?://", src) else None


def is_tiny(src: str, width: int | None = None, height: int | None = None) -> bool:
    """True for icons/spacers: small declared size or size hints in the file name."""
    if (width is not None and width <= TINY_PX) or (height is not None and height <= TINY_PX):
        return True
    name = src.rsplit("/", 1)[-1]
    for pattern in (_SIZE_IN_URL, _WXH):
        m = pattern.search(name)
        if m and (int(m.group(1)) <= TINY_PX or int(m.group(2)) <= TINY_PX):
            return True
    return bool(_ICON_NAME.search(name)) or name.lower().endswith((".ico", ".svg"))
