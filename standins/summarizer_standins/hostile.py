"""Hostile servers, as an attacker or an unlucky user's network puts them in front of a push or the
arXiv client: a proxy that quotes the request back in its errors, a body that never ends, an answer
that trickles in a byte at a time, an SMTP server that does the same.

- `QuotingProxy`: answers every POST with an error that quotes the request: Express's 404 page
  (`<pre>Cannot POST /bot<token>/sendMessage</pre>`, the path as received), the path decoded,
  a JSON error with the path and body ASCII-escaped, or a 500 echoing the URL and the body.
- `EndlessBody`: 200, then a body that goes on until the client hangs up.
- `Trickle`: a whole, valid HTTP answer, one byte every `interval` seconds.
- `HostileSmtp`: trickles its greeting, or the reply to DATA, a byte every `interval` seconds,
  forever; or sends a greeting line that never ends.

Each notes when the client closed the connection while it was still sending (`hung_up`,
`hang_ups`), and a trickle sets `finished` if it ever got to the end: a client with a deadline
hangs up first.
"""

from __future__ import annotations

import json
import socket
import socketserver
import threading
from http.server import BaseHTTPRequestHandler
from typing import Any, Self
from urllib.parse import unquote

from .server import BackgroundServer, read_body, send

QUOTING_MODES = ("express", "decoded", "json", "echo")


class _Hostile(BackgroundServer):
    """What the hostile HTTP servers share: their base URL, and taking a request in (its body
    read, counted, its connection closed after the answer)."""

    def __init__(self) -> None:
        super().__init__()
        self.requests = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def take(self, handler: BaseHTTPRequestHandler) -> bytes:
        self.requests += 1
        handler.close_connection = True
        return read_body(handler)


class QuotingProxy(_Hostile):
    """Every POST answered with an error quoting its path (and body); `mode` one of
    QUOTING_MODES. `seen` keeps each request's path and body."""

    def __init__(self, mode: str = "express") -> None:
        super().__init__()
        self.mode = mode
        self.seen: list[tuple[str, bytes]] = []

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        body = self.take(handler)
        path = handler.path
        self.seen.append((path, body))
        text = body.decode("utf-8", "replace")
        if self.mode == "express":  # finalhandler: escapeHtml(encodeUrl(path)), as sent
            page = (
                '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
                f"<title>Error</title>\n</head>\n<body>\n<pre>Cannot {method} {path}</pre>\n"
                "</body>\n</html>\n"
            )
            send(handler, 404, page.encode(), "text/html; charset=utf-8")
        elif self.mode == "decoded":
            message = f"no route for {method} {unquote(path)}"
            send(handler, 404, message.encode(), "text/plain; charset=utf-8")
        elif self.mode == "json":  # ASCII-escaped: \u00e9 for é
            answer = {
                "ok": False,
                "error_code": 400,
                "description": f"Bad Request: {method} {path} with {text}",
            }
            send(handler, 400, json.dumps(answer).encode(), "application/json")
        else:
            host = handler.headers.get("Host", "")
            echo = f"upstream failed for {method} http://{host}{path}: {text}"
            send(handler, 500, echo.encode(), "text/plain", {"Retry-After": "0"})


class EndlessBody(_Hostile):
    """200 and `head`, then `filler` until the client hangs up (no Content-Length: the body ends
    when the connection does). `sent` counts the bytes written."""

    def __init__(
        self,
        *,
        head: bytes = b'{"ok": true, "pad": "',
        filler: bytes = b"x" * 65536,
        content_type: str = "application/json",
    ) -> None:
        super().__init__()
        self.head, self.filler, self.content_type = head, filler, content_type
        self.sent = 0
        self.hung_up = threading.Event()

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        self.take(handler)
        try:
            handler.send_response(200)
            handler.send_header("Content-Type", self.content_type)
            handler.send_header("Connection", "close")
            handler.end_headers()
            handler.wfile.write(self.head)
            while not self.stopping.is_set():
                handler.wfile.write(self.filler)
                self.sent += len(self.filler)
        except OSError:
            self.hung_up.set()


