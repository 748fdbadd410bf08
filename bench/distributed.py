"""Crawl workers on Redis: sources crawled per minute with 1, 2 and 3 ``newsarchive worker`` processes.

The same simulated sites each time (local news sites on 127.0.0.1, each with articles of its own and a
per-page latency standing in for the network), a fresh redis-server and fresh shards: every source is queued
(``schedule --redis --once``), the workers crawl until the queue is empty (``--exit-when-idle``), and the
time from their start to the last one's exit gives sources per minute. The load average is sampled while
they run: on a machine of few cores, scaling stops where the crawl processes (Python start-up, Scrapy, one
extraction worker each) use every core.

    python bench/distributed.py                      # 9 sources, 1, 2 and 3 workers
    python bench/distributed.py --sources 6 --workers 1,2 --json out.json
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sqlite3
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.support.distributed import distinct_sites, run, start_worker  # noqa: E402
from tests.support.redis_server import redis_server  # noqa: E402


@dataclass
class Result:
    workers: int
    sources: int
    seconds: float
    per_minute: float
    speedup: float
    load_before: float
    load_peak: float
    load_after: tuple[float, float, float]
    cores: int
    cpu_per_source: float  # CPU seconds (user + system) of the workers and their crawls, per source

    @property
    def ceiling(self) -> float:
        """Sources per minute at which the crawls would use every core: where adding workers stops helping."""
        return self.cores * 60 / self.cpu_per_source if self.cpu_per_source else 0.0

    def line(self) -> str:
        return (
            f"workers={self.workers}: {self.sources} sources in {self.seconds:.1f} s = "
            f"{self.per_minute:.1f} sources/min (x{self.speedup:.2f} of 1 worker); load average "
            f"{self.load_before:.2f} before, {self.load_peak:.2f} peak, now "
            f"{' '.join(f'{x:.2f}' for x in self.load_after)} ({self.cores} cores); "
            f"{self.cpu_per_source:.1f} CPU s per source, so at most {self.ceiling:.1f} sources/min on "
            f"{self.cores} cores"
        )


def sample_load(stop: threading.Event, peak: list[float]) -> None:
    while not stop.wait(1.0):
        peak[0] = max(peak[0], os.getloadavg()[0])


def measure(workers: int, sources: int, articles: int, delay: float, baseline: float | None) -> Result:
    with (
        tempfile.TemporaryDirectory(prefix="bench-distributed-") as folder,
        redis_server() as redis_url,
        distinct_sites(sources, articles=articles, article_delay=delay) as (_, definitions),
    ):
        work = Path(folder)
        (work / "sources.toml").write_text(definitions, encoding="utf-8")
        queued = run(work, "schedule", "--redis", redis_url, "--once", "--db", "archive.db")
        if queued.returncode != 0:
            raise SystemExit(f"schedule --redis failed: {queued.stderr}")
        load_before = os.getloadavg()[0]
        peak = [load_before]
        stop = threading.Event()
        sampler = threading.Thread(target=sample_load, args=(stop, peak), daemon=True)
        sampler.start()
        cpu_before = _children_cpu()
        started = time.monotonic()
        procs = [start_worker(work, redis_url, f"shard{i}.db") for i in range(workers)]
        for proc in procs:
            out, _ = proc.communicate(timeout=3600)
            if proc.returncode != 0:
                raise SystemExit(f"a worker failed (exit {proc.returncode}): {out[-2000:]}")
        seconds = time.monotonic() - started
        cpu = _children_cpu() - cpu_before  # the workers were waited for, and they waited for their crawls
        stop.set()
        sampler.join()
        crawled = count_runs(work, workers)
        if crawled != sources:
            raise SystemExit(f"{crawled} crawls for {sources} sources: a source was missed or crawled twice")
    per_minute = sources / seconds * 60
    return Result(
        workers=workers,
        sources=sources,
        seconds=round(seconds, 2),
        per_minute=round(per_minute, 2),
        speedup=round(per_minute / baseline, 2) if baseline else 1.0,
        load_before=round(load_before, 2),
        load_peak=round(peak[0], 2),
        load_after=tuple(round(x, 2) for x in os.getloadavg()),  # type: ignore[arg-type]
        cores=os.cpu_count() or 1,
        cpu_per_source=round(cpu / sources, 2),
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def count_runs(work: Path, workers: int) -> int:
    """Finished crawls over every worker's shard: each source once, or the measurement is void."""
    total = 0
    for i in range(workers):
        shard = work / f"shard{i}.db"
        if shard.exists():
            with contextlib.closing(sqlite3.connect(shard)) as db:
                total += db.execute("select count(*) from crawl_runs where status = 'finished'").fetchone()[0]
    return total


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sources", type=int, default=9, help="simulated sites, one source each")
    parser.add_argument("--articles", type=int, default=10, help="articles per site (at least 6)")
    parser.add_argument("--delay", type=float, default=0.1, help="seconds each article page takes to answer")
    parser.add_argument("--workers", default="1,2,3", help="worker counts to measure, comma-separated")
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if args.articles < 6:
        parser.error(
            "--articles: at least 6 (the simulated site links six of its articles from fixed places)"
        )

    results: list[Result] = []
    for count in (int(n) for n in args.workers.split(",")):
        baseline = results[0].per_minute if results else None
        result = measure(count, args.sources, args.articles, args.delay, baseline)
        results.append(result)
        print(result.line(), flush=True)
    best = max(results, key=lambda r: r.per_minute)
    print(
        f"scaling: best {best.per_minute:.1f} sources/min with {best.workers} workers; "
        + ", ".join(f"{r.workers}: x{r.speedup:.2f}" for r in results)
    )
    if args.json:
        args.json.write_text(json.dumps([asdict(r) for r in results], indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
