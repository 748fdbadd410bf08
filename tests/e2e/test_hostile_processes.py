"""Extraction workers never outlive the process that started them, however it ends: SIGKILL a real
``newsarchive reextract`` (which once left all its workers running), and processes holding the crawl's and
reextract's pools, and every worker is gone within seconds (PR_SET_PDEATHSIG, and a parent watchdog)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.hostile_processes import alive, children, wait_gone
from tests.support.warc import ingest_shipped_seeds

REPO_ROOT = Path(__file__).resolve().parents[2]

POOL_HOLDER = """
import sys, time
if sys.argv[1] == "crawl":
    from crawler.item_pipelines.extract import ExtractPipeline
    executor = ExtractPipeline(None, 2)._new_executor()  # type: ignore[arg-type]
else:
    from pipelines.warc.reextract import _executor
    executor = _executor(2)
list(executor.map(abs, range(8)))
print(" ".join(str(pid) for pid in executor._processes), flush=True)
time.sleep(120)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("pool", ["crawl", "reextract"])
def test_workers_die_with_a_killed_parent(pool: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    holder = subprocess.Popen(
        [sys.executable, "-c", POOL_HOLDER, pool], cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        workers = [int(pid) for pid in holder.stdout.readline().split()]
        assert len(workers) == 2 and all(alive(p) for p in workers)
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    assert wait_gone(workers) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_killed_reextract_leaves_no_worker(tmp_path: Path) -> None:
    ingest_shipped_seeds(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    command = [sys.executable, "-m", "crawler", "reextract", "--db", "a.db", "--workers", "2"]
    for _attempt in range(3):  # the run is short: kill it while its workers are there
        run = subprocess.Popen(
            command, cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        workers: list[int] = []
        while run.poll() is None and len(workers) < 2:
            workers = children(run.pid)
            time.sleep(0.01)
        run.kill()
        run.wait()
        if run.returncode == -signal.SIGKILL and workers:
            break
    else:
        pytest.fail("reextract ended before its workers could be seen")
    assert wait_gone(workers) == []


def test_a_document_over_the_memory_budget_is_a_named_failure_and_the_worker_goes_on() -> None:
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from pipelines.documents.raw import RawDocument
    from pipelines.extract.worker import OverBudget, extract_within_budget, init_worker
    from tests.support.hostile_inputs import page

    def document(name: str, body: str) -> RawDocument:
        return RawDocument(body=body.encode(), name=name, fetched_at="2024-03-01T10:00:00+08:00", path=name)

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=init_worker, initargs=(60.0, 300)) as pool:
        huge = document("huge.html", page(extra="<p>" + "长" * 3_000_000 + "</p>"))  # 9 MB, one line
        with pytest.raises(OverBudget, match=r"^huge.html: over the memory budget \(300 MB per worker\)$"):
            pool.submit(extract_within_budget, huge).result(timeout=120)
        assert pool.submit(extract_within_budget, document("ok.html", page())).result(timeout=60)["title"]
