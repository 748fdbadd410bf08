"""One way for a child process to die with its parent (Linux ``prctl(PR_SET_PDEATHSIG)``), shared by the
extraction workers, the scheduler's crawl process and the Redis worker's crawls."""

from __future__ import annotations

import ctypes

_PR_SET_PDEATHSIG = 1


def signal_on_parent_death(signum: int) -> bool:
    """Ask the kernel to send ``signum`` to this process when its parent dies (kept across ``exec``).
    True when the kernel took it; False where prctl is missing (not Linux): callers keep a watchdog.

    ``CDLL(None)`` is the C library already loaded into Python: ``ctypes.util.find_library`` would start
    ``ldconfig`` in a subprocess to find it, for nothing."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, signum)) == 0
    except (OSError, AttributeError):
        return False
