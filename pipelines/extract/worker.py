"""Set-up of an extraction worker process (see crawler.item_pipelines.extract).

Its own module, free of Scrapy: a spawned worker imports the module of its initializer, and importing
Scrapy there would cost each worker ~0.15 s of CPU for nothing (extraction needs pipelines.documents
only).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import os
import signal

_PR_SET_PDEATHSIG = 1


# A page's extraction allocates tens of thousands of short-lived objects; with the default threshold (700)
# the collector runs dozens of times a page, each time also walking every long-lived object of the imports.
GC_THRESHOLD = 10_000


def init_worker() -> None:
    # Ctrl-C reaches the whole process group; the crawl decides how to stop, so workers finish the page in
    # hand instead of dying with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    import pipelines.documents.raw  # noqa: F401  (imported now, while the crawl starts, not at the first page)

    # Why: the imports' objects live as long as the worker; frozen, no collection walks them again.
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD)


def warm_up() -> None:
    """A first task: makes the pool start its workers (they start at the first task) while the crawl
    fetches its first list pages, instead of when the first article arrives."""


def _die_with_parent() -> None:
    """On Linux, ask the kernel to end this worker when the crawl process dies (even by SIGKILL)."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass  # not Linux: workers notice the closed pipe on their next task instead
    if os.getppid() == 1:  # the parent died before prctl took effect
        os._exit(0)
