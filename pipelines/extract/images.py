"""Article images and the lead image (skipping icons, spacers and logos)."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from .lists import unique
from .locate import text_owners
from .pagemeta import PageMeta

__all__ = ["absolute", "article_images", "is_tiny", "lead_image"]

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


def _container(tree: Any, lines: list[str]) -> Any:
    """The element holding the extracted body: common ancestor of its first and last paragraphs."""
    probes = [line[:20] for line in lines if len(line) >= 12]
    if not probes:
        return None
    # Why xpath: libxml2 finds the few text nodes holding a probe; walking every element
    # from Python cost more than the rest of the extractor together.
    first, last = text_owners(tree, probes[0], probes[-1])
    if first is None:
        return None
    if last is None:
        last = first
    ancestors = {id(el): el for el in first.iterancestors()}
    ancestors[id(first)] = first
    el = last
    while el is not None and id(el) not in ancestors:
        el = el.getparent()
    # A single paragraph is too narrow: its images sit in sibling elements.
    if el is not None and el.tag in ("p", "span", "strong", "b", "em", "font", "a", "li"):
        el = el.getparent()
    return el


def article_images(tree: Any, lines: list[str], page: PageMeta, url: str | None) -> list[str]:
    """The images inside the element holding the body ``lines``, as absolute URLs, in page order."""
    base = page.base_href or url
    container = _container(tree, lines)
    if container is None:
        return []
    found: list[str] = []
    for img in container.iter("img"):
        src = img.get("src") or ""
        lazy = img.get("data-src") or img.get("data-original") or img.get("data-lazy-src")
        # Lazy-loading pages put a placeholder in src and the real picture in data-src.
        if lazy and (not src or src.startswith("data:") or is_tiny(src)):
            src = lazy
        full = absolute(src, base) if src else None
        if full:
            found.append(full)
    return unique(found)


def lead_image(declared: str | None, page: PageMeta, images: list[str], url: str | None) -> str | None:
    """The picture that represents the article: the one the page declares (og:image, as trafilatura read it)
    unless it is an icon, else the first of the body's ``images`` that is not tiny."""
    base = page.base_href or url
    if declared:
        full = absolute(declared, base)
        if full and not is_tiny(full):
            return full
    sizes = {absolute(src, base): size for src, size in page.image_sizes.items()}
    for image in images:
        width, height = sizes.get(image, (None, None))
        if not is_tiny(image, width, height):
            return image
    return None
