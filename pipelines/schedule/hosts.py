"""The scheduler's crawl processes: a fixed number of long-lived ``python -m crawler.crawl_host`` children,
each running many sources' crawls at once; this module starts them, hands them crawls and reads their
reports (JSON lines, described in crawler/crawl_host.py). No Scrapy here.

A crawl process is started when the first crawl needs it, and again after it died. All of them are
started from one thread that lives as long as the scheduler: the kernel's PR_SET_PDEATHSIG, with which a
crawl process dies with the scheduler, fires when the *thread* that started it ends, not only the process.
They run in their own session, so a Ctrl-C on the terminal reaches only the scheduler, which forwards it.
"""

from __future__ import annotations

import json
import logging
import queue
import signal
import subprocess
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import suppress
from dataclasses import dataclass, field
from typing import IO, Any

log = logging.getLogger("newsarchive.schedule")


@dataclass
class HostedCrawl:
    """One crawl handed to a crawl process: its first report (started, or skipped/ended without starting)
    and its last (skipped, ended, or the process died)."""

    key: str
    pid: int
    begun: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    run_id: int | None = None
    started: bool = False
    report: dict[str, Any] = field(default_factory=dict)

    def wait_begun(self) -> None:
        self.begun.wait()

    def wait(self) -> dict[str, Any]:
        self.done.wait()
        return self.report


class _Spawner:
    """Runs ``subprocess.Popen`` on one long-lived thread (see the module's docstring)."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[Callable[[], Any], Future[Any]]] = queue.Queue()
        threading.Thread(target=self._run, name="crawl-process-spawner", daemon=True).start()

    def _run(self) -> None:
        while True:
            job, future = self._jobs.get()
            try:
                future.set_result(job())
            except BaseException as exc:  # handed to the caller
                future.set_exception(exc)

    def call(self, job: Callable[[], Any]) -> Any:
        future: Future[Any] = Future()
        self._jobs.put((job, future))
        return future.result()


class CrawlProcess:
    """One crawl process and the crawls it runs."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.pid = process.pid
        self.crawls: dict[str, HostedCrawl] = {}
        self._guard = threading.Lock()
        self._reader = threading.Thread(target=self._read, name=f"crawl-process-{self.pid}", daemon=True)
        self._reader.start()

    @property
    def alive(self) -> bool:
        return self.process.poll() is None and self._reader.is_alive()

    @property
    def in_flight(self) -> int:
        with self._guard:
            return len(self.crawls)

    def _send(self, message: dict[str, Any]) -> bool:
        stdin: IO[str] | None = self.process.stdin
        try:
            assert stdin is not None
            stdin.write(json.dumps(message) + "\n")
            stdin.flush()
        except (BrokenPipeError, ValueError, OSError, AssertionError):
            return False
        return True

    def submit(self, key: str) -> HostedCrawl | None:
        """Hand it a crawl of ``key``; None when it is gone (or already runs one of ``key``)."""
        crawl = HostedCrawl(key, self.pid)
        with self._guard:
            if key in self.crawls:
                return None
            self.crawls[key] = crawl
        if not self._send({"crawl": key}):
            with self._guard:
                self.crawls.pop(key, None)
            return None
        return crawl

    def drain(self) -> None:
        """No more crawls: it exits once the running ones have ended."""
        self._send({"drain": True})
        with suppress(OSError, ValueError):
            if self.process.stdin is not None:
                self.process.stdin.close()

    def signal(self, signum: int) -> None:
        with suppress(ProcessLookupError):
            self.process.send_signal(signum)

    def wait(self, timeout: float | None = None) -> int | None:
        try:
            code = self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        self._reader.join(timeout=5)
        return code

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            try:
                report = json.loads(raw)
                key = str(report["key"])
            except (ValueError, KeyError, TypeError):
                log.warning("crawl process %s: unreadable report %r", self.pid, raw[:200])
                continue
            with self._guard:
                crawl = self.crawls.get(key)
                if crawl is not None and report.get("event") != "started":
                    del self.crawls[key]
            if crawl is None:
                continue
            if report.get("event") == "started":
                crawl.started = True
                crawl.run_id = report.get("run_id")
                crawl.begun.set()
            else:
                crawl.report = report
                crawl.run_id = report.get("run_id", crawl.run_id)
                crawl.begun.set()
                crawl.done.set()
        # Its pipe closed: it exited (or was killed); whatever it still ran ended with it.
        code = self.process.wait()
        with self._guard:
            left, self.crawls = list(self.crawls.values()), {}
        for crawl in left:
            crawl.report = {"key": crawl.key, "event": "died", "code": code, "run_id": crawl.run_id}
            crawl.begun.set()
            crawl.done.set()


class CrawlProcesses:
    """A fixed number of crawl processes; each crawl goes to the one with the fewest in flight."""

    def __init__(self, argv: list[str], count: int = 1) -> None:
        self.argv = argv
        self.count = max(1, count)
        self.processes: list[CrawlProcess | None] = [None] * self.count
        self._guard = threading.Lock()
        self._spawner = _Spawner()

    def _start(self) -> CrawlProcess:
        process = self._spawner.call(
            lambda: subprocess.Popen(
                self.argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                start_new_session=True,  # the terminal's Ctrl-C is for us; we forward it (once)
            )
        )
        log.info("crawl process %s started", process.pid)
        return CrawlProcess(process)

    def submit(self, key: str) -> HostedCrawl | None:
        """Hand a crawl of ``key`` to the least busy crawl process (started if it is not running)."""
        with self._guard:
            for index, process in enumerate(self.processes):
                if process is None or not process.alive:
                    if process is not None:
                        log.warning("crawl process %s ended (exit %s)", process.pid, process.process.poll())
                    self.processes[index] = self._start()
            running = [p for p in self.processes if p is not None]
            chosen = min(running, key=lambda p: p.in_flight)
        return chosen.submit(key)

    def running(self) -> list[CrawlProcess]:
        with self._guard:
            return [p for p in self.processes if p is not None and p.process.poll() is None]

    def signal(self, signum: int = signal.SIGTERM) -> None:
        for process in self.running():
            log.info("asking crawl process %s to stop (%s)", process.pid, signal.Signals(signum).name)
            process.signal(signum)

    def close(self, timeout: float | None = None) -> None:
        """Let every crawl process end its crawls and exit; wait for them."""
        with self._guard:
            processes = [p for p in self.processes if p is not None]
        for process in processes:
            process.drain()
        for process in processes:
            if process.wait(timeout) is None:
                log.warning("crawl process %s did not exit in %s s: killed", process.pid, timeout)
                process.signal(signal.SIGKILL)
                process.wait()
