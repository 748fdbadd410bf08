"""Scrapy's HTTP/1.1 download handler with a close that cannot race its own timeout.

Scrapy's ``HTTP11DownloadHandler.close`` waits for the connection pool to close its cached connections and
fires the same Deferred itself after one second if they take longer (Twisted issue 7738). When the
reactor is busy, both can happen in one turn: the pool's Deferred fires, and the one-second timer, already
due, fires it again before the waiting coroutine has cancelled it — ``AlreadyCalledError`` tracebacks in the
log (one per crawl closed in a busy crawl process of ``newsarchive schedule``, which closes a crawler's
handler after every crawl). Here the timer fires a Deferred of its own only if the pool has not finished.
"""

from __future__ import annotations

from typing import Any

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.defer import Deferred


class HTTP11Handler(HTTP11DownloadHandler):
    async def close(self) -> None:
        from twisted.internet import reactor

        clock: Any = reactor
        closed: Deferred[None] = Deferred()
        pool_closed = self._pool.closeCachedConnections()
        pool_closed.addBoth(lambda _: None if closed.called else closed.callback(None))
        timeout = clock.callLater(
            self._disconnect_timeout, lambda: None if closed.called else closed.callback(None)
        )
        try:
            await maybe_deferred_to_future(closed)
        finally:
            if timeout.active():
                timeout.cancel()