def http_answer(status: str, body: bytes, content_type: str = "application/json") -> bytes:
    """A whole HTTP/1.1 answer as bytes, for `Trickle`."""
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


class Trickle(_Hostile):
    """Each request answered with `answer` (a whole HTTP answer, `http_answer`), one byte every
    `interval` seconds: every read of the client sees data long before its read timeout."""

    def __init__(self, answer: bytes, *, interval: float = 0.2) -> None:
        super().__init__()
        self.answer, self.interval = answer, interval
        self.hang_ups = 0  # answers the client hung up on before their end
        self.finished = threading.Event()
        self._lock = threading.Lock()

    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        self.take(handler)
        try:
            for byte in self.answer:
                if self.pause(self.interval):
                    return
                handler.wfile.write(bytes([byte]))
            self.finished.set()
        except OSError:
            with self._lock:
                self.hang_ups += 1


SMTP_MODES = ("greeting", "data", "cut", "endless")


class HostileSmtp:
    """An SMTP server on 127.0.0.1 that never lets a session end: `mode` "greeting" trickles
    an endless greeting (`220-` continuation lines) a byte every `interval` seconds; "data"
    talks normally up to the end of DATA, then trickles an endless reply; "cut" answers DATA
    with the three digits "250" and nothing more (cut there, smtplib reads a whole 250);
    "endless" sends a greeting line with no end, as fast as it can."""

    def __init__(self, mode: str = "greeting", *, interval: float = 0.2) -> None:
        self.mode, self.interval = mode, interval
        self.hung_up = threading.Event()
        self.got_data = threading.Event()
        self.stopping = threading.Event()
        self._server: socketserver.ThreadingTCPServer | None = None

    @property
    def port(self) -> int:
        assert self._server is not None, "not started"
        return int(self._server.server_address[1])

    def env(self, *to: str) -> dict[str, str]:
        return {
            "SUMMARIZER_SMTP_HOST": "127.0.0.1",
            "SUMMARIZER_SMTP_PORT": str(self.port),
            "SUMMARIZER_SMTP_SECURITY": "none",
            "SUMMARIZER_MAIL_FROM": "digest@example.org",
            "SUMMARIZER_MAIL_TO": ",".join(to),
        }

    def serve(self, conn: socket.socket) -> None:
        try:
            if self.mode == "endless":
                conn.sendall(b"220 ")
                while not self.stopping.is_set():
                    conn.sendall(b"x" * 65536)
            elif self.mode == "data":
                self._until_data(conn)
                self._trickle(conn, b"250-still checking your message\r\n")
            elif self.mode == "cut":
                self._until_data(conn)
                conn.sendall(b"250")
                while conn.recv(4096):  # until the client hangs up
                    pass
                self.hung_up.set()
            else:
                self._trickle(conn, b"220-hostile.example ESMTP, a moment\r\n")
        except OSError:
            self.hung_up.set()

    def _until_data(self, conn: socket.socket) -> None:
        reader = conn.makefile("rb")
        conn.sendall(b"220 hostile.example ESMTP\r\n")
        while line := reader.readline():
            verb = line[:4].upper()
            if verb in (b"EHLO", b"HELO"):
                conn.sendall(b"250-hostile.example\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
            elif verb == b"DATA":
                conn.sendall(b"354 end with <CRLF>.<CRLF>\r\n")
                while reader.readline() not in (b".\r\n", b""):
                    pass
                self.got_data.set()
                return
            else:
                conn.sendall(b"250 ok\r\n")
        raise ConnectionError("the client left before DATA")

    def _trickle(self, conn: socket.socket, line: bytes) -> None:
        while not self.stopping.is_set():
            for byte in line:
                if self.stopping.wait(self.interval):
                    return
                conn.sendall(bytes([byte]))

    def start(self) -> Self:
        owner = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                owner.serve(self.request)

        server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        server.daemon_threads = True
        self._server = server
        serving = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        serving.start()
        return self

    def stop(self) -> None:
        self.stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
