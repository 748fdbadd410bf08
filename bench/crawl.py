#!/usr/bin/env python
"""Crawl benchmark: pages per second of a real ``newsarchive crawl`` against a local site, end to end,
side by side with a plain one-process loop of trafilatura's ``bare_extraction`` over the same pages.

    python bench/crawl.py [--pages 1000] [--workers N] [--datasets DIR | --synthetic] [--json PATH]

The site (home page, numbered list pages linking every article, robots.txt, N article pages) is rendered
in memory and served on 127.0.0.1 by a separate process, so its cost shows as its own process. Article
pages are the real pages of ../shared/datasets (*/pages/*.html.gz, cycled to reach N) when present, else
the synthetic articles of tests/support/local_site.py. The crawl is the real CLI in a subprocess, timed from
start to exit; its counts come from its crawl_runs row. See bench/README_crawl.md.
"""

from __future__ import annotations

import argparse
import gzip
import json
import multiprocessing
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

DEFAULT_DATASETS = REPO.parent / "shared" / "datasets"
ARTICLE_PATH = "/bench/article/{}.html"
LIST_PATH = "/bench/list/{}.html"
EMPTY_PATH = "/bench/empty.html"
PER_LIST_PAGE = 50
TARGET_RATIO = 1.5
WARM_UP = (
    "<html><head><title>热身</title></head><body><article><h1>热身</h1>"
    + "<p>这是一段用于预热抽取器的文字，不计入计时。</p>" * 5
    + "</article></body></html>"
).encode()


@dataclass(frozen=True)
class ArticlePage:
    body: bytes
    content_type: str


# -- the pages -----------------------------------------------------------------------------------------------


def dataset_pages(root: Path) -> list[ArticlePage]:
    """Every real page under ``root``/*/pages/*.html.gz, gunzipped, in a stable order."""
    files = sorted(root.glob("*/pages/*.html.gz")) if root.is_dir() else []
    # The datasets carry no response headers: serve plain text/html and let the page's <meta> decide.
    return [ArticlePage(gzip.decompress(f.read_bytes()), "text/html") for f in files]


def synthetic_pages(count: int) -> list[ArticlePage]:
    """The local portal's articles (UTF-8 template A and GBK template B, every charset declaration)."""
    from tests.support.local_site import LocalNewsSite

    site = LocalNewsSite(article_count=count, oversized_bytes=0)
    site.build("http://127.0.0.1")
    pages = [site.pages[article.path] for article in site.articles]
    return [ArticlePage(p.body, p.headers.get("Content-Type", "text/html")) for p in pages]


def article_pages(count: int, datasets: Path | None) -> tuple[str, list[ArticlePage]]:
    """``count`` article pages and a description of where they come from."""
    distinct = dataset_pages(datasets) if datasets is not None else []
    if distinct:
        pages = [distinct[i % len(distinct)] for i in range(count)]
        return f"{len(distinct)} distinct real pages from {datasets}, cycled", pages
    return "synthetic articles of tests/support/local_site.py", synthetic_pages(count)


