"""A real Redis server for the distributed tests: Debian's ``redis-server`` on a free 127.0.0.1 port, in a
temporary folder, stopped afterwards. ``make test`` installs it when missing (the Makefile's ``redis``
target); without it, the tests that need it skip and say so."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.processes import stop

NOT_INSTALLED = "redis-server is not installed (make redis, or apt-get install redis-server)"


def redis_server_path() -> str | None:
    return shutil.which("redis-server") or next(
        (p for p in ("/usr/bin/redis-server", "/usr/sbin/redis-server") if Path(p).exists()), None
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def redis_server(timeout: float = 10.0) -> Iterator[str]:
    """Start redis-server (no persistence, loopback only) and yield its URL; stop it on exit."""
    binary = redis_server_path()
    if binary is None:
        pytest.skip(NOT_INSTALLED)
    folder = Path(tempfile.mkdtemp(prefix="newsarchive-redis-"))
    port = _free_port()
    command = [
        binary, "--port", str(port), "--bind", "127.0.0.1", "--dir", str(folder), "--save", "",
        "--appendonly", "no", "--protected-mode", "yes", "--daemonize", "no", "--loglevel", "warning",
        "--logfile", str(folder / "redis.log"),
    ]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                log = (
                    (folder / "redis.log").read_text(errors="replace")
                    if (folder / "redis.log").exists()
                    else ""
                )
                raise RuntimeError(f"redis-server did not start on port {port}: {log[-500:]}")
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop(process)
        shutil.rmtree(folder, ignore_errors=True)
