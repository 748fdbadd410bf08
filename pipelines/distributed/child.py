"""``python -m pipelines.distributed.child COMMAND...``: run COMMAND (a crawl) so it dies with the worker.

The kernel sends the crawl SIGKILL when its parent, the worker, dies (``PR_SET_PDEATHSIG``, kept across
``exec``), so a worker killed with ``kill -9`` leaves no crawl behind that would keep writing its shard after
its lease lapsed and another worker took the source over. Then the command replaces this process (same pid).
"""

from __future__ import annotations

import os
import signal
import sys

from pipelines.parent_death import signal_on_parent_death


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit("usage: python -m pipelines.distributed.child COMMAND [ARG...]")
    parent = os.getppid()
    # Not Linux: the crawl outlives a killed worker (its lease lapses all the same).
    signal_on_parent_death(signal.SIGKILL)
    if os.getppid() != parent:  # the worker died before prctl took effect
        sys.exit(1)
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main(sys.argv[1:])
