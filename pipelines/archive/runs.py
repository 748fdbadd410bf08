"""Crawl runs and their errors: the ``crawl_runs`` and ``crawl_errors`` tables, written here only.

Every crawl, ingest and re-extraction is a run: started as 'running' with the process id and host, finished
with its counts; a run whose process died is marked 'killed' by the next one that starts on the same host.
"""

from __future__ import annotations

import json
import os
import socket
from typing import Any

import sqlite_utils

from pipelines.archive.store import last_pk, now_iso

# Runs that count as a source's last crawl when deciding when it is due: an interrupted or killed crawl
# does not, so that source is due again at once.
COUNTED_STATUSES = ("finished", "running")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    # A zombie (ended, not yet reaped: its parent died too, and init has not got to it) still answers.
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True  # no /proc (not Linux): it answered


def mark_dead_runs(db: sqlite_utils.Database) -> int:
    """Runs still 'running' whose process on this host is gone were killed: say so. Returns how many."""
    host = socket.gethostname()
    rows = db.execute(
        "select id, pid from crawl_runs where status = 'running' and host = ?", [host]
    ).fetchall()
    dead = [run_id for run_id, pid in rows if pid is None or not _alive(int(pid))]
    with db.conn:
        for run_id in dead:
            db.execute(
                "update crawl_runs set status = 'killed', finish_reason = coalesce(finish_reason, 'killed') "
                "where id = ?",
                [run_id],
            )
    return len(dead)


def start_run(
    db: sqlite_utils.Database,
    *,
    kind: str,
    spider: str,
    source: str | None,
    args: Any,
    started: str | None = None,
) -> int:
    """A new 'running' row; ``started`` is when the run began (default now: a caller that queues this write
    behind others passes the moment it began, so the row does not say it started late)."""
    mark_dead_runs(db)
    with db.conn:
        return last_pk(
            db.table("crawl_runs").insert(
                {
                    "kind": kind,
                    "spider": spider,
                    "source": source,
                    "args": json.dumps(args, ensure_ascii=False, default=str),
                    "started": started or now_iso(),
                    "status": "running",
                    "pid": os.getpid(),
                    "host": socket.gethostname(),
                }
            )
        )


def finish_run(db: sqlite_utils.Database, run_id: int, **counts: Any) -> None:
    values = {
        k: json.dumps(v, ensure_ascii=False, default=str) if isinstance(v, dict) else v
        for k, v in counts.items()
    }
    values.setdefault("finished", now_iso())
    with db.conn:
        db.table("crawl_runs").update(run_id, values)


def save_error(
    db: sqlite_utils.Database, run_id: int | None, input_name: str, reason: str, stage: str
) -> None:
    with db.conn:
        db.table("crawl_errors").insert(
            {"run_id": run_id, "input": input_name, "stage": stage, "reason": reason, "at": now_iso()}
        )


def last_started(db: sqlite_utils.Database, key: str) -> str | None:
    """When the last crawl of ``key`` that counts for scheduling (finished or running) started."""
    placeholders = ", ".join("?" for _ in COUNTED_STATUSES)
    row = db.execute(
        "select max(started) from crawl_runs where kind = 'crawl' and source = ? "
        f"and status in ({placeholders})",
        [key, *COUNTED_STATUSES],
    ).fetchone()
    return str(row[0]) if row and row[0] else None


def running_here(db: sqlite_utils.Database, key: str) -> bool:
    """A crawl of ``key`` is running on this host already (e.g. a manual ``newsarchive crawl``).

    Runs of dead processes are marked 'killed' first, so a crash never blocks a source."""
    mark_dead_runs(db)
    row = db.execute(
        "select 1 from crawl_runs where kind = 'crawl' and source = ? and status = 'running' and host = ?",
        [key, socket.gethostname()],
    ).fetchone()
    return row is not None


def record_exit(
    db: sqlite_utils.Database,
    key: str,
    pid: int,
    started: str,
    code: int,
    *,
    stopped: bool = False,
    reason: str | None = None,
) -> None:
    """After a crawl process exits, make its crawl_runs row tell the truth.

    - ``stopped`` (we sent it SIGTERM) but its row still says 'running': a signal during Scrapy's start-up
      can end the process before the run is closed; the run was interrupted, not killed.
    - it died mid-run: mark_dead_runs says 'killed'.
    - it exited before opening a run at all (bad option, crash at start-up): add a 'killed' run saying so,
      so that health counts the failure instead of showing a source that silently never runs
      (``reason`` says why, when the crawl process knows: one crawl of a long-lived one failed to start).

    ``pid`` is the crawl's process; a long-lived crawl process runs many sources' crawls, so a run "began"
    when that process opened a row of ``key``.
    """
    host = socket.gethostname()
    now = now_iso()
    if stopped:
        with db.conn:
            db.execute(
                "update crawl_runs set status = 'interrupted', finished = coalesce(finished, ?), "
                "finish_reason = coalesce(finish_reason, 'stopped by the scheduler') "
                "where pid = ? and host = ? and status = 'running'",
                [now, pid, host],
            )
    mark_dead_runs(db)
    row = db.execute(
        "select 1 from crawl_runs where pid = ? and host = ? and source = ? and started >= ?",
        [pid, host, key, started],
    ).fetchone()
    if row is None and not stopped:
        with db.conn:
            db.table("crawl_runs").insert(
                {
                    "kind": "crawl",
                    "spider": "news",
                    "source": key,
                    "started": started,
                    "finished": now,
                    "status": "killed",
                    "finish_reason": reason
                    or f"the crawl process exited with status {code} before its run began",
                    "pid": pid,
                    "host": host,
                }
            )


def save_run_row(db: sqlite_utils.Database, values: dict[str, Any], run_id: int | None = None) -> int:
    """A crawl run as another archive recorded it (``newsarchive merge``): inserted with a new id, or
    ``run_id`` brought up to date (a run still going at the last merge). Returns its id here. No commit."""
    row = {k: v for k, v in values.items() if k != "id"}
    if run_id is None:
        return last_pk(db.table("crawl_runs").insert(row))
    db.table("crawl_runs").update(run_id, row)
    return run_id


def save_error_row(db: sqlite_utils.Database, values: dict[str, Any]) -> None:
    """A crawl error as another archive recorded it (its run id already this archive's). No commit."""
    db.table("crawl_errors").insert({k: v for k, v in values.items() if k != "id"})
