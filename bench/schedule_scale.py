"""Many sources on one machine: N simulated news sites on loopback, scheduled by ``newsarchive schedule``.

Each site is its own HTTP server on 127.0.0.1 (its own port: Scrapy's politeness applies per site), all of
them served by one asyncio loop in this process, with a realistic response latency; every site gains a few
new articles per cycle; a third have an RSS feed (found through the home page's ``<link>``), a quarter a
sitemap (found through robots.txt). A generated ``sources.toml`` declares them, each on a ``CYCLE``-second
schedule, and ``newsarchive schedule`` (the real command, in a child process) runs for ``--cycles`` cycles,
then gets SIGTERM.

Time is compressed: the default 2-minute cycle stands for a 30-minute schedule (scale 15), and the sites'
latency, Scrapy's politeness delays (DOWNLOAD_DELAY, AutoThrottle's start and maximum delays), the retry
back-off and the start jitter are all divided by the scale, so a crawl takes the same share of its cycle
as it would at 30 minutes. The work per cycle (crawls, requests, new articles) is the real one; the CPU
share of the machine is therefore measured at 15 times the real rate (it is printed as measured, and as
the real-time equivalent).

Printed per N:

- due crawls and on-time ratio: every due time of every source (the schedule's grid from the scheduler's
  start: t0, t0 + cycle, ...; a due time within the last ``on-time limit`` of the run is not counted), each
  matched with the first crawl_runs row of that source started after it (and before the next due time); on
  time = started within the limit (2 minutes at the real scale, the issue's target); a due time with no
  crawl is missed (its lag is counted as the time to the end of the run or the next due time);
- lag p50 / p95 (crawl_runs.started minus due time), in run seconds and at the real scale;
- articles stored per minute (rows in ``articles`` at the end, over the run's minutes);
- CPU seconds per new article: user + system CPU of the scheduler's whole process tree (crawl processes
  and their extraction workers, every one reaped: ``RUSAGE_CHILDREN`` of this process, whose own threads
  serve the sites and are not counted), over the articles stored;
- CPU share of the machine (as measured, and / scale), peak memory of the process tree (the sum of the RSS
  of the scheduler and all its descendants, sampled every second), starved sources (a source with a due
  time that got no crawl), and the load average at the start and the end.

Run (the lead's command; the defaults are the issue's):

    .venv/bin/python -m bench.schedule_scale                      # N=200, 2-minute cycles, 4 cycles
    .venv/bin/python -m bench.schedule_scale --sites 20 --cycles 3
    .venv/bin/python -m bench.schedule_scale --code-dir /tmp/before  # another checkout's scheduler

See bench/README_schedule_scale.md for the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import os
import random
import resource
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from tests.support.local_site import (
    ARTICLE_PATTERN,
    LIST_PATTERN,
    Article,
    make_articles,
    render_article_a,
    render_article_b,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
REAL_CYCLE = 1800.0  # the schedule the compressed cycle stands for: 30 minutes
REAL_LATENCY = 0.3  # seconds a regional news site takes to answer, on average
ON_TIME_REAL = 120.0  # the target: p95 lag under 2 minutes
INITIAL_ARTICLES = 5  # per site, when the run begins
NEW_PER_CYCLE = 2  # new articles per site per cycle
PER_LIST_PAGE = 10


@dataclass
class Site:
    index: int
    cycle: float
    latency: float
    t0: float
    rss: bool
    sitemap: bool
    articles: list[Article] = field(default_factory=list)
    port: int = 0
    requests: int = 0
    _rendered: dict[str, bytes] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def visible(self, now: float) -> list[Article]:
        """The articles published by ``now``: the first few, then NEW_PER_CYCLE a cycle, spread over it."""
        grown = int(max(0.0, now - self.t0) / self.cycle * NEW_PER_CYCLE)
        return self.articles[: min(len(self.articles), INITIAL_ARTICLES + grown)]

    def respond(self, path: str, now: float) -> tuple[int, str, bytes]:
        self.requests += 1
        path = path.split("?", 1)[0]
        html = "text/html; charset=utf-8"
        shown = self.visible(now)
        if path == "/robots.txt":
            lines = "User-agent: *\nDisallow: /private/\n"
            if self.sitemap:
                lines += f"\nSitemap: {self.base}/sitemap.xml\n"
            return 200, "text/plain", lines.encode()
        if path == "/":
            link = '<link rel="alternate" type="application/rss+xml" href="/rss.xml">' if self.rss else ""
            body = (
                f'<html><head><meta charset="utf-8"><title>站点{self.index}</title>{link}</head><body>'
                '<a href="/news/list_1.html">新闻</a> <a href="/society/list_1.html">社会</a></body></html>'
            )
            return 200, html, body.encode()
        for channel in ("news", "society"):
            prefix = f"/{channel}/list_"
            if path.startswith(prefix) and path.endswith(".html"):
                return self._list_page(channel, path[len(prefix) : -5], shown)
        if path == "/rss.xml" and self.rss:
            items = "".join(
                f"<item><title>{a.title}</title><link>{self.base}{a.path}</link></item>"
                for a in reversed(shown[-10:])
            )
            feed = (
                f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>{items}</channel></rss>'
            )
            return 200, "application/rss+xml; charset=utf-8", feed.encode()
        if path == "/sitemap.xml" and self.sitemap:
            urls = "".join(f"<url><loc>{self.base}{a.path}</loc></url>" for a in shown[-20:])
            xml = f'<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{urls}</urlset>'
            return 200, "application/xml", xml.encode()
        for position, article in enumerate(shown):
            if article.path == path:
                return 200, *self._article(article, position, shown)
        return 404, html, b"<html><body>404</body></html>"

    def _list_page(self, channel: str, number_text: str, shown: list[Article]) -> tuple[int, str, bytes]:
        if not number_text.isdigit():
            return 404, "text/html", b"<html><body>404</body></html>"
        number = int(number_text)
        newest = [a for a in reversed(shown) if a.channel == channel]
        chunk = newest[(number - 1) * PER_LIST_PAGE : number * PER_LIST_PAGE]
        if number > 1 and not chunk:
            return 404, "text/html", b"<html><body>404</body></html>"
        items = "".join(f'<li><a href="{a.path}">{a.title}</a></li>' for a in chunk)
        more = len(newest) > number * PER_LIST_PAGE
        nav = f'<a href="/{channel}/list_{number + 1}.html">下一页</a>' if more else ""
        body = f'<html><head><meta charset="utf-8"></head><body><ul>{items}</ul>{nav}</body></html>'
        return 200, "text/html; charset=utf-8", body.encode()

    def _article(self, article: Article, position: int, shown: list[Article]) -> tuple[str, bytes]:
        if article.path not in self._rendered:
            related = [shown[(position + k) % len(shown)] for k in (1, 2)]
            if article.channel == "news":
                self._rendered[article.path] = render_article_a(article, related).encode("utf-8")
            else:
                self._rendered[article.path] = render_article_b(article, related, meta=True).encode("gbk")
        charset = "utf-8" if article.channel == "news" else "gbk"
        return f"text/html; charset={charset}", self._rendered[article.path]


class SiteFarm:
    """Every site's server on one asyncio loop, in a thread of this process (so its CPU is not counted)."""

    def __init__(self, sites: list[Site]) -> None:
        self.sites = sites
        self.loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sites", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=10)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._serve())
        self._ready.set()
        self.loop.run_forever()

    async def _serve(self) -> None:
        self.servers = []
        for site in self.sites:
            server = await asyncio.start_server(
                functools.partial(self._handle, site), "127.0.0.1", 0, backlog=64
            )
            site.port = server.sockets[0].getsockname()[1]
            self.servers.append(server)

    async def _handle(self, site: Site, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                parts = head.split(b"\r\n", 1)[0].decode("latin-1").split()
                path = parts[1] if len(parts) > 1 else "/"
                status, content_type, body = site.respond(path, time.monotonic())
                await asyncio.sleep(site.latency * random.uniform(0.5, 1.5))
                reason = {200: "OK", 404: "Not Found"}.get(status, "OK")
                writer.write(
                    f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()


def sources_toml(sites: list[Site], cycle: float) -> str:
    parts = []
    for site in sites:
        feeds = f'feeds = ["{site.base}/rss.xml"]\n' if site.rss and site.index % 2 == 0 else ""
        parts.append(
            f"""
[sources.site{site.index:03d}]
name = "模拟新闻站{site.index}"
region = "模拟"
language = "zh"
start_urls = ["{site.base}/"]
allowed_domains = ["127.0.0.1"]
article_patterns = ['{ARTICLE_PATTERN}']
list_patterns = ['{LIST_PATTERN}']
max_depth = 3
schedule = "{int(cycle)}s"
{feeds}"""
        )
    return "".join(parts)


def descendants(root: int) -> list[int]:
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                    parent = int(stat.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            parents.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(parents.get(pid, []))
    return found


def tree_rss(root: int) -> tuple[int, int]:
    """(bytes of RSS summed over the process tree, processes in it)."""
    page = os.sysconf("SC_PAGE_SIZE")
    total, count = 0, 0
    for pid in descendants(root):
        try:
            with open(f"/proc/{pid}/statm", encoding="ascii") as statm:
                total += int(statm.read().split()[1]) * page
            count += 1
        except (OSError, ValueError, IndexError):
            continue
    return total, count


@dataclass
class Sampler:
    root: int
    peak_rss: int = 0
    peak_processes: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        while not self._stop.wait(1.0):
            rss, count = tree_rss(self.root)
            self.peak_rss = max(self.peak_rss, rss)
            self.peak_processes = max(self.peak_processes, count)

    def stop(self) -> None:
        self._stop.set()


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * (len(ordered) - 1))))]


