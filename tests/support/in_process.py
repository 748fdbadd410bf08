"""The unit tests' rule, enforced: a test under tests/unit runs in this process. Starting a subprocess (any
way: subprocess, os.fork/posix_spawn/system, multiprocessing) or connecting or binding a socket (to
anything) fails the test; such a test belongs in tests/e2e. ``tests/unit/conftest.py`` turns it on around
each unit test's setup, call and teardown.

In-process stand-ins keep working: datasette's ASGI test client (httpx without a socket), asyncio's event
loop (its wake-up pipe is a ``socketpair``, neither bound nor connected), threads, sqlite files.
"""

from __future__ import annotations

import _posixsubprocess
import multiprocessing.process
import os
import socket
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import pytest

MESSAGE = "unit tests run in-process: move this test to tests/e2e"


class InProcessGuard:
    """While active, the ways out of the process raise ``pytest.fail`` and are remembered, so a test fails
    even when the code under test swallows the exception (a thread, a future, ``except BaseException``)."""

    def __init__(self) -> None:
        self.attempts: list[str] = []

    def refuse(self, what: str) -> NoReturn:
        message = f"{MESSAGE} (it tried to {what})"
        self.attempts.append(message)
        pytest.fail(message)

    def forgive(self) -> None:
        """Forget the attempts so far: for the test that proves the guard fires."""
        self.attempts.clear()

    def _stand_ins(self) -> list[tuple[Any, str, Callable[..., Any]]]:
        refuse = self.refuse

        def popen(process: subprocess.Popen[Any], args: Any, *rest: Any, **kwargs: Any) -> NoReturn:
            refuse(f"start a subprocess: {args!r}")

        def process_start(process: multiprocessing.process.BaseProcess) -> NoReturn:
            refuse(f"start a process: multiprocessing {process!r}")

        def connect(sock: socket.socket, address: Any) -> NoReturn:
            refuse(f"connect a socket to {address!r}")

        def bind(sock: socket.socket, address: Any) -> NoReturn:
            refuse(f"bind a socket to {address!r}")

        def low_level(name: str) -> Callable[..., NoReturn]:
            def refused(*args: Any, **kwargs: Any) -> NoReturn:
                refuse(f"start a process: {name}")

            return refused

        stand_ins: list[tuple[Any, str, Callable[..., Any]]] = [
            (subprocess.Popen, "_execute_child", popen),
            (multiprocessing.process.BaseProcess, "start", process_start),
            (socket.socket, "connect", connect),
            (socket.socket, "connect_ex", connect),
            (socket.socket, "bind", bind),
            # Beneath the above, for whatever reaches the system another way (multiprocessing's helper
            # processes, pty, os.spawn*, a library calling them directly).
            (_posixsubprocess, "fork_exec", low_level("_posixsubprocess.fork_exec")),
        ]
        for name in ("fork", "forkpty", "posix_spawn", "posix_spawnp", "system"):
            if hasattr(os, name):
                stand_ins.append((os, name, low_level(f"os.{name}")))
        return stand_ins

    @contextmanager
    def active(self) -> Iterator[InProcessGuard]:
        """Refuse while inside; then fail if anything was attempted and swallowed on the way."""
        self.attempts.clear()
        try:
            with pytest.MonkeyPatch.context() as patch:
                for owner, name, stand_in in self._stand_ins():
                    patch.setattr(owner, name, stand_in)
                yield self
        except BaseException as error:
            if self.attempts and MESSAGE not in str(error):  # the refusal was turned into another error
                pytest.fail(self._report(), pytrace=False)
            raise
        if self.attempts:
            pytest.fail(self._report(), pytrace=False)

    def _report(self) -> str:
        attempts, self.attempts = self.attempts, []
        return "\n".join(dict.fromkeys(attempts))


GUARD = InProcessGuard()
