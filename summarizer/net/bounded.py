"""One HTTP request bounded both ways: answered whole within `deadline` seconds (connect to the
last byte, kept by a `Watchdog` that shuts the socket: httpx's timeouts bound each read, so a
server that trickles a byte every few seconds never times out), and its body read in chunks,
given up past `cap` bytes (after decompression: a gzip bomb stops there too)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx2 as httpx

from .watchdog import Watchdog


class TooSlow(Exception):
    """No complete answer within the deadline."""


class TooLarge(Exception):
    """An answer body larger than the cap."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: httpx.Headers
    body: bytes


def http_client(timeout: float | httpx.Timeout, **options: Any) -> httpx.Client:
    """A client for bounded requests. No connection is kept alive: each request opens its own, so
    the watchdog of its deadline sees the socket it uses (httpx's `trace` names a socket only
    when it is opened)."""
    if not isinstance(timeout, httpx.Timeout):
        timeout = httpx.Timeout(timeout, connect=min(timeout, 10.0))
    limits = httpx.Limits(max_keepalive_connections=0)
    return httpx.Client(timeout=timeout, limits=limits, **options)


def bounded(
    client: httpx.Client, method: str, url: str, *, deadline: float, cap: int, **request: Any
) -> Answer:
    """`method url` sent and its answer read whole within `deadline` seconds, at most `cap`
    bytes of body. httpx's errors (refused, reset, timed out) pass through; `TooSlow` and
    `TooLarge` for the two bounds."""
    with Watchdog(deadline) as watchdog:
        try:
            with client.stream(
                method, url, extensions={"trace": watchdog.trace}, **request
            ) as response:
                body = _read_capped(response, cap)
        except (httpx.HTTPError, httpx.StreamError) as exc:
            if watchdog.expired:
                raise TooSlow(f"no complete answer within {deadline:g} s") from exc
            raise
    return Answer(response.status_code, response.headers, body)


def _read_capped(response: httpx.Response, cap: int) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > cap:
        raise TooLarge(f"an answer of {int(declared):,} bytes (at most {cap:,})")
    body = bytearray()
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > cap:
            raise TooLarge(f"an answer over {cap:,} bytes")
    return bytes(body)