def render_site(pages: list[ArticlePage], per_list_page: int = PER_LIST_PAGE) -> dict[str, ArticlePage]:
    """Every path of the site, pre-rendered: serving is then a dictionary look-up."""
    html = "text/html; charset=utf-8"
    lists = max(1, -(-len(pages) // per_list_page))
    # A numbered pager on every list page, as city portals have: discovery is not one long chain.
    pager = " ".join(f'<a href="{LIST_PATH.format(n)}">{n}</a>' for n in range(1, lists + 1))
    routes: dict[str, ArticlePage] = {
        "/": ArticlePage(
            f'<html><head><meta charset="utf-8"><title>本地新闻</title></head><body>'
            f'<a href="{LIST_PATH.format(1)}">新闻</a></body></html>'.encode(),
            html,
        ),
        EMPTY_PATH: ArticlePage(
            b'<html><head><meta charset="utf-8"><title>empty</title></head></html>', html
        ),
        "/robots.txt": ArticlePage(b"User-agent: *\nAllow: /\n", "text/plain"),
    }
    for number in range(1, lists + 1):
        first = (number - 1) * per_list_page
        items = "".join(
            f'<li><a href="{ARTICLE_PATH.format(i)}">稿件 {i}</a></li>'
            for i in range(first, min(first + per_list_page, len(pages)))
        )
        routes[LIST_PATH.format(number)] = ArticlePage(
            f'<html><head><meta charset="utf-8"><title>列表 {number}</title></head><body><ul>{items}</ul>'
            f'<div class="pager">{pager}</div></body></html>'.encode(),
            html,
        )
    for index, page in enumerate(pages):
        routes[ARTICLE_PATH.format(index)] = page
    return routes


def sources_toml(base_url: str, lists: int, pages: int) -> str:
    common = f"""
allowed_domains = ["127.0.0.1"]
article_patterns = ['^https?://[^/]+/bench/article/\\d+\\.html$']
list_patterns = ['^https?://[^/]+/bench/list/\\d+\\.html$']
max_depth = {lists + 3}
max_pages = {pages + 10}
"""
    return (
        f'[sources.bench]\nname = "bench"\nstart_urls = ["{base_url}/"]\n{common}\n'
        f'[sources.bench-empty]\nname = "bench (empty)"\nstart_urls = ["{base_url}{EMPTY_PATH}"]\n{common}'
    )


# -- the server process --------------------------------------------------------------------------------------


def _serve(count: int, datasets: str | None, synthetic: bool, conn: Connection) -> None:
    """The server process: render the site, report the port, serve until told to stop, report its CPU."""
    _, pages = article_pages(count, None if synthetic or datasets is None else Path(datasets))
    routes = render_site(pages)
    served = [0, 0]  # requests, bytes
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as Scrapy uses it

        def do_GET(self) -> None:
            page = routes.get(self.path.split("?", 1)[0])
            status = 200 if page is not None else 404
            body = page.body if page is not None else b"not found"
            self.send_response(status)
            self.send_header("Content-Type", page.content_type if page is not None else "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            with lock:
                served[0] += 1
                served[1] += len(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    conn.send({"port": server.server_address[1], "routes": len(routes)})
    conn.recv()  # any message means stop
    server.shutdown()
    server.server_close()
    times = os.times()
    conn.send({"requests": served[0], "bytes": served[1], "cpu_s": times.user + times.system})


@dataclass
class ServerReport:
    requests: int = 0
    bytes: int = 0
    cpu_s: float = 0.0


@contextmanager
def serve(count: int, datasets: Path | None, synthetic: bool, report: ServerReport) -> Iterator[str]:
    """Run the site in its own process; yields its base URL and fills ``report`` when it stops."""
    parent, child = multiprocessing.Pipe()
    # spawn: a clean process that holds only the site, whatever this process imported.
    context = multiprocessing.get_context("spawn")
    process = context.Process(
        target=_serve, args=(count, str(datasets) if datasets else None, synthetic, child), daemon=True
    )
    process.start()
    try:
        if not parent.poll(300):
            raise RuntimeError("the site process did not start")
        port = parent.recv()["port"]
        yield f"http://127.0.0.1:{port}"
        parent.send("stop")
        if parent.poll(30):
            stats = parent.recv()
            report.requests, report.bytes, report.cpu_s = stats["requests"], stats["bytes"], stats["cpu_s"]
    finally:
        process.join(10)
        if process.is_alive():
            process.terminate()
            process.join()


# -- the crawl -----------------------------------------------------------------------------------------------


class ProcSampler:
    """Samples the CPU time of a process and its children from /proc while it runs (Linux only).

    Why: the crawl's total CPU alone does not tell the reactor process from the extraction workers.
    """

    def __init__(self, pid: int, interval: float = 0.2, *, nested: bool = False) -> None:
        self.pid = pid
        self.nested = nested  # ``pid`` is a wrapper (py-spy): the crawler is its first child
        self.interval = interval
        self.cpu: dict[int, float] = {}  # pid -> last seen user+system seconds
        self.names: dict[int, str] = {}
        self._stop = threading.Event()
        self._tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> ProcSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _read(self, pid: int) -> None:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return
        fields = stat.rsplit(")", 1)[1].split()
        self.cpu[pid] = (int(fields[11]) + int(fields[12])) / self._tick  # utime + stime
        if pid not in self.names:
            try:
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
            except OSError:
                cmdline = b""
            # multiprocessing's resource tracker is a child too, but does no work worth counting.
            self.names[pid] = "tracker" if b"resource_tracker" in cmdline else "process"

    def _children(self, pid: int) -> list[int]:
        found: list[int] = []
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            return found
        for task in tasks:
            with suppress(OSError):  # the thread ended meanwhile
                found += [int(c) for c in (task / "children").read_text().split()]
        return found

    def _run(self) -> None:
        while not self._stop.is_set():
            if self.nested:
                children = self._children(self.pid)
                if not children:
                    self._stop.wait(self.interval / 4)
                    continue
                self.pid, self.nested = children[0], False
            self._read(self.pid)
            for child in self._children(self.pid):
                self._read(child)
            self._stop.wait(self.interval)

    def crawler_cpu(self) -> float:
        return self.cpu.get(self.pid, 0.0)

    def worker_cpu(self) -> list[float]:
        others = [cpu for pid, cpu in self.cpu.items() if pid != self.pid and self.names[pid] != "tracker"]
        return sorted(others, reverse=True)


@dataclass
class CrawlResult:
    seconds: float
    returncode: int
    cpu_s: float  # the crawl process and every process it started (user + system)
    crawler_cpu_s: float  # the crawl process alone, sampled (the last sample before exit)
    worker_cpu_s: list[float]  # each extraction worker, sampled
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def processed(self) -> int:
        c = self.counts
        dropped = sum(json.loads(c.get("dropped") or "{}").values())
        return int(c["new"] + c["updated"] + c["unchanged"] + c["duplicates"] + c["failed"] + dropped)


def crawl_command(source: str, workdir: Path, workers: int | None, concurrency: int) -> list[str]:
    command = [
        sys.executable, "-m", "crawler", "crawl", source,
        "--sources", str(workdir / "sources.toml"), "--db", str(workdir / f"{source}.db"),
        "-s", "DOWNLOAD_DELAY=0", "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}", "-s", "ROBOTSTXT_OBEY=True",
    ]  # fmt: skip
    if workers is not None:
        command += ["--workers", str(workers)]
    return command


def run_crawl(command: list[str], workdir: Path, db: Path, profile: Path | None = None) -> CrawlResult:
    """Run the CLI to completion; wall clock from start to exit, CPU from wait4 and /proc samples."""
    if profile is not None:
        py_spy = shutil.which("py-spy") or "py-spy"
        command = [py_spy, "record", "--subprocesses", "--idle", "--format", "raw", "-r", "50",
                   "-o", str(profile), "--", *command]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    with (workdir / "crawl.out").open("ab") as out, (workdir / "crawl.err").open("ab") as err:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=out, stderr=err)
        with ProcSampler(process.pid, nested=profile is not None) as sampler:
            # wait4, not wait: its rusage covers the crawl and its reaped worker processes.
            _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    with sqlite3.connect(db) as con:
        con.row_factory = sqlite3.Row
        row = con.execute("select * from crawl_runs order by id desc limit 1").fetchone()
    if row is None:
        raise RuntimeError(f"the crawl left no crawl_runs row (exit {process.returncode}); see {workdir}")
    return CrawlResult(
        seconds=seconds,
        returncode=process.returncode,
        cpu_s=usage.ru_utime + usage.ru_stime,
        crawler_cpu_s=sampler.crawler_cpu(),
        worker_cpu_s=sampler.worker_cpu(),
        counts=dict(row),
    )


# -- the plain loop ------------------------------------------------------------------------------------------


@dataclass
class Timed:
    seconds: float  # wall clock
    cpu_seconds: float  # this process's CPU time: shows how much of the wall clock other load took


@contextmanager
def timed() -> Iterator[Timed]:
    result = Timed(0.0, 0.0)
    wall, cpu = time.perf_counter(), time.process_time()
    yield result
    result.seconds, result.cpu_seconds = time.perf_counter() - wall, time.process_time() - cpu


def plain_loop(pages: list[ArticlePage]) -> Timed:
    """Seconds for bare_extraction over every page, one after the other, in this process."""
    import trafilatura

    trafilatura.bare_extraction(WARM_UP, with_metadata=True)  # imports and first-call set-up: not timed
    with timed() as result:
        for page in pages:
            with suppress(Exception):  # a page trafilatura chokes on still cost its time
                trafilatura.bare_extraction(page.body, with_metadata=True)
    return result


def pipeline_loop(pages: list[ArticlePage]) -> Timed:
    """Seconds for the crawl's own extraction step (record_from_document) over every page, in this process.

    Why: the crawl does more per page than bare_extraction (newsarchive's extractor may run trafilatura twice
    and reads bylines, dates, titles); this separates that extra work from the crawl's own overhead.
    """
    from pipelines.documents import RawDocument, record_from_document
    from pipelines.errors import DocumentError

    def doc(index: int, page: ArticlePage) -> RawDocument:
        return RawDocument(
            body=page.body,
            name=f"http://127.0.0.1{ARTICLE_PATH.format(index)}",
            fetched_at="2024-03-01T10:00:00+00:00",
            url=f"http://127.0.0.1{ARTICLE_PATH.format(index)}",
            headers={"Content-Type": page.content_type},
            status=200,
            timezone="Asia/Shanghai",
            kind="html",
        )

    docs = [doc(i, p) for i, p in enumerate(pages)]
    with suppress(DocumentError):
        record_from_document(doc(0, ArticlePage(WARM_UP, "text/html")))
    with timed() as result:
        for item in docs:
            with suppress(DocumentError):  # not an article: the crawl drops it after the same work
                record_from_document(item)
    return result


# -- the benchmark -------------------------------------------------------------------------------------------


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    datasets = None if args.synthetic else Path(args.datasets)
    origin, pages = article_pages(args.pages, datasets)
    synthetic = origin.startswith("synthetic")
    lists = max(1, -(-len(pages) // PER_LIST_PAGE))
    workers = args.workers if args.workers is not None else (os.cpu_count() or 1)
    load = os.getloadavg()
    server = ServerReport()
    keep = Path(args.keep) if args.keep else None
    with tempfile.TemporaryDirectory(prefix="crawlbench-") as tmp:
        workdir = keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        for stale in ("bench.db", "bench-empty.db"):
            for suffix in ("", "-wal", "-shm"):
                (workdir / (stale + suffix)).unlink(missing_ok=True)
        with serve(args.pages, datasets, synthetic, server) as base_url:
            (workdir / "sources.toml").write_text(sources_toml(base_url, lists, len(pages)), encoding="utf-8")
            # The fixed cost (interpreter, imports, Scrapy and database set-up, shutdown): an empty site.
            empty = run_crawl(
                crawl_command("bench-empty", workdir, args.workers, args.concurrency),
                workdir,
                workdir / "bench-empty.db",
            )
            crawl = run_crawl(
                crawl_command("bench", workdir, args.workers, args.concurrency),
                workdir,
                workdir / "bench.db",
                Path(args.py_spy) if args.py_spy else None,
            )
        plain = plain_loop(pages)
        pipeline = pipeline_loop(pages) if args.pipeline_loop else None
    processed = crawl.processed
    rate = processed / crawl.seconds
    plain_rate = len(pages) / plain.seconds
    c = crawl.counts
    return {
        "pages": len(pages),
        "origin": origin,
        "list_pages": lists,
        "site_bytes": sum(len(p.body) for p in pages),
        "workers": workers,
        "concurrency": args.concurrency,
        "cores": os.cpu_count(),
        "load_at_start": [round(x, 2) for x in load],
        "load_at_end": [round(x, 2) for x in os.getloadavg()],
        "startup_seconds": round(empty.seconds, 2),
        "crawl": {
            "seconds": round(crawl.seconds, 2),
            "processed": processed,
            "pages_per_second": round(rate, 2),
            "pages_per_second_after_startup": round(processed / max(crawl.seconds - empty.seconds, 1e-9), 2),
            "returncode": crawl.returncode,
            "stored": c["new"] + c["updated"],
            "unchanged": c["unchanged"],
            "duplicates": c["duplicates"],
            "failed": c["failed"],
            "dropped": json.loads(c.get("dropped") or "{}"),
            "inputs": c["inputs"],
            "requests": c["requests"],
            "cpu_seconds": round(crawl.cpu_s, 2),
            "crawler_process_cpu_seconds": round(crawl.crawler_cpu_s, 2),
            "worker_cpu_seconds": [round(x, 2) for x in crawl.worker_cpu_s],
        },
        "server": {"requests": server.requests, "bytes": server.bytes, "cpu_seconds": round(server.cpu_s, 2)},
        "plain": {
            "seconds": round(plain.seconds, 2),
            "cpu_seconds": round(plain.cpu_seconds, 2),
            "pages_per_second": round(plain_rate, 2),
        },
        "pipeline_loop": None
        if pipeline is None
        else {
            "seconds": round(pipeline.seconds, 2),
            "cpu_seconds": round(pipeline.cpu_seconds, 2),
            "pages_per_second": round(len(pages) / pipeline.seconds, 2),
        },
        "ratio": round(rate / plain_rate, 3),
        # Load-independent view: if the cores were ours alone and perfectly shared, the crawl could go no
        # faster than its CPU time (crawl processes + server) spread over the cores.
        "cpu_bound_ratio": round(
            plain.cpu_seconds / ((crawl.cpu_s + server.cpu_s) / (os.cpu_count() or 1)), 3
        ),
        "target_ratio": TARGET_RATIO,
    }


def report_lines(r: dict[str, Any]) -> list[str]:
    c, s, p = r["crawl"], r["server"], r["plain"]
    dropped = sum(c["dropped"].values())
    workers_cpu = " + ".join(f"{x:.1f}" for x in c["worker_cpu_seconds"]) or "0"
    lines = [
        f"site: {r['pages']} article pages ({r['origin']}), {r['list_pages']} list pages, "
        f"{r['site_bytes'] / 1e6:.1f} MB, served by a separate process",
        f"load average: {' '.join(f'{x:.2f}' for x in r['load_at_start'])} at start, "
        f"{' '.join(f'{x:.2f}' for x in r['load_at_end'])} at end ({r['cores']} cores)",
        f"crawl start-up (empty site): {r['startup_seconds']:.1f} s",
        f"crawl end-to-end: {c['processed']} pages in {c['seconds']:.1f} s = "
        f"{c['pages_per_second']:.1f} pages/s (workers={r['workers']}, concurrency={r['concurrency']})",
        f"crawl excluding start-up: {c['pages_per_second_after_startup']:.1f} pages/s",
        f"crawl_runs: {c['stored']} stored, {c['unchanged']} unchanged, {c['duplicates']} duplicates, "
        f"{dropped} dropped, "
        f"{c['failed']} failed ({c['inputs']} inputs, {c['requests']} requests)",
        f"CPU seconds: crawler process {c['crawler_process_cpu_seconds']:.1f}, workers {workers_cpu}, "
        f"server {s['cpu_seconds']:.1f} (crawl total {c['cpu_seconds']:.1f}; "
        f"{r['cores']} cores x {c['seconds']:.1f} s = {r['cores'] * c['seconds']:.1f} available)",
        f"plain bare_extraction loop: {r['pages']} pages in {p['seconds']:.1f} s = "
        f"{p['pages_per_second']:.1f} pages/s (1 process, {p['cpu_seconds']:.1f} CPU s)",
        f"ratio: {r['ratio']:.2f}x (target >= {r['target_ratio']}x)",
        f"CPU per page: crawl {1000 * (c['cpu_seconds'] + s['cpu_seconds']) / r['pages']:.1f} ms "
        f"(crawler {1000 * c['crawler_process_cpu_seconds'] / r['pages']:.1f}, "
        f"workers {1000 * sum(c['worker_cpu_seconds']) / r['pages']:.1f}, "
        f"server {1000 * s['cpu_seconds'] / r['pages']:.1f}), "
        f"plain loop {1000 * p['cpu_seconds'] / r['pages']:.1f} ms; "
        f"best ratio {r['cores']} idle cores allow: {r['cpu_bound_ratio']:.2f}x",
    ]
    if r["pipeline_loop"] is not None:
        q = r["pipeline_loop"]
        lines.insert(
            next(i for i, line in enumerate(lines) if line.startswith("ratio:")),
            f"newsarchive extraction loop (record_from_document): {r['pages']} pages in {q['seconds']:.1f} s "
            f"= {q['pages_per_second']:.1f} pages/s (1 process, {q['cpu_seconds']:.1f} CPU s)",
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pages", type=int, default=1000, help="article pages on the site (default 1000)")
    parser.add_argument("--workers", type=int, help="ARCHIVE_EXTRACT_WORKERS (default: one per core)")
    parser.add_argument("--concurrency", type=int, default=16, help="CONCURRENT_REQUESTS_PER_DOMAIN")
    parser.add_argument("--datasets", default=str(DEFAULT_DATASETS), help="real pages: DIR/*/pages/*.html.gz")
    parser.add_argument("--synthetic", action="store_true", help="synthetic articles even when DIR exists")
    parser.add_argument("--json", help="also write the results as JSON to this file")
    parser.add_argument("--keep", help="work in this directory and keep it (databases, crawl log)")
    parser.add_argument(
        "--pipeline-loop", action="store_true", help="also time the crawl's extraction step in one process"
    )
    parser.add_argument("--py-spy", help="profile the crawl with py-spy into this file (collapsed stacks)")
    args = parser.parse_args(argv)
    if args.pages < 1:
        parser.error("--pages must be at least 1")
    result = benchmark(args)
    for line in report_lines(result):
        print(line, flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
