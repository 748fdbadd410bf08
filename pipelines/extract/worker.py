"""Set-up of an extraction worker process (see crawler.item_pipelines.extract).

Its own module, free of Scrapy: a spawned worker imports the module of its initializer, and importing
Scrapy there would cost each worker ~0.15 s of CPU for nothing (extraction needs pipelines.documents
only).
"""

from __future__ import annotations

import contextlib
import gc
import os
import resource
import signal
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from pipelines.errors import DocumentError
from pipelines.parent_death import signal_on_parent_death

if TYPE_CHECKING:
    from pipelines.documents.raw import RawDocument

# How often a worker checks that its parent is still alive (the watchdog behind PR_SET_PDEATHSIG).
WATCHDOG_INTERVAL = 1.0


# A page's extraction allocates tens of thousands of short-lived objects; with the default threshold (700)
# the collector runs dozens of times a page, each time also walking every long-lived object of the imports.
GC_THRESHOLD = 10_000


# Each document's budget in a worker: seconds of extraction, and the worker's address space. Over either,
# the document is a counted failure naming the limit and its worker is replaced (the caller's pool).
TIME_BUDGET = 60.0
MEMORY_BUDGET_MB = 2048
# The time budget is an alarm, which only interrupts Python code; CPU time past twice the budget (a loop in
# C code) ends the worker with SIGXCPU, which the caller sees as a crashed worker.
_CPU_BACKSTOP = 2.0

_budget: tuple[float, int] | None = None  # (seconds, MB) in a worker; None in any other process
# (seconds, MB) within budget_in_this_process(); None outside it
_inline_budget: tuple[float, int] | None = None


class OverBudget(DocumentError):
    """A document whose extraction went over its worker's time or memory budget."""

    def __reduce__(self) -> tuple[Any, tuple[str, str, bool]]:
        return (_over_budget, (self.input, self.reason, self.not_article))


def _over_budget(input_name: str, reason: str, not_article: bool) -> OverBudget:
    return OverBudget(input_name, reason, not_article=not_article)


class _OutOfTime(BaseException):  # BaseException: no ``except Exception`` in the extractor swallows it
    pass


def init_worker(time_budget: float = TIME_BUDGET, memory_budget_mb: int = MEMORY_BUDGET_MB) -> None:
    """A worker process's set-up; ``time_budget`` seconds per document and ``memory_budget_mb`` of address
    space (0: no limit)."""
    global _budget
    # Ctrl-C reaches the whole process group; the crawl decides how to stop, so workers finish the page in
    # hand instead of dying with it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    _budget = (time_budget, memory_budget_mb)
    if memory_budget_mb > 0:
        limit = memory_budget_mb * 1024 * 1024
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    import pipelines.documents.raw  # noqa: F401  (imported now, while the crawl starts, not at the first page)

    # Why: the imports' objects live as long as the worker; frozen, no collection walks them again.
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD)


def extract_within_budget(doc: RawDocument) -> dict[str, Any]:
    """``record_from_document`` within the worker's budget (``init_worker``) or this process's
    (``budget_in_this_process``); OverBudget when over it. Outside both, ``record_from_document``."""
    from pipelines.documents.raw import record_from_document

    if _budget is None:
        if _inline_budget is None:
            return record_from_document(doc)
        return _inline(doc, *_inline_budget)
    seconds, megabytes = _budget
    if seconds <= 0:
        return _within_memory(doc, megabytes)

    cpu_soft, cpu_hard = resource.getrlimit(resource.RLIMIT_CPU)
    used = resource.getrusage(resource.RUSAGE_SELF)
    backstop = int(used.ru_utime + used.ru_stime + seconds * _CPU_BACKSTOP) + 1
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CPU, (backstop, cpu_hard))
    try:
        with _alarm(doc, seconds):
            return _within_memory(doc, megabytes)
    finally:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_CPU, (cpu_soft, cpu_hard))


@contextlib.contextmanager
def budget_in_this_process(
    time_budget: float | None = None, memory_budget_mb: int | None = None
) -> Iterator[None]:
    """Within the block, ``extract_within_budget`` gives each document the workers' budget without a worker
    (reextract's inline mode): ``time_budget`` seconds (an alarm, in the main thread) and
    ``memory_budget_mb`` more address space than the process holds when the document starts (0: no
    limit); by default the workers' TIME_BUDGET and MEMORY_BUDGET_MB. No CPU-time backstop: SIGXCPU would
    end the whole command, not a worker."""
    global _inline_budget
    budget = (
        TIME_BUDGET if time_budget is None else time_budget,
        MEMORY_BUDGET_MB if memory_budget_mb is None else memory_budget_mb,
    )
    previous, _inline_budget = _inline_budget, budget
    try:
        yield
    finally:
        _inline_budget = previous


