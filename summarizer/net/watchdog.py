"""A whole-exchange deadline for the sockets of one exchange (an HTTP request, an SMTP session).

A socket timeout bounds each read, not the exchange: a server that sends one byte every few
seconds keeps every read within it, forever. `Watchdog(seconds)` is started before the exchange
and given each socket the exchange opens (`watch`); when the deadline passes it shuts them down
(shutdown, not close: a read blocked in another thread returns at once, where a close from
another thread would leave it blocked), so the blocked call fails within moments and the caller,
seeing `expired`, reports the deadline.

Why a watchdog thread rather than running the exchange in a thread abandoned at the deadline (as
the arXiv client does): an abandoned exchange would go on in the background, holding its
connection, and an SMTP session abandoned after DATA could still deliver the message the run
reports as failed. Shutting the socket ends the exchange itself.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from typing import Any, Self


class Watchdog:
    """`with Watchdog(seconds) as dog:` around one exchange; `dog.watch(sock)` for each socket it
    opens; `dog.expired` after a failure says whether the deadline caused it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def __enter__(self) -> Self:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        with self._lock:
            watched, self._sockets = self._sockets, []
        for sock in watched:
            sock.close()

    def watch(self, sock: socket.socket) -> None:
        """Shut `sock` down when the deadline passes (at once if it has passed). A duplicate is
        kept, so that wrapping `sock` in TLS (which detaches it) changes nothing."""
        try:
            duplicate = sock.dup()
        except OSError:
            return
        with self._lock:
            self._sockets.append(duplicate)
            if self.expired:
                _shut(duplicate)

    def trace(self, event: str, info: dict[str, Any]) -> None:
        """An httpx `trace` extension: watch the socket of each connection the request opens."""
        if event == "connection.connect_tcp.complete":
            stream = info.get("return_value")
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                self.watch(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
