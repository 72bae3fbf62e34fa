"""A real HTTP server on 127.0.0.1 that serves feeds the way real servers do, and misbehave.

Each path is a `Route`: a body with its status, ETag / Last-Modified (answering 304
to a matching conditional GET), optional gzip, a delay, or a redirect; and the ways a
hostile server misbehaves: dripping the headers or the body a byte at a time (plain or
chunked), a body already compressed under any Content-Encoding the test names. Every
request is recorded so tests can check what the client sent.
"""

from __future__ import annotations

import contextlib
import gzip
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DRIP_FOR = 30.0  # a dripping route gives up after this long, so no thread outlives a test run


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "application/xml; charset=utf-8"
    etag: str | None = None
    last_modified: str | None = None
    gzip: bool = False
    delay: float = 0.0
    location: str | None = None  # a redirect target (status 301/302)
    fail_first: int = 0  # answer 503 this many times before behaving
    headers: dict[str, str] = field(default_factory=dict)
    # Hostile behaviours:
    drip: float = 0.0  # seconds between single bytes of the body (Content-Length promises all of it)
    drip_headers: float = 0.0  # seconds between single bytes of a header that never ends
    chunked: bool = False  # Transfer-Encoding: chunked; with `drip`, one byte per chunk, never a last chunk
    content_encoding: str | None = None  # sent as given: the body is already encoded by the test


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up (size cap, timeout) is expected here, not a server bug."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class FeedServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                server.requests.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                route = server.routes.get(self.path)
                if route is None:
                    return self._send(404, b"not found", {"Content-Type": "text/plain"})
                if route.fail_first > 0:
                    route.fail_first -= 1
                    return self._send(503, b"busy", {"Content-Type": "text/plain"})
                if route.delay:
                    time.sleep(route.delay)
                if route.drip_headers:
                    return self._drip_headers(route.drip_headers)
                if route.location:
                    return self._send(route.status, b"", {"Location": route.location})
                headers = {"Content-Type": route.content_type, **route.headers}
                if route.etag:
                    headers["ETag"] = route.etag
                if route.last_modified:
                    headers["Last-Modified"] = route.last_modified
                inm, ims = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
                if route.status == 200 and (
                    (route.etag and inm == route.etag)
                    or (not route.etag and route.last_modified and ims == route.last_modified)
                ):
                    return self._send(304, b"", headers)
                body = route.body
                if route.content_encoding:
                    headers["Content-Encoding"] = route.content_encoding
                elif route.gzip and "gzip" in self.headers.get("Accept-Encoding", ""):
                    body = gzip.compress(body)
                    headers["Content-Encoding"] = "gzip"
                if route.chunked or route.drip:
                    return self._stream(route, body, headers)
                self._send(route.status, body, headers)

            def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:  # the client may give up early (size cap, timeout)
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        self.wfile.write(body)

            def _stream(self, route: Route, body: bytes, headers: dict[str, str]) -> None:
                """The body in pieces: chunked or not, dripping a byte at a time or not."""
                self.send_response(route.status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header(
                    *(("Transfer-Encoding", "chunked") if route.chunked else ("Content-Length", str(len(body))))
                )
                self.end_headers()
                step, begun = (1 if route.drip else 16_384), time.monotonic()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    for i in range(0, len(body), step):
                        piece = body[i : i + step]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if route.chunked else piece)
                        self.wfile.flush()
                        if route.drip and (server.stopping.wait(route.drip) or time.monotonic() - begun > DRIP_FOR):
                            return
                    if route.chunked and not route.drip:
                        self.wfile.write(b"0\r\n\r\n")

            def _drip_headers(self, interval: float) -> None:
                """A status line, then a header that never ends, one byte at a time."""
                begun = time.monotonic()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                    while not server.stopping.wait(interval) and time.monotonic() - begun < DRIP_FOR:
                        self.wfile.write(b"a")
                        self.wfile.flush()

        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, route: Route) -> str:
        self.routes[path] = route
        return self.url(path)

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()
