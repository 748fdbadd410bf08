"""Article keys shared through Redis, so a worker does not refetch what another worker stored.

A worker's shard knows only its own articles; each worker adds the keys its crawls store (canonical URLs,
fetched URLs, redirects, exact copies: the shard's ``article_keys``) to one Redis set while it crawls, and
the crawler's ``crawler.redis_addon.KnownInRedisMiddleware`` skips an article page whose URL is in the set,
as ``KnownArticlesMiddleware`` skips one the shard holds.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

BATCH = 5000


class KnownPublisher:
    """Adds a shard's new article keys to the Redis set; remembers how far it read (the keys' rowid)."""

    def __init__(self, redis: Any, set_key: str, db_path: str) -> None:
        self.redis, self.set_key, self.db_path = redis, set_key, db_path
        self.last_rowid = 0

    def publish(self) -> int:
        """Add the keys stored since the last call; returns how many. A shard not created yet has none."""
        if not Path(self.db_path).exists():
            return 0
        added = 0
        with contextlib.closing(sqlite3.connect(self.db_path, timeout=30)) as db:
            try:
                while True:
                    rows = db.execute(
                        "select rowid, key from article_keys where rowid > ? order by rowid limit ?",
                        [self.last_rowid, BATCH],
                    ).fetchall()
                    if not rows:
                        break
                    self.redis.sadd(self.set_key, *(key for _, key in rows))
                    self.last_rowid = int(rows[-1][0])
                    added += len(rows)
            except sqlite3.OperationalError as exc:
                if "no such table" not in str(exc):  # a shard whose first crawl has not begun yet
                    raise
        return added


def is_known(redis: Any, set_key: str, keys: list[str]) -> bool:
    """Whether any of an article page's keys is stored by some worker."""
    keys = [k for k in dict.fromkeys(keys) if k]
    if not keys:
        return False
    return any(redis.smismember(set_key, keys))
