"""pywb and py-wacz, run as their users run them, for the replay tests.

They live in their own environment (``make replay-tools`` -> ``.venv-replay``, from
``requirements-replay.lock``): pywb pins redis==2.10.6 and pyOpenSSL<26.2, which the project's own
environment cannot hold. ``NEWSARCHIVE_REPLAY_BIN`` points elsewhere. Without them a replay test skips
and says how to install them, except under CI (``CI`` set), where it fails: CI must prove the replay.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.processes import stop

REPO = Path(__file__).resolve().parents[2]
REPLAY_BIN = Path(os.environ.get("NEWSARCHIVE_REPLAY_BIN") or REPO / ".venv-replay" / "bin")


def tool(name: str) -> Path:
    """The path of a replay tool (``wayback``, ``wb-manager``, ``wacz``, ``cdx-indexer``)."""
    path = REPLAY_BIN / name
    if not path.exists():
        message = f"no {name} in {REPLAY_BIN}: run `make replay-tools` (or set NEWSARCHIVE_REPLAY_BIN)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return path


def run_tool(
    name: str, *args: str | Path, cwd: Path, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(tool(name)), *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def new_collection(root: Path, name: str) -> Path:
    """``wb-manager init NAME`` in ``root``: a pywb collection (archive/, indexes/); its folder."""
    done = run_tool("wb-manager", "init", name, cwd=root)
    assert done.returncode == 0, done.stderr
    return root / "collections" / name


def add_to_collection(root: Path, name: str, *files: Path, unpack_wacz: bool = False) -> None:
    """``wb-manager add NAME FILES``: pywb copies the WARC files in and indexes them with its own indexer
    (or, for a WACZ with ``--unpack-wacz``, takes its WARC files and the index inside it)."""
    flags = ["--unpack-wacz"] if unpack_wacz else []
    done = run_tool("wb-manager", "add", *flags, name, *files, cwd=root)
    assert done.returncode == 0, done.stderr


def collection_from_index(root: Path, name: str, warc_files: Sequence[Path], index: Path) -> None:
    """A collection whose index is ``index`` as given (not pywb's own): the files in archive/, the index
    in indexes/, as pywb's documentation lays a collection out by hand."""
    folder = new_collection(root, name)
    for path in warc_files:
        shutil.copy(path, folder / "archive" / path.name)
    shutil.copy(index, folder / "indexes" / index.name)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Replayed:
    status: int
    headers: dict[str, str]
    body: bytes


@dataclass
class Wayback:
    base_url: str

    def get(self, collection: str, timestamp: str, url: str, *, mode: str = "id_") -> Replayed:
        """A capture of ``url`` as pywb replays it: ``id_`` is the archived response as it was (no link
        rewriting, no banner); pywb redirects a timestamp to the closest capture's, which is followed."""
        address = f"{self.base_url}/{collection}/{timestamp}{mode}/{url}"
        try:
            with urllib.request.urlopen(address, timeout=30) as response:
                return Replayed(response.status, dict(response.headers.items()), response.read())
        except urllib.error.HTTPError as error:
            return Replayed(error.code, dict(error.headers.items()), error.read())


@contextmanager
def serve_wayback(root: Path) -> Iterator[Wayback]:
    """pywb's ``wayback`` serving the collections under ``root`` on 127.0.0.1 at a free port."""
    port = _free_port()
    log = (root / "wayback.log").open("w")
    process = subprocess.Popen(
        [str(tool("wayback")), "--port", str(port), "--bind", "127.0.0.1", "--directory", str(root)],
        cwd=root,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    raise RuntimeError(
                        "wayback did not start: " + (root / "wayback.log").read_text()
                    ) from None
                time.sleep(0.2)
        yield Wayback(f"http://127.0.0.1:{port}")
    finally:
        stop(process)
        log.close()
