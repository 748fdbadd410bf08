"""Stopping a long-running command on SIGTERM or SIGINT: the scheduler, the Redis worker, the dispatcher."""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType


@contextmanager
def stop_on_signals(
    on_signal: Callable[[], None], *, log: logging.Logger, meaning: str = "stopping"
) -> Iterator[None]:
    """Call ``on_signal`` on each SIGTERM / SIGINT while inside, then restore the previous handlers. Outside
    the main thread (where Python cannot take signals) nothing is installed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(signum: int, frame: FrameType | None) -> None:
        log.warning("received %s: %s", signal.Signals(signum).name, meaning)
        on_signal()

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
