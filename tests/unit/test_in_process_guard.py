"""The unit tests' guard fires: every way out of the process fails the test with the rule, and the in-process
stand-ins (datasette's ASGI client, asyncio's loop) still work."""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import socket
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.support.in_process import MESSAGE, InProcessGuard


def _noop() -> None:
    pass


def popen() -> None:
    subprocess.run([sys.executable, "-c", "pass"], check=False, timeout=30)


def fork() -> None:
    pid = os.fork()
    if pid == 0:  # only if the guard failed to stop it: the child leaves at once
        os._exit(0)
    os.waitpid(pid, 0)


def posix_spawn() -> None:
    pid = os.posix_spawn("/bin/true", ["/bin/true"], dict(os.environ))
    os.waitpid(pid, 0)


def system() -> None:
    os.system("true")


def process_pool() -> None:
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        pool.submit(_noop).result(timeout=60)


def process() -> None:
    child = multiprocessing.get_context("spawn").Process(target=_noop)
    child.start()
    child.join(60)


def connect() -> None:
    with socket.socket() as sock:
        sock.settimeout(1)
        sock.connect(("127.0.0.1", 9))


def connect_ex() -> None:
    with socket.socket() as sock:
        sock.settimeout(1)
        sock.connect_ex(("127.0.0.1", 9))


def bind() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))


@pytest.mark.parametrize(
    "escape",
    [popen, fork, posix_spawn, system, process_pool, process, connect, connect_ex, bind],
)
def test_a_subprocess_or_a_socket_fails_the_unit_test(
    escape: Callable[[], None], in_process_guard: InProcessGuard
) -> None:
    with pytest.raises(pytest.fail.Exception, match=MESSAGE):
        escape()
    in_process_guard.forgive()  # this test's attempts were on purpose


def test_a_unix_socket_is_refused_too(tmp_path: Path, in_process_guard: InProcessGuard) -> None:
    with socket.socket(socket.AF_UNIX) as sock, pytest.raises(pytest.fail.Exception, match=MESSAGE):
        sock.bind(str(tmp_path / "s"))
    in_process_guard.forgive()


def test_an_attempt_the_code_swallows_still_fails_the_test(in_process_guard: InProcessGuard) -> None:
    with (
        pytest.raises(pytest.fail.Exception, match=MESSAGE),
        in_process_guard.active(),
        ThreadPoolExecutor(1) as pool,
    ):
        # The refusal stays inside the future, as it may in real code: the guard still fails the test.
        pool.submit(popen).exception(timeout=60)


async def test_asyncio_and_the_in_process_asgi_client_work() -> None:
    from datasette.app import Datasette

    assert await asyncio.sleep(0, result="loop") == "loop"  # the loop's wake-up socketpair is allowed
    response = await Datasette(memory=True).client.get("/-/versions.json")
    assert response.status_code == 200
