"""A hostile web server on 127.0.0.1 for the reliability tests: each path answers exactly as it is told
(status, headers, raw body, nothing added), so a test can send redirects out of the site, loops, bodies
shorter than their Content-Length, compressed bombs. Every request is logged."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit


@dataclass
class Answer:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})
    # None: Content-Length is the body's length; a number: that header, whatever the body is.
    content_length: int | None = None


def redirect(location: str, status: int = 302) -> Answer:
    return Answer(status, b"", {"Location": location})


class HostileSite:
    def __init__(self, answers: dict[str, Answer] | None = None) -> None:
        self.answers: dict[str, Answer] = dict(answers or {})
        self.requests: list[str] = []
        self.base_url = ""
        self._lock = threading.Lock()

    def answer(self, path: str) -> Answer:
        with self._lock:
            self.requests.append(path)
        return self.answers.get(urlsplit(path).path, Answer(404, b"<html><body>404</body></html>"))


def _handler(site: HostileSite) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            answer = site.answer(self.path)
            self.send_response(answer.status)
            for key, value in answer.headers.items():
                self.send_header(key, value)
            length = len(answer.body) if answer.content_length is None else answer.content_length
            self.send_header("Content-Length", str(length))
            if answer.content_length is not None:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(answer.body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@contextmanager
def serve_hostile(site: HostileSite) -> Iterator[str]:
    """Serve ``site`` on 127.0.0.1 at a free port; yields the base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    server.daemon_threads = True
    site.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site.base_url
    finally:
        server.shutdown()
        server.server_close()