def _inline(doc: RawDocument, seconds: float, megabytes: int) -> dict[str, Any]:
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    size = _address_space()
    limited = False
    if megabytes > 0 and size is not None:
        limit = size + megabytes * 1024 * 1024
        if soft == resource.RLIM_INFINITY or limit < soft:
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
                limited = True
    resident = _resident_from_here() if limited else None
    try:
        with _alarm(doc, seconds):
            return _within_memory(doc, megabytes, "per document")
    except DocumentError as exc:
        # libxml2 reports a refused allocation as a parse error ("unknown error"), not a MemoryError: a
        # page that failed after growing by half its budget or more is taken to have met the budget.
        grown = _resident_growth(resident)
        if not isinstance(exc, OverBudget) and grown is not None and grown * 2 >= megabytes * 1024 * 1024:
            raise OverBudget(doc.name, f"over the memory budget ({megabytes} MB per document)") from None
        raise
    finally:
        if limited:
            with contextlib.suppress(ValueError, OSError):
                resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _resident_from_here() -> int | None:
    """This process's resident size in bytes, with the kernel's peak (VmHWM) reset to it (Linux)."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear_refs:
            clear_refs.write("5")  # 5: reset the peak resident size
        return _status_bytes("VmRSS")
    except OSError:
        return None


def _resident_growth(start: int | None) -> int | None:
    """How far the peak resident size rose above ``start`` (from ``_resident_from_here``)."""
    peak = _status_bytes("VmHWM") if start is not None else None
    return None if peak is None or start is None else peak - start


def _status_bytes(field: str) -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024  # kB
    except (OSError, ValueError, IndexError):
        return None
    return None


def _address_space() -> int | None:
    """This process's address space in bytes (Linux), what RLIMIT_AS limits."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        return None


@contextlib.contextmanager
def _alarm(doc: RawDocument, seconds: float) -> Iterator[None]:
    """OverBudget when the block runs past ``seconds`` (an alarm: only the main thread receives signals, so
    elsewhere, or with ``seconds`` <= 0, no limit)."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def out_of_time(signum: int, frame: Any) -> None:
        raise _OutOfTime

    previous = signal.signal(signal.SIGALRM, out_of_time)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    except _OutOfTime:
        raise OverBudget(doc.name, f"over the time budget ({seconds:g} s per document)") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def record_or_reason(doc: RawDocument) -> tuple[dict[str, Any] | None, str | None]:
    """What re-extraction maps over its pages: the record, or why there is none. Defined here, not in
    pipelines.warc.reextract, so that a spawned worker imports only the extractor (not the archive and
    clustering modules, ~0.4 s of start-up per worker)."""
    try:
        return extract_within_budget(doc), None
    except DocumentError as exc:
        return None, exc.reason
    except Exception as exc:  # one bad page must not end a re-extraction of the whole archive
        return None, f"extraction failed: {type(exc).__name__}: {exc}"


def _within_memory(doc: RawDocument, megabytes: int, per: str = "per worker") -> dict[str, Any]:
    from pipelines.documents.raw import record_from_document

    try:
        return record_from_document(doc)
    except MemoryError:
        raise OverBudget(doc.name, f"over the memory budget ({megabytes} MB {per})") from None
    except DocumentError as exc:
        # The extractor turns any exception of a page into that page's failure, MemoryError included.
        if _out_of_memory(exc):
            raise OverBudget(doc.name, f"over the memory budget ({megabytes} MB {per})") from None
        raise


def _out_of_memory(exc: BaseException) -> bool:
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        if isinstance(cause, MemoryError):
            return True
        seen.add(id(cause))
        cause = cause.__cause__ or cause.__context__
    return False


def warm_up() -> None:
    """A first task: makes the pool start its workers (they start at the first task) while the crawl
    fetches its first list pages, instead of when the first article arrives."""


def _die_with_parent() -> None:
    """On Linux, ask the kernel to end this worker when the crawl process dies (even by SIGKILL)."""
    signal_on_parent_death(signal.SIGTERM)  # not Linux: the watchdog below, and the closed pipe
    parent = os.getppid()
    if parent == 1:  # the parent died before prctl took effect
        os._exit(0)
    # Also where prctl is missing, or the kernel's signal went to a thread that has ended (PDEATHSIG fires
    # when the thread that started the worker ends): a worker whose parent is gone is re-parented, and exits.
    threading.Thread(target=_watch_parent, args=(parent,), name="parent-watchdog", daemon=True).start()


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(WATCHDOG_INTERVAL)
    os._exit(0)
