"""A loopback HTTP server in a background thread: the base of every stand-in."""

from __future__ import annotations

import contextlib
import socket
import sys
import threading
from collections import deque
from collections.abc import Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 drops SYNs when many clients connect at once; the
    # kernel then resends after 1 s, which a short client timeout reports as a timeout.
    request_queue_size = 128

    def __init__(self, owner: BackgroundServer, port: int = 0) -> None:
        self.owner = owner
        self.connections: set[socket.socket] = set()
        self.connections_lock = threading.Lock()
        super().__init__(("127.0.0.1", port), _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        with self.connections_lock:
            self.connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self.connections_lock:
            self.connections.discard(request)
        super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up (it timed out, was cancelled, or closed a kept-alive connection) is
        # ordinary; socketserver would print a traceback into the stderr of the process under test.
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - the name http.server dispatches to
        self.server.owner.handle(self, "GET")

    def do_POST(self) -> None:  # noqa: N802
        self.server.owner.handle(self, "POST")

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        pass


class BackgroundServer:
    """An HTTP server on 127.0.0.1 (a free port, or `wanted_port` when set) served from a daemon
    thread.

    Subclasses implement `handle`. `with server:` starts and stops it; stopping sets `stopping`,
    which every deliberate wait watches, and closes open connections, so it is prompt even while
    requests are being held.
    """

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.wanted_port = 0  # 0: any free port; else that one (OSError when it is taken)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        raise NotImplementedError

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("the stand-in is not running; use `with` or start()")
        return int(self._httpd.server_address[1])

    def start(self) -> Self:
        if self._httpd is None:
            self.stopping.clear()
            self._httpd = _Server(self, self.wanted_port)
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"{type(self).__name__}:{self.port}",
                daemon=True,
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self.stopping.set()
        httpd.shutdown()
        with httpd.connections_lock:
            open_connections = list(httpd.connections)
        for conn in open_connections:
            _hang_up(conn)
        httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def pause(self, seconds: float) -> bool:
        """Wait `seconds` or until the server stops; True when it is stopping."""
        return self.stopping.wait(seconds) if seconds > 0 else self.stopping.is_set()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _hang_up(conn: socket.socket) -> None:
    with contextlib.suppress(OSError):
        conn.shutdown(socket.SHUT_RDWR)


def drop_connection(handler: BaseHTTPRequestHandler) -> None:
    """Close the socket without sending any response."""
    handler.close_connection = True
    _hang_up(handler.connection)


def send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str,
    headers: dict[str, str] | None = None,
) -> None:
    try:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)
    except OSError:  # the client went away (it timed out, or we are stopping)
        handler.close_connection = True


def queue_faults(
    queue: deque[str], kinds: Iterable[str], *, known: frozenset[str], lock: threading.Lock
) -> None:
    """Queue `kinds` for the next requests, one each; an unknown kind is a ValueError."""
    unknown = set(kinds) - known
    if unknown:
        raise ValueError(f"unknown fault {sorted(unknown)}; known: {sorted(known)}")
    with lock:
        queue.extend(kinds)


def read_body(handler: BaseHTTPRequestHandler) -> bytes:
    length = int(handler.headers.get("Content-Length") or 0)
    return handler.rfile.read(length) if length > 0 else b""


# --- the arXiv API ----------------------------------------------------------------------------
