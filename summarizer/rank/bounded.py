"""HTTP for the ranking inputs (embeddings, Zotero): every request bounded whole, every body capped.

httpx's timeouts bound each read, so an endpoint that trickles a byte every few seconds, or its
headers, never times out; and a body is read whole into memory, however large. Here the request
runs in a daemon thread that is abandoned at the deadline (httpx cannot be interrupted mid-read;
the thread stops at its next chunk, or when the socket's own timeout ends it), and the body is
read in chunks, given up past `cap` bytes (after decompression: a gzip bomb stops there too).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import httpx2 as httpx


class TooSlow(Exception):
    """No complete answer within the deadline."""


class TooLarge(Exception):
    """An answer body larger than the cap."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes


def http_client(timeout: float) -> httpx.Client:
    """A client whose connect and per-read timeouts are within the whole-request deadline."""
    return httpx.Client(timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)))


def bounded(
    client: httpx.Client,
    method: str,
    url: str,
    *,
    deadline: float,
    cap: int,
    **request: Any,
) -> Answer:
    """`method url` sent and its answer read whole within `deadline` seconds, at most `cap`
    bytes of body. httpx's errors (refused, reset, timed out) pass through; `TooSlow`, `TooLarge`
    for the two bounds."""
    outcome: dict[str, Any] = {}
    done, cancelled = threading.Event(), threading.Event()

    def send() -> None:
        try:
            with client.stream(method, url, **request) as response:
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > cap:
                    raise TooLarge(f"an answer of {int(declared):,} bytes (at most {cap:,})")
                body = bytearray()
                for chunk in response.iter_bytes():
                    if cancelled.is_set():
                        return
                    body += chunk
                    if len(body) > cap:
                        raise TooLarge(f"an answer over {cap:,} bytes")
                outcome["answer"] = Answer(response.status_code, response.headers, bytes(body))
        except BaseException as exc:  # handed to the waiting thread
            outcome["error"] = exc
        finally:
            done.set()

    threading.Thread(target=send, name="bounded-request", daemon=True).start()
    if not done.wait(deadline):
        cancelled.set()
        raise TooSlow(f"no complete answer within {deadline:g} s")
    if "error" in outcome:
        raise outcome["error"]
    answer: Answer = outcome["answer"]
    return answer