def due_lags(
    starts: dict[str, list[float]],
    keys: list[str],
    t0: float,
    end: float,
    cycle: float,
    limit: float,
    *,
    first: int = 0,
) -> tuple[list[float], int, set[str]]:
    """(lag of each counted due time, due times missed, starved sources); times in epoch seconds.
    ``first``: the first due time counted (1 leaves out the cold start, when every source is due at once)."""
    lags: list[float] = []
    missed = 0
    starved: set[str] = set()
    early = cycle * 0.1  # a scheduler may start a source a little early (pipelines.schedule.due)
    for key in keys:
        runs = sorted(starts.get(key, []))
        k = first
        while t0 + k * cycle <= end - limit:
            due, following = t0 + k * cycle, t0 + (k + 1) * cycle
            started = [s for s in runs if due - early <= s < following - early]
            if started:
                lags.append(max(0.0, started[0] - due))
            else:
                missed += 1
                starved.add(key)
                lags.append(min(end, following) - due)
            k += 1
    return lags, missed, starved


def run_one(args: argparse.Namespace, n: int) -> str:
    scale = REAL_CYCLE / args.cycle
    t0_mono = time.monotonic()
    sites = [
        Site(
            index=i,
            cycle=args.cycle,
            latency=REAL_LATENCY / scale,
            t0=t0_mono,
            rss=i % 3 == 0,
            sitemap=i % 4 == 0,
            articles=make_articles(INITIAL_ARTICLES + NEW_PER_CYCLE * (args.cycles + 2), seed=1000 + i),
        )
        for i in range(n)
    ]
    farm = SiteFarm(sites)
    farm.start()
    work = Path(tempfile.mkdtemp(prefix=f"schedule_scale_{n}_", dir=args.work_dir))
    (work / "sources.toml").write_text(sources_toml(sites, args.cycle), encoding="utf-8")
    settings = {
        "DOWNLOAD_DELAY": 1.0 / scale,
        "AUTOTHROTTLE_START_DELAY": 5.0 / scale,
        "AUTOTHROTTLE_MAX_DELAY": 60.0 / scale,
        "ARCHIVE_RETRY_BACKOFF_BASE": 2.0 / scale,
    }
    command = [sys.executable, "-m", "crawler", "schedule", "--db", "archive.db", "--sources", "sources.toml"]
    command += ["--jitter", f"{60.0 / scale:.2f}"]
    for name, value in settings.items():
        command += ["-s", f"{name}={value:.4f}" if isinstance(value, float) else f"{name}={value}"]
    if args.max_parallel:
        command += ["--max-parallel", str(args.max_parallel)]
    command += args.extra
    code_dir = Path(args.code_dir).resolve()
    env = {**os.environ, "PYTHONPATH": str(code_dir)}
    load_before = os.getloadavg()
    usage_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    log_file = open(work / "schedule.log", "w", encoding="utf-8")  # noqa: SIM115 - closed below
    process = subprocess.Popen(command, cwd=work, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    sampler = Sampler(process.pid)
    sampling = threading.Thread(target=sampler.run, daemon=True)
    sampling.start()
    duration = args.cycle * args.cycles
    try:
        while time.time() - t0 < duration:
            if process.poll() is not None:
                break
            time.sleep(0.5)
        end = time.time()
        load_end = os.getloadavg()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGTERM)  # the second one: at once
            process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        sampler.stop()
        log_file.close()
        farm.stop()
    usage_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (usage_after.ru_utime - usage_before.ru_utime) + (usage_after.ru_stime - usage_before.ru_stime)
    wall = time.time() - t0
    starts: dict[str, list[float]] = {}
    db = sqlite3.connect(work / "archive.db")
    try:
        for source, started in db.execute("select source, started from crawl_runs where kind = 'crawl'"):
            moment = datetime.fromisoformat(started)
            moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            starts.setdefault(source, []).append(moment.timestamp())
        articles = db.execute("select count(*) from articles").fetchone()[0]
        runs = db.execute("select count(*) from crawl_runs where kind = 'crawl'").fetchone()[0]
        statuses = dict(db.execute("select status, count(*) from crawl_runs group by status").fetchall())
    finally:
        db.close()
    keys = [f"site{i:03d}" for i in range(n)]
    limit = ON_TIME_REAL / scale
    lags, missed, starved = due_lags(starts, keys, t0, end, args.cycle, limit)
    on_time = sum(lag <= limit for lag in lags) / len(lags) if lags else float("nan")
    p50, p95 = percentile(lags, 0.5), percentile(lags, 0.95)
    # The same after the cold start (every source due at once, with 5 articles to fetch): the steady state.
    later, later_missed, _ = due_lags(starts, keys, t0, end, args.cycle, limit, first=1)
    later_on_time = sum(lag <= limit for lag in later) / len(later) if later else float("nan")
    later_p95 = percentile(later, 0.95)
    cores = os.cpu_count() or 1
    share = cpu / (wall * cores)
    per_article = cpu / articles if articles else float("nan")
    label = args.label or ("this checkout" if code_dir == REPO_ROOT else str(code_dir))
    return (
        f"N={n} [{label}] {args.cycles}x{args.cycle:g}s cycles (= {REAL_CYCLE / 60:g}-min schedules, "
        f"x{scale:g}): due crawls {len(lags)}, on time {on_time:.1%}, lag p50 {p50:.1f} s p95 {p95:.1f} s "
        f"(real scale {p50 * scale / 60:.1f} / {p95 * scale / 60:.1f} min), missed {missed}; "
        f"after the cold start: {len(later)} due, on time {later_on_time:.1%}, p95 {later_p95:.1f} s "
        f"({later_p95 * scale / 60:.1f} min), missed {later_missed}; "
        f"{articles / (wall / 60):.0f} articles/min ({articles} stored, {runs} runs {statuses}); "
        f"CPU {per_article:.3f} s/article, {cpu:.0f} s = {share:.0%} of {cores} cores "
        f"({share / scale:.1%} at real time); peak RSS {sampler.peak_rss / 2**20:.0f} MB "
        f"({sampler.peak_processes} processes); starved {len(starved)}/{n}; "
        f"load {load_before[0]:.2f} -> {load_end[0]:.2f} (archive {work})"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sites", type=int, nargs="+", default=[200], help="N, one run per value")
    parser.add_argument("--cycle", type=float, default=120.0, help="seconds a 30-minute schedule takes")
    parser.add_argument("--cycles", type=int, default=4)
    parser.add_argument("--max-parallel", type=int, default=0, help="passed on (default: the scheduler's)")
    parser.add_argument("--code-dir", default=str(REPO_ROOT), help="the checkout whose scheduler runs")
    parser.add_argument("--label", default="", help="a name for the checkout in the output")
    parser.add_argument("--work-dir", default=None, help="where the archives are made [a temp folder]")
    parser.add_argument("extra", nargs="*", help="more options for `newsarchive schedule` (after --)")
    args = parser.parse_args(argv)
    for n in args.sites:
        print(run_one(args, n), flush=True)


if __name__ == "__main__":
    main()
